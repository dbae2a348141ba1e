/**
 * The Avi client against unusable controller answers from the real simulator: broken JSON, a 200
 * with an HTML page, objects without uuid (create reply and list page), `next` links that loop
 * or never end, and 50 MB bodies. Reads are retried and then reported; writes are reported at
 * once (the controller may have carried them out), and a repeated create meets 409 and reads the
 * object back, so the controller never holds a duplicate.
 */
import assert from 'node:assert/strict';
import type { AviClient } from '../../src/shared/avi/avi-client.js';
import { AviError } from '../../src/shared/avi/avi-error.js';
import type { JournalEntry } from '../../src/sim/avi-controller/journal.js';
import {
  type AviSimHandle,
  clientFor,
  gslbServiceBody,
  rejectionOf,
  startAviSim,
} from '../support/avi-sim.js';

const HTML = '<!DOCTYPE html>\n<html><head><title>Avi Login</title></head><body>…</body></html>';
const CUT = '{"uuid": "gslbservice-6f1c';
const BIG = 50 * 1024 * 1024;

function aviError(err: unknown): AviError {
  assert.ok(err instanceof AviError, `expected AviError, got ${String(err)}`);
  return err;
}

const summary = (entries: readonly JournalEntry[]): string[] =>
  entries.map((e) => `${e.method} ${e.path} ${e.status}`);

