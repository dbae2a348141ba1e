import assert from 'node:assert/strict';
import type { FaultEffect } from './faults.js';
import { replyWithFault } from './fault-reply.js';
import type { SimReply, SimRequest } from './sim-request.js';

const request = (query = 'include_name=&page_size=2'): SimRequest => ({
  method: 'GET',
  path: '/api/gslbservice',
  query: new URLSearchParams(query),
  headers: {},
  body: undefined,
  base: 'http://127.0.0.1:9443',
  secure: false,
});

const lastPage: SimReply = {
  status: 200,
  body: {
    count: 3,
    results: [{ uuid: 'gslbservice-3', name: 'c', url: 'http://h/api/gslbservice/gslbservice-3' }],
  },
};

/** The reply and whether the real handler ran. */
function run(effect: FaultEffect, real: SimReply = lastPage, req = request()): [SimReply, boolean] {
  let ran = false;
  const reply = replyWithFault(effect, req, () => {
    ran = true;
    return real;
  });
  return [reply, ran];
}

describe('replyWithFault', function () {
  it('replaces the request with an injected status, or with a raw body (200 by default)', function () {
    assert.deepEqual(run({ status: 503 }), [
      { status: 503, body: { error: 'injected fault' } },
      false,
    ]);
    assert.deepEqual(run({ rawBody: '<html>login</html>' }), [
      { status: 200, body: '<html>login</html>', contentType: 'text/html; charset=utf-8' },
      false,
    ]);
    assert.deepEqual(run({ latencyMs: 5 }), [lastPage, true]);
  });

  it('with apply, carries the request out and then sends the raw body with the real status', function () {
    const created: SimReply = { status: 201, body: { uuid: 'gslbservice-1', name: 'a' } };
    assert.deepEqual(
      run({ apply: true, rawBody: '{"uuid": "gslb', contentType: 'application/json' }, created),
      [{ status: 201, body: '{"uuid": "gslb', contentType: 'application/json' }, true],
    );
    assert.deepEqual(run({ apply: true, status: 502 }, created), [
      { status: 502, body: created.body },
      true,
    ]);
  });

  it('drops a field from an object or from every result of a collection', function () {
    const created: SimReply = { status: 201, body: { uuid: 'gslbservice-1', name: 'a' } };
    assert.deepEqual(run({ dropField: 'uuid' }, created)[0], { status: 201, body: { name: 'a' } });
    const [page] = run({ dropField: 'uuid' });
    assert.deepEqual(page.body, {
      count: 3,
      results: [{ name: 'c', url: 'http://h/api/gslbservice/gslbservice-3' }],
    });
  });

  it('gives the last page a next link back to itself or to page 1', function () {
    const req = request('page=2&page_size=2&include_name=');
    assert.equal(
      (run({ nextLoop: 'self' }, lastPage, req)[0].body as { next: string }).next,
      'http://127.0.0.1:9443/api/gslbservice?include_name=&page=2&page_size=2',
    );
    assert.equal(
      (run({ nextLoop: 'first' }, lastPage, req)[0].body as { next: string }).next,
      'http://127.0.0.1:9443/api/gslbservice?include_name=&page=1&page_size=2',
    );
    const middle: SimReply = { status: 200, body: { count: 3, results: [], next: 'http://n' } };
    assert.deepEqual(run({ nextLoop: 'first' }, middle)[0], middle, 'a real next link stays');
    const object: SimReply = { status: 200, body: { uuid: 'x' } };
    assert.deepEqual(run({ nextLoop: 'self' }, object)[0], object, 'objects are left alone');
  });

  it('marks the reply for padding to bodyBytes', function () {
    assert.deepEqual(run({ bodyBytes: 1000, declareLength: true })[0], {
      ...lastPage,
      padToBytes: 1000,
      declareLength: true,
    });
  });
});
