/**
 * The Avi client under failure, against the real simulator: expired sessions (one re-login, no
 * duplicate writes), injected 5xx and connection resets (retried), timeouts (not retried),
 * the concurrency limit, 419 session renewal, refused logins and TLS trust.
 */
import assert from 'node:assert/strict';
import { AviClient } from '../../src/shared/avi/avi-client.js';
import { AviError } from '../../src/shared/avi/avi-error.js';
import { createLogger } from '../../src/shared/telemetry/logger.js';
import type { JournalEntry } from '../../src/sim/avi-controller/journal.js';
import {
  type AviSimHandle,
  clientFor,
  gslbServiceBody,
  rejectionOf,
  startAviSim,
} from '../support/avi-sim.js';

function aviError(err: unknown): AviError {
  assert.ok(err instanceof AviError, `expected AviError, got ${String(err)}`);
  return err;
}

const summary = (entries: readonly JournalEntry[]): string[] =>
  entries.map((e) => `${e.method} ${e.path} ${e.status}`);

/**
 * Most requests the simulator was serving at one time, from the arrival and latency of each on
 * its monotonic clock.
 */
function maxOverlap(entries: readonly JournalEntry[]): number {
  const edges = entries.flatMap((e) => [
    { t: e.arrivedMs, d: 1 },
    { t: e.arrivedMs + e.latencyMs, d: -1 },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const edge of edges) {
    now += edge.d;
    max = Math.max(max, now);
  }
  return max;
}

describe('AviClient resilience against amko-avi-sim', function () {
  let sim: AviSimHandle;
  let client: AviClient;

  before(async function () {
    sim = await startAviSim();
  });
  after(async function () {
    await sim.stop();
  });
  beforeEach(async function () {
    await sim.control.reset();
    client = clientFor(sim);
  });
  afterEach(async function () {
    await client.close();
  });

  it('logs in once again after the session expires mid-run and writes exactly once', async function () {
    for (const n of [1, 2, 3])
      await client.gslbServices.create(gslbServiceBody(`run-${n}.example.com`));
    assert.equal(await sim.control.expireSessions(), 1);
    await sim.control.clearJournal();
    await client.gslbServices.create(gslbServiceBody('run-4.example.com'));
    assert.deepEqual(summary(await sim.control.journal()), [
      'POST /api/gslbservice 401',
      'POST /login 200',
      'POST /api/gslbservice 201',
    ]);
    const names = ((await sim.control.objects({ type: 'gslbservice' }))['gslbservice'] ?? []).map(
      (o) => o['name'],
    );
    assert.deepEqual(names, [
      'run-1.example.com',
      'run-2.example.com',
      'run-3.example.com',
      'run-4.example.com',
    ]);
    assert.equal(client.logins, 2);
  });

  it('shares one re-login between concurrent requests on an expired session', async function () {
    await client.login();
    await sim.control.expireSessions();
    await sim.control.clearJournal();
    const names = Array.from({ length: 12 }, (_, i) => `c${i}.example.com`);
    await Promise.all(names.map((n) => client.gslbServices.create(gslbServiceBody(n))));
    const journal = await sim.control.journal();
    assert.equal(journal.filter((e) => e.path === '/login').length, 1, summary(journal).join('\n'));
    assert.equal(journal.filter((e) => e.status === 201).length, 12);
    const stored = ((await sim.control.objects({ type: 'gslbservice' }))['gslbservice'] ?? []).map(
      (o) => o['name'],
    );
    assert.deepEqual([...stored].sort(), [...names].sort());
  });

  it('retries injected 503s and then succeeds', async function () {
    await sim.control.faults({
      match: { method: 'POST', objectType: 'gslbservice' },
      effect: { status: 503 },
      count: 2,
    });
    const created = await client.gslbServices.create(gslbServiceBody('retry.example.com'));
    assert.equal(created.name, 'retry.example.com');
    assert.deepEqual(summary(await sim.control.journal({ objectType: 'gslbservice' })), [
      'POST /api/gslbservice 503',
      'POST /api/gslbservice 503',
      'POST /api/gslbservice 201',
    ]);
    assert.equal(
      ((await sim.control.objects({ type: 'gslbservice' }))['gslbservice'] ?? []).length,
      1,
    );
  });

  it('gives up after the retry budget with AVI_UNAVAILABLE and the controller text', async function () {
    await sim.control.faults({
      match: { objectType: 'healthmonitor' },
      effect: { status: 502, body: 'bad gateway' },
    });
    const err = aviError(await rejectionOf(client.healthMonitors.list()));
    assert.deepEqual(
      [err.code, err.retry, err.status, err.detail],
      ['AVI_UNAVAILABLE', 'slow', 502, 'bad gateway'],
    );
    assert.equal((await sim.control.journal({ objectType: 'healthmonitor' })).length, 4);
  });

  it('retries a reset connection', async function () {
    await sim.control.faults({
      match: { method: 'GET', path: '^/api/cluster$' },
      effect: { reset: true },
      count: 1,
    });
    const cluster = await client.getCluster();
    assert.match(cluster.uuid, /^cluster-/);
    assert.deepEqual(summary(await sim.control.journal({ objectType: 'cluster' })), [
      'GET /api/cluster 0',
      'GET /api/cluster 200',
    ]);
  });

  it('tells its observer every exchange, with the class of each failure', async function () {
    const seen: string[] = [];
    const observed = clientFor(sim, {
      requestTimeoutMs: 300,
      observer: (o) => seen.push(`${o.method} ${o.errorClass ?? 'ok'}`),
    });
    try {
      await sim.control.faults([
        { match: { path: '^/api/cluster$' }, effect: { status: 503 }, count: 1 },
        { match: { path: '^/api/cluster$' }, effect: { reset: true }, count: 1 },
        { match: { method: 'POST', objectType: 'gslbservice' }, effect: { status: 409 } },
        { match: { objectType: 'gslb' }, effect: { timeout: true }, count: 1 },
      ]);
      await observed.getCluster();
      await sim.control.expireSessions();
      await observed.getCluster();
      await rejectionOf(observed.gslbServices.create(gslbServiceBody('seen.example.com')));
      await rejectionOf(observed.gslbs.list());
      assert.deepEqual(seen, [
        'POST ok',
        'GET server',
        'GET network',
        'GET ok',
        'GET session',
        'POST ok',
        'GET ok',
        'POST conflict',
        'GET ok',
        'GET timeout',
      ]);
    } finally {
      await observed.close();
    }
  });

  it('times a request out once, without retrying it', async function () {
    const quick = clientFor(sim, { requestTimeoutMs: 300 });
    try {
      await quick.login();
      await sim.control.faults({ match: { objectType: 'gslb' }, effect: { timeout: true } });
      const err = aviError(await rejectionOf(quick.gslbs.list()));
      assert.deepEqual(
        [err.code, err.retry, err.detail],
        ['AVI_UNAVAILABLE', 'slow', 'request timed out'],
      );
      assert.equal((await sim.control.journal({ objectType: 'gslb' })).length, 1);
    } finally {
      await quick.close();
    }
  });

  it('keeps at most `concurrency` requests in flight', async function () {
    const narrow = clientFor(sim, { concurrency: 3 });
    try {
      await narrow.login();
      await sim.control.faults({
        match: { objectType: 'healthmonitor' },
        effect: { latencyMs: 60 },
      });
      await Promise.all(Array.from({ length: 9 }, () => narrow.healthMonitors.getByName('my-hm1')));
      const served = await sim.control.journal({ objectType: 'healthmonitor' });
      assert.equal(served.length, 9);
      const overlap = maxOverlap(served);
      assert.ok(overlap <= 3 && overlap >= 2, `overlap ${overlap}`);
    } finally {
      await narrow.close();
    }
  });

  it('fails the call when the re-login is refused, and recovers on the next one', async function () {
    await client.login();
    await sim.control.expireSessions();
    await sim.control.rejectNextLogins(1);
    const err = aviError(await rejectionOf(client.clouds.list()));
    assert.deepEqual([err.code, err.retry], ['AVI_AUTH', 'slow']);
    assert.equal((await client.clouds.list()).length, 1);
  });

  it('stops at the caller abort signal', async function () {
    await sim.control.faults({ match: { objectType: 'pkiprofile' }, effect: { latencyMs: 5_000 } });
    const controller = new AbortController();
    const pending = client.pkiProfiles.list({ signal: controller.signal });
    controller.abort(new Error('shutting down'));
    const err = await rejectionOf(pending);
    assert.equal((err as Error).message, 'shutting down');
  });
});

describe('AviClient logging', function () {
  it('logs calls, retries and re-logins without passwords, tokens or cookies', async function () {
    const sim = await startAviSim({ password: 'pw-Zq81-never-logged' });
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: { write: (line: string) => lines.push(line) },
    });
    const client = clientFor(sim, { logger });
    const wrong = clientFor(sim, { logger, password: 'wrong-pw-never-logged' });
    try {
      await client.gslbServices.list();
      await sim.control.expireSessions();
      await sim.control.faults({
        match: { objectType: 'cloud' },
        effect: { status: 503 },
        count: 1,
      });
      await client.clouds.list();
      await rejectionOf(wrong.login());
      assert.equal((await sim.control.journal({ objectType: 'login' })).length, 3);
      const text = lines.join('');
      assert.match(text, /"msg":"Avi call"/);
      assert.match(text, /logging in again/);
      assert.match(text, /retrying/);
      assert.match(text, /Avi login failed/);
      for (const secret of [
        'pw-Zq81-never-logged',
        'wrong-pw-never-logged',
        'csrftoken',
        'sessionid',
        'X-CSRFToken',
      ]) {
        assert.ok(!text.includes(secret), `log mentions ${secret}`);
      }
    } finally {
      await client.close();
      await wrong.close();
      await sim.stop();
    }
  });
});