describe('AviClient against bad answers from amko-avi-sim', function () {
  let sim: AviSimHandle;
  let client: AviClient;

  before(async function () {
    sim = await startAviSim();
  });
  after(async function () {
    await sim.stop();
  });
  beforeEach(async function () {
    await sim.control.reset({ empty: true });
    client = clientFor(sim);
    await client.login();
    await sim.control.clearJournal();
  });
  afterEach(async function () {
    await client.close();
  });

  const stored = async (): Promise<string[]> =>
    ((await sim.control.objects({ type: 'gslbservice' }))['gslbservice'] ?? []).map((o) =>
      String(o['name']),
    );
  const gsCalls = async (): Promise<string[]> =>
    summary(await sim.control.journal({ objectType: 'gslbservice' }));

  /** Creates `names` on the controller, then clears the journal. */
  async function seed(...names: string[]): Promise<void> {
    for (const name of names) await client.gslbServices.create(gslbServiceBody(name));
    await sim.control.clearJournal();
  }

  /** A repeated create meets 409 and carries the stored object; exactly one object exists. */
  async function expectReadBack(name: string): Promise<void> {
    const again = aviError(await rejectionOf(client.gslbServices.create(gslbServiceBody(name))));
    assert.equal(again.code, 'AVI_CONFLICT');
    const existing = again.existing as { uuid?: string; name?: string };
    assert.equal(existing.name, name);
    assert.match(existing.uuid ?? '', /^gslbservice-/);
    assert.deepEqual(await stored(), [name], 'one object, no duplicate');
  }

  describe('malformed JSON', function () {
    it('retries a read once it is cut off, then succeeds', async function () {
      await seed('a.example.com');
      await sim.control.faults({
        match: { method: 'GET', objectType: 'gslbservice' },
        effect: { rawBody: '{"count": 1, "results": [{"uuid"', contentType: 'application/json' },
        count: 1,
      });
      assert.deepEqual(
        (await client.gslbServices.list()).map((g) => g.name),
        ['a.example.com'],
      );
      assert.deepEqual(await gsCalls(), ['GET /api/gslbservice 200', 'GET /api/gslbservice 200']);
    });

    it('reports AVI_BAD_REPLY after the retries when every answer is broken', async function () {
      await sim.control.faults({
        match: { method: 'GET', objectType: 'gslbservice' },
        effect: { rawBody: '{"count": 1, "res', contentType: 'application/json' },
      });
      const err = aviError(await rejectionOf(client.gslbServices.list()));
      assert.deepEqual([err.code, err.retry, err.status], ['AVI_BAD_REPLY', 'backoff', 200]);
      assert.equal(
        err.message,
        'Avi GET /api/gslbservice: 200 reply is not JSON (content-type application/json, 17 bytes): "{"count": 1, "res"',
      );
      assert.equal((await gsCalls()).length, 4, 'the first attempt and three retries');
    });

    it('reports a create whose answer is cut off once, and a repeat reads it back', async function () {
      await sim.control.faults({
        match: { method: 'POST', objectType: 'gslbservice' },
        effect: { apply: true, rawBody: CUT, contentType: 'application/json' },
        count: 1,
      });
      const err = aviError(
        await rejectionOf(client.gslbServices.create(gslbServiceBody('cut.example.com'))),
      );
      assert.deepEqual([err.code, err.retry, err.status], ['AVI_BAD_REPLY', 'backoff', 201]);
      assert.match(err.detail, /^reply is not JSON \(content-type application\/json, 26 bytes\)/);
      assert.deepEqual(await gsCalls(), ['POST /api/gslbservice 201'], 'not re-POSTed');
      await expectReadBack('cut.example.com');
    });

    it('reports an update whose answer is cut off without repeating it', async function () {
      await seed('put.example.com');
      const [gs] = await client.gslbServices.list();
      await sim.control.clearJournal();
      await sim.control.faults({
        match: { method: 'PUT', objectType: 'gslbservice' },
        effect: { apply: true, rawBody: CUT, contentType: 'application/json' },
        count: 1,
      });
      const err = aviError(await rejectionOf(client.gslbServices.update({ ...gs!, ttl: 30 })));
      assert.equal(err.code, 'AVI_BAD_REPLY');
      assert.deepEqual(await gsCalls(), [`PUT /api/gslbservice/${gs!.uuid} 200`]);
      assert.equal((await client.gslbServices.getByUuid(gs!.uuid)).ttl, 30);
    });
  });

  describe('a 200 with an HTML page', function () {
    it('retries a read that got a login page, then succeeds', async function () {
      await seed('a.example.com');
      await sim.control.faults({
        match: { method: 'GET', objectType: 'gslbservice' },
        effect: { rawBody: HTML },
        count: 2,
      });
      assert.equal((await client.gslbServices.getByName('a.example.com'))?.name, 'a.example.com');
      assert.equal((await gsCalls()).length, 3);
    });

    it('reports it with its content type and an excerpt', async function () {
      await sim.control.faults({
        match: { method: 'GET', objectType: 'gslbservice' },
        effect: { rawBody: HTML },
      });
      const err = aviError(await rejectionOf(client.gslbServices.list()));
      assert.equal(err.code, 'AVI_BAD_REPLY');
      assert.equal(
        err.detail,
        `reply is not JSON (content-type text/html; charset=utf-8, ${Buffer.byteLength(HTML)} bytes): ` +
          '"<!DOCTYPE html> <html><head><title>Avi Login</title></head><body>…</body></html>"',
      );
      assert.equal((await gsCalls()).length, 4);
    });

    it('reports a create answered by a proxy page, and a repeat reads it back', async function () {
      await sim.control.faults({
        match: { method: 'POST', objectType: 'gslbservice' },
        effect: { apply: true, status: 200, rawBody: '<html><body>502 Bad Gateway</body></html>' },
        count: 1,
      });
      const err = aviError(
        await rejectionOf(client.gslbServices.create(gslbServiceBody('proxy.example.com'))),
      );
      assert.deepEqual([err.code, err.status], ['AVI_BAD_REPLY', 200]);
      assert.deepEqual(await gsCalls(), ['POST /api/gslbservice 200']);
      await expectReadBack('proxy.example.com');
    });

    it('reports a login answered by a portal page on the slow path', async function () {
      const fresh = clientFor(sim);
      try {
        await sim.control.faults({ match: { path: '^/login$' }, effect: { rawBody: HTML } });
        const err = aviError(await rejectionOf(fresh.gslbServices.list()));
        assert.deepEqual([err.code, err.retry, err.path], ['AVI_BAD_REPLY', 'slow', '/login']);
        assert.match(
          err.detail,
          /^login reply carried no csrftoken and session cookies \(content-type text\/html/,
        );
      } finally {
        await sim.control.clearFaults();
        await fresh.close();
      }
    });
  });

  describe('objects without uuid', function () {
    it('reports a create answer without uuid, and a repeat reads it back', async function () {
      await sim.control.faults({
        match: { method: 'POST', objectType: 'gslbservice' },
        effect: { dropField: 'uuid' },
        count: 1,
      });
      const err = aviError(
        await rejectionOf(client.gslbServices.create(gslbServiceBody('nouuid.example.com'))),
      );
      assert.deepEqual(
        [err.code, err.status, err.detail],
        ['AVI_BAD_REPLY', 201, 'reply object has no uuid'],
      );
      assert.deepEqual(await gsCalls(), ['POST /api/gslbservice 201']);
      await expectReadBack('nouuid.example.com');
    });

    it('retries a list page with an object without uuid, and reports it when it stays', async function () {
      await seed('a.example.com', 'b.example.com');
      await sim.control.faults({
        match: { method: 'GET', objectType: 'gslbservice' },
        effect: { dropField: 'uuid' },
        count: 1,
      });
      assert.equal((await client.gslbServices.list()).length, 2);
      await sim.control.faults({
        match: { method: 'GET', objectType: 'gslbservice' },
        effect: { dropField: 'uuid' },
      });
      const err = aviError(await rejectionOf(client.gslbServices.list()));
      assert.deepEqual(
        [err.code, err.detail],
        ['AVI_BAD_REPLY', 'collection results[0] has no uuid (name a.example.com)'],
      );
      assert.equal((await gsCalls()).length, 2 + 4);
    });
  });

  describe('pagination that does not end', function () {
    it('stops when next leads back to the same page, reading no page twice', async function () {
      await seed('a.example.com', 'b.example.com', 'c.example.com');
      await sim.control.faults({
        match: { method: 'GET', objectType: 'gslbservice' },
        effect: { nextLoop: 'self' },
      });
      const err = aviError(await rejectionOf(client.gslbServices.list({ pageSize: 2 })));
      assert.deepEqual([err.code, err.retry], ['AVI_BAD_REPLY', 'slow']);
      assert.equal(
        err.detail,
        'pagination loop: the next link of page 2 leads back to page 2 (include_name=&page=2&page_size=2)',
      );
      assert.equal((await gsCalls()).length, 2);
    });

    it('stops when next leads back to page 1', async function () {
      await seed('a.example.com', 'b.example.com', 'c.example.com');
      await sim.control.faults({
        match: { method: 'GET', objectType: 'gslbservice' },
        effect: { nextLoop: 'first' },
      });
      const err = aviError(await rejectionOf(client.gslbServices.list({ pageSize: 1 })));
      assert.match(err.detail, /^pagination loop: the next link of page 3 leads back to page 1 /);
      assert.equal((await gsCalls()).length, 3);
    });

    it('stops after maxPages pages', async function () {
      const capped = clientFor(sim, { maxPages: 2 });
      try {
        await seed('a.example.com', 'b.example.com', 'c.example.com');
        const err = aviError(await rejectionOf(capped.gslbServices.list({ pageSize: 1 })));
        assert.deepEqual(
          [err.code, err.detail],
          ['AVI_BAD_REPLY', 'pagination did not end within 2 pages (maxPages)'],
        );
        assert.equal((await gsCalls()).length, 2);
      } finally {
        await capped.close();
      }
    });
  });

  describe('a 50 MB body', function () {
    it('cuts a streamed list page off at maxResponseBytes and reports it unretried', async function () {
      await seed('a.example.com');
      await sim.control.faults({
        match: { method: 'GET', objectType: 'gslbservice' },
        effect: { bodyBytes: BIG },
        count: 1,
      });
      const err = aviError(await rejectionOf(client.gslbServices.list()));
      assert.deepEqual([err.code, err.retry, err.status], ['AVI_REPLY_TOO_LARGE', 'slow', 200]);
      assert.equal(
        err.message,
        'Avi GET /api/gslbservice: 200 reply body larger than 8388608 bytes (maxResponseBytes), not read',
      );
      assert.equal((await gsCalls()).length, 1);
      assert.equal((await client.gslbServices.list()).length, 1, 'the next call works');
    });

    it('refuses a body whose Content-Length is over a configured limit', async function () {
      const small = clientFor(sim, { maxResponseBytes: 64 * 1024 });
      try {
        await seed('a.example.com');
        await sim.control.faults({
          match: { method: 'GET', objectType: 'gslbservice' },
          effect: { bodyBytes: 100_000, declareLength: true },
          count: 1,
        });
        const err = aviError(await rejectionOf(small.gslbServices.list()));
        assert.equal(err.detail, 'reply body larger than 65536 bytes (maxResponseBytes), not read');
        assert.equal((await small.gslbServices.list()).length, 1);
      } finally {
        await small.close();
      }
    });

    it('reports a create answered with 50 MB once, and a repeat reads it back', async function () {
      await sim.control.faults({
        match: { method: 'POST', objectType: 'gslbservice' },
        effect: { bodyBytes: BIG },
        count: 1,
      });
      const err = aviError(
        await rejectionOf(client.gslbServices.create(gslbServiceBody('big.example.com'))),
      );
      assert.deepEqual([err.code, err.status], ['AVI_REPLY_TOO_LARGE', 201]);
      assert.deepEqual(await gsCalls(), ['POST /api/gslbservice 201']);
      await expectReadBack('big.example.com');
    });

    it('still retries a 503 whose body is too large', async function () {
      await seed('a.example.com');
      await sim.control.faults({
        match: { method: 'GET', objectType: 'gslbservice' },
        effect: { status: 503, bodyBytes: BIG },
        count: 1,
      });
      assert.equal((await client.gslbServices.list()).length, 1);
      assert.deepEqual(await gsCalls(), ['GET /api/gslbservice 503', 'GET /api/gslbservice 200']);
    });
  });
});
