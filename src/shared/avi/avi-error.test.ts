import assert from 'node:assert/strict';
import { OperatorError } from '../errors.js';
import {
  AviError,
  controllerText,
  httpError,
  retriedInClient,
  transportError,
} from './avi-error.js';

const target = { method: 'POST', path: '/api/gslbservice' };

describe('Avi error classification', function () {
  const table: [number, string, string, string][] = [
    [400, 'Config Operations can be done ONLY on leader', 'AVI_NOT_LEADER', 'never'],
    [400, 'GSLB system is in maintenance mode.', 'AVI_MAINTENANCE', 'slow'],
    [
      400,
      'Gslb service a: domain name conflicting with existing domain name a in gslbservice b',
      'AVI_DOMAIN_CONFLICT',
      'slow',
    ],
    [400, 'Cannot find object of type healthmonitor with name x', 'AVI_REJECTED', 'never'],
    [401, 'Invalid credentials', 'AVI_AUTH', 'slow'],
    [401, 'Authentication credentials were not provided.', 'AVI_UNAVAILABLE', 'slow'],
    [403, 'CSRF Failed: CSRF token missing or incorrect.', 'AVI_REJECTED', 'never'],
    [404, 'object not found', 'AVI_NOT_FOUND', 'backoff'],
    [409, 'Gslb service with this Name and Tenant ref already exists.', 'AVI_CONFLICT', 'backoff'],
    [412, 'Concurrent update', 'AVI_PRECONDITION', 'backoff'],
    [419, 'Session expired', 'AVI_UNAVAILABLE', 'backoff'],
    [429, 'slow down', 'AVI_UNAVAILABLE', 'slow'],
    [500, 'boom', 'AVI_UNAVAILABLE', 'slow'],
    [503, 'unavailable', 'AVI_UNAVAILABLE', 'slow'],
    [422, 'odd', 'AVI_REJECTED', 'never'],
  ];
  for (const [status, text, code, retry] of table) {
    it(`${status} "${text.slice(0, 40)}" → ${code}/${retry}`, function () {
      const err = httpError(target, status, text);
      assert.ok(err instanceof OperatorError);
      assert.deepEqual([err.code, err.retry, err.status, err.detail], [code, retry, status, text]);
      assert.equal(err.message, `Avi POST /api/gslbservice: ${status} ${text}`);
    });
  }

  it('treats any 401 at login as refused credentials', function () {
    const err = httpError({ method: 'POST', path: '/login' }, 401, 'whatever', true);
    assert.deepEqual([err.code, err.retry], ['AVI_AUTH', 'slow']);
  });

  it('sends timeouts and certificate failures to the slow path, resets to backoff', function () {
    const timeout = transportError(target, 'timeout', new Error('aborted'));
    assert.deepEqual(
      [timeout.code, timeout.retry, timeout.detail],
      ['AVI_UNAVAILABLE', 'slow', 'request timed out'],
    );
    const reset = transportError(
      target,
      'network',
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    );
    assert.deepEqual(
      [reset.retry, reset.detail, reset.status],
      ['backoff', 'socket hang up', undefined],
    );
    const tls = transportError(
      target,
      'network',
      Object.assign(new Error('self-signed'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
    );
    assert.equal(tls.retry, 'slow');
  });

  it('retries in the client only 5xx, 429 and connection failures', function () {
    assert.equal(retriedInClient(httpError(target, 503, 'x')), true);
    assert.equal(retriedInClient(httpError(target, 429, 'x')), true);
    assert.equal(retriedInClient(transportError(target, 'network', new Error('reset'))), true);
    assert.equal(retriedInClient(transportError(target, 'timeout', new Error('t'))), false);
    assert.equal(retriedInClient(httpError(target, 401, 'x')), false);
    assert.equal(retriedInClient(httpError(target, 409, 'x')), false);
    assert.equal(retriedInClient(new Error('plain')), false);
  });

  it('retries unusable replies to GETs in the client, never those to writes', function () {
    const bad = (method: string, retry: 'backoff' | 'slow'): AviError =>
      new AviError({ method, path: '/api/gslbservice', code: 'AVI_BAD_REPLY', retry, detail: 'x' });
    assert.equal(retriedInClient(bad('GET', 'backoff')), true);
    assert.equal(retriedInClient(bad('GET', 'slow')), false, 'a pagination loop is not retried');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      assert.equal(retriedInClient(bad(method, 'backoff')), false, method);
    }
  });

  it('keeps everything when a 409 gains the existing object', function () {
    const err = httpError(target, 409, 'exists').withExisting({ uuid: 'gslbservice-1' });
    assert.ok(err instanceof AviError);
    assert.deepEqual(
      [err.code, err.status, err.detail, err.existing],
      ['AVI_CONFLICT', 409, 'exists', { uuid: 'gslbservice-1' }],
    );
  });

  it('reads the controller text from {"error": …} or the raw body', function () {
    assert.equal(
      controllerText({ error: 'object not found' }, '{"error":"object not found"}'),
      'object not found',
    );
    assert.equal(
      controllerText(undefined, '  <html>bad gateway</html> '),
      '<html>bad gateway</html>',
    );
    assert.equal(controllerText(undefined, 'x'.repeat(600)).length, 501);
  });
});
