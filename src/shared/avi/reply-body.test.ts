import assert from 'node:assert/strict';
import { AviError } from './avi-error.js';
import { excerpt, readReply, shapeProblem } from './reply-body.js';
import type { TransportResponse } from './transport.js';

const target = { method: 'GET', path: '/api/gslbservice' };

const reply = (text: string, extra: Partial<TransportResponse> = {}): TransportResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  text,
  ...extra,
});

function failure(fn: () => unknown): AviError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AviError, String(err));
    return err;
  }
  throw new Error('expected a failure');
}

describe('readReply', function () {
  it('returns the parsed body of the expected shape', function () {
    assert.deepEqual(readReply(target, reply('{"uuid":"gs-1","name":"a"}'), 'object'), {
      uuid: 'gs-1',
      name: 'a',
    });
    assert.deepEqual(readReply(target, reply('{"count":0,"results":[]}'), 'collection'), {
      count: 0,
      results: [],
    });
    assert.equal(readReply(target, reply(''), 'any'), undefined);
  });

  it('refuses an HTML page with its content type, size and an excerpt', function () {
    const page = '<!DOCTYPE html>\n<html><head><title>Avi Login</title></head></html>';
    const err = failure(() =>
      readReply(
        target,
        reply(page, { headers: { 'content-type': 'text/html; charset=utf-8' } }),
        'any',
      ),
    );
    assert.deepEqual([err.code, err.retry, err.status], ['AVI_BAD_REPLY', 'backoff', 200]);
    assert.equal(
      err.detail,
      `reply is not JSON (content-type text/html; charset=utf-8, ${page.length} bytes): ` +
        '"<!DOCTYPE html> <html><head><title>Avi Login</title></head></html>"',
    );
  });

  it('refuses cut-off JSON', function () {
    const err = failure(() => readReply(target, reply('{"count": 3, "results": [{"uu'), 'any'));
    assert.equal(err.code, 'AVI_BAD_REPLY');
    assert.match(err.detail, /^reply is not JSON \(content-type application\/json, 29 bytes\)/);
  });

  it('refuses objects and collection members without a uuid', function () {
    const noUuid = failure(() => readReply(target, reply('{"name":"a"}'), 'object'));
    assert.deepEqual([noUuid.code, noUuid.detail], ['AVI_BAD_REPLY', 'reply object has no uuid']);
    const member = failure(() =>
      readReply(target, reply('{"count":2,"results":[{"uuid":"x"},{"name":"b"}]}'), 'collection'),
    );
    assert.equal(member.detail, 'collection results[1] has no uuid (name b)');
  });

  it('reports a too-large body as AVI_REPLY_TOO_LARGE on the slow path', function () {
    const err = failure(() => readReply(target, reply('', { tooLarge: { limit: 1024 } }), 'any'));
    assert.deepEqual([err.code, err.retry], ['AVI_REPLY_TOO_LARGE', 'slow']);
    assert.equal(err.detail, 'reply body larger than 1024 bytes (maxResponseBytes), not read');
  });
});

describe('shapeProblem', function () {
  it('checks the collection envelope', function () {
    assert.equal(shapeProblem([], 'collection'), 'reply is not a collection (not an object)');
    assert.equal(
      shapeProblem({ count: 1 }, 'collection'),
      'reply is not a collection (no results array)',
    );
    assert.equal(
      shapeProblem({ results: [], next: 3 }, 'collection'),
      'collection next link is not a string',
    );
    assert.equal(shapeProblem({ results: [], next: null }, 'collection'), undefined);
    assert.equal(
      shapeProblem({ results: ['x'] }, 'collection'),
      'collection results[0] is not an object',
    );
    assert.equal(shapeProblem({ uuid: '' }, 'object'), 'reply object has no uuid');
    assert.equal(shapeProblem('text', 'any'), undefined);
  });

  it('keeps excerpts short and on one line', function () {
    assert.equal(excerpt(' a\n\n b '), 'a b');
    assert.equal(excerpt('x'.repeat(200)).length, 121);
  });
});
