import assert from 'node:assert/strict';
import { setImmediate as flush } from 'node:timers/promises';
import { OperatorError } from '../errors.js';
import { silentLogger } from '../telemetry/logger.js';
import { ManualClock } from './manual-clock.js';
import { WorkQueue } from './work-queue.js';
import { runWorkers } from './worker-pool.js';

function queue(
  clock = new ManualClock(),
  opts: { qps?: number; burst?: number } = {},
): {
  q: WorkQueue;
  clock: ManualClock;
} {
  return { q: new WorkQueue({ clock, baseDelayMs: 10, maxDelayMs: 1000, ...opts }), clock };
}

describe('WorkQueue', () => {
  it('hands keys out in order and de-duplicates waiting keys', async () => {
    const { q } = queue();
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.length, 0);
  });

  it('never hands one key to two workers, and re-queues it once when added in flight', async () => {
    const { q } = queue();
    q.add('a');
    const first = await q.get();
    q.add('a');
    q.add('a');
    assert.equal(q.length, 0, 'the in-flight key must not be handed out again');
    q.done(first!);
    assert.equal(q.length, 1);
    assert.equal(await q.get(), 'a');
    q.done('a');
    assert.equal(q.length, 0);
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const { q } = queue();
    const pending = q.get();
    q.add('x');
    assert.equal(await pending, 'x');
    assert.equal(q.inFlight, 1);
  });

  it('delays keys by the injected clock and keeps the earliest wake-up', async () => {
    const { q, clock } = queue();
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 500);
    assert.equal(q.delayed, 1);
    clock.advance(49);
    await flush();
    assert.equal(q.length, 0);
    clock.advance(1);
    await flush();
    assert.equal(q.length, 1);
    assert.equal(q.delayed, 0);
  });

  it('backs a failing key off exponentially, up to the cap, until it is forgotten', async () => {
    const { q, clock } = queue();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      q.addRateLimited('k');
      let waited = 0;
      while (q.length === 0) {
        clock.advance(5);
        waited += 5;
        await flush();
      }
      delays.push(waited);
      await q.get();
      q.done('k');
    }
    assert.deepEqual(delays, [10, 20, 40, 80, 160, 320, 640, 1000]);
    assert.equal(q.numRequeues('k'), 8);
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
  });

  it('spaces rate-limited adds by the global token bucket once the burst is spent', async () => {
    const { q, clock } = queue(new ManualClock(), { qps: 10, burst: 2 });
    q.addRateLimited('a');
    q.addRateLimited('b');
    q.addRateLimited('c');
    clock.advance(10);
    await flush();
    assert.equal(q.length, 2, 'a and b use the burst');
    clock.advance(89);
    await flush();
    assert.equal(q.length, 2, 'c waits for a token (100 ms at 10 qps)');
    clock.advance(1);
    await flush();
    assert.equal(q.length, 3);
  });

  it('wakes waiting workers with undefined on shutdown and drops delayed keys', async () => {
    const { q, clock } = queue();
    const waiting = q.get();
    q.addAfter('later', 100);
    q.shutDown();
    assert.equal(await waiting, undefined);
    clock.advance(200);
    await flush();
    assert.equal(q.length, 0);
    q.add('after-shutdown');
    assert.equal(await q.get(), undefined);
  });

  it('drains: shutDownWithDrain resolves only after in-flight keys are done', async () => {
    const { q } = queue();
    q.add('a');
    await q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => {
      drained = true;
    });
    await flush();
    assert.equal(drained, false);
    q.done('a');
    await drain;
    assert.equal(drained, true);
  });
});

describe('runWorkers', () => {
  it('turns dispositions into retry, slow retry or drop, and forgets on success', async () => {
    const { q, clock } = queue();
    const seen: string[] = [];
    const attempts = new Map<string, number>();
    const outcomes: string[] = [];
    const run = runWorkers({
      queue: q,
      count: 2,
      log: silentLogger(),
      slowRetryMs: 1000,
      onPass: (key, outcome) => outcomes.push(`${key}:${outcome}`),
      process: (key) => {
        const n = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, n);
        seen.push(`${key}#${n}`);
        if (key === 'flaky' && n < 3) throw new Error('transient');
        if (key === 'slow' && n === 1) throw new OperatorError('AVI_UNAVAILABLE', 'slow', '503');
        if (key === 'bad') throw new OperatorError('AVI_REJECTED', 'never', '400');
        return Promise.resolve(undefined);
      },
    });
    q.add('flaky');
    q.add('slow');
    q.add('bad');
    for (let i = 0; i < 300 && attempts.get('slow') !== 2; i++) {
      clock.advance(10);
      await flush();
    }
    assert.equal(attempts.get('flaky'), 3);
    assert.equal(attempts.get('slow'), 2);
    assert.equal(attempts.get('bad'), 1);
    assert.equal(q.numRequeues('flaky'), 0, 'success forgets the backoff');
    assert.ok(outcomes.includes('bad:dropped'));
    assert.ok(outcomes.includes('slow:slow'));
    q.shutDown();
    await run;
  });
});
