import assert from 'node:assert/strict';
import { OperatorError } from '../errors.js';
import { silentLogger } from '../telemetry/logger.js';
import { ManualClock } from './manual-clock.js';
import { waitUntil } from './wait-until.js';
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
    const start = clock.now();
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 500);
    assert.equal(q.delayed, 1);
    assert.equal(clock.nextWakeAt, start + 50);
    clock.advance(49);
    assert.equal(clock.pending, 1, 'the wake-up is not due yet');
    assert.equal(q.length, 0);
    clock.advance(1);
    await waitUntil(() => q.length === 1, 'a released');
    assert.equal(q.delayed, 0);
    assert.equal(clock.pending, 0, 'no wake-up left for the later adds');
  });

  it('wakes for each delayed key in turn, whatever order they were added in', async () => {
    const { q, clock } = queue();
    const start = clock.now();
    q.addAfter('b', 200);
    q.addAfter('a', 100);
    q.addAfter('c', 300);
    assert.equal(clock.pending, 1, 'one wake-up, for the earliest key');
    assert.equal(clock.nextWakeAt, start + 100);
    const released: (string | undefined)[] = [];
    for (const due of [100, 200, 300]) {
      clock.advance(start + due - clock.now());
      await waitUntil(() => q.length === 1, `key due at ${due} released`);
      released.push(await q.get());
      assert.equal(q.delayed, 3 - released.length);
    }
    assert.deepEqual(released, ['a', 'b', 'c']);
    assert.equal(clock.pending, 0);
  });

  it('backs a failing key off exponentially, up to the cap, until it is forgotten', async () => {
    const { q, clock } = queue();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      q.addRateLimited('k');
      const delay = (clock.nextWakeAt ?? NaN) - clock.now();
      delays.push(delay);
      clock.advance(delay - 1);
      assert.equal(q.length, 0, `not released before ${delay} ms`);
      clock.advance(1);
      await waitUntil(() => q.length === 1, `k released after ${delay} ms`);
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
    const start = clock.now();
    clock.advance(10);
    await waitUntil(() => q.length === 2, 'a and b released after their base delay');
    assert.equal(clock.nextWakeAt, start + 100, 'c waits for a token (100 ms at 10 qps)');
    clock.advance(89);
    assert.equal(clock.pending, 1, 'c is not due yet');
    assert.equal(q.length, 2);
    clock.advance(1);
    await waitUntil(() => q.length === 3, 'c released');
  });

  it('wakes waiting workers with undefined on shutdown and drops delayed keys', async () => {
    const { q, clock } = queue();
    const waiting = q.get();
    q.addAfter('later', 100);
    q.shutDown();
    assert.equal(await waiting, undefined);
    assert.equal(clock.pending, 0, 'the delayed key no longer waits on the clock');
    assert.equal(q.delayed, 0);
    clock.advance(200);
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
    // A drain with nothing in flight, started later, resolves: this one had the same chance.
    await queue().q.shutDownWithDrain();
    assert.equal(drained, false, 'still draining while a is in flight');
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
    const start = clock.now();
    q.add('flaky');
    q.add('slow');
    q.add('bad');
    const finished = (): boolean =>
      attempts.get('flaky') === 3 && attempts.get('slow') === 2 && outcomes.length === 6;
    // Drive the clock from one wake-up to the next until every key had its passes.
    for (let i = 0; i < 10 && !finished(); i++) {
      await waitUntil(() => finished() || clock.pending > 0, 'a pass or a wait on the clock');
      if (!finished()) clock.advance((clock.nextWakeAt ?? clock.now()) - clock.now());
    }
    await waitUntil(finished, 'every pass');
    assert.equal(clock.now() - start, 1000, 'the slow retry came after slowRetryMs');
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