describe('AviClient with a 419 session-expiry controller', function () {
  it('adopts the cookies of a 419 reply without logging in again', async function () {
    const sim = await startAviSim({ expiredSessionStatus: 419 });
    const client = clientFor(sim);
    try {
      await client.clouds.list();
      await sim.control.expireSessions();
      await sim.control.clearJournal();
      assert.equal((await client.clouds.list()).length, 1);
      assert.deepEqual(summary(await sim.control.journal()), [
        'GET /api/cloud 419',
        'GET /api/cloud 200',
      ]);
      assert.equal(client.logins, 1);
    } finally {
      await client.close();
      await sim.stop();
    }
  });
});

describe('AviClient over TLS', function () {
  let sim: AviSimHandle;

  before(async function () {
    sim = await startAviSim({ tls: true });
  });
  after(async function () {
    await sim.stop();
  });

  it('trusts the controller through its CA bundle', async function () {
    assert.match(sim.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const client = clientFor(sim);
    try {
      assert.equal((await client.getCluster()).name, 'ctrl-east');
    } finally {
      await client.close();
    }
  });

  it('refuses an unknown certificate unless told to be insecure', async function () {
    const strict = new AviClient({
      baseUrl: sim.url,
      username: sim.username,
      password: sim.password,
      retry: { baseMs: 5, maxMs: 20 },
    });
    const insecure = clientFor(sim, { insecure: true });
    try {
      const err = aviError(await rejectionOf(strict.getCluster()));
      assert.deepEqual([err.code, err.retry], ['AVI_UNAVAILABLE', 'slow']);
      assert.equal((await insecure.getCluster()).name, 'ctrl-east');
    } finally {
      await strict.close();
      await insecure.close();
    }
  });
});
