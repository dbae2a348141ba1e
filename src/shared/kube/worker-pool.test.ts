import assert from 'node:assert/strict';
import { silentLogger } from '../telemetry/logger.js';
import { ManualClock } from './manual-clock.js';
import { WorkQueue } from './work-queue.js';
import { eachInSlices, MAX_SLICE_MS, runWorkers } from './worker-pool.js';

/** Keeps the CPU busy for `ms` without giving the event loop a turn. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

describe('runWorkers', () => {
  it('lets the event loop turn while passes that do no I/O keep the queue busy', async () => {
    const q = new WorkQueue<string>({ clock: new ManualClock() });
    const keys = 400;
    for (let i = 0; i < keys; i++) q.add(`k${i}`);
    let processed = 0;
    const processedAtTurns: number[] = [];
    // A macrotask that stands for a gRPC call or a probe arriving while the passes run.
    const probe = (): void => {
      processedAtTurns.push(processed);
      if (processed < keys) setImmediate(probe);
    };
    setImmediate(probe);
    const started = performance.now();
    const workers = runWorkers({
      queue: q,
      count: 4,
      log: silentLogger(),
      slowRetryMs: 1000,
      process: () => {
        busy(0.5);
        processed++;
        if (processed === keys) q.shutDown();
        return Promise.resolve(undefined);
      },
    });
    await workers;
    const elapsed = performance.now() - started;
    assert.equal(processed, keys);
    // 400 passes of 0.5 ms: at least 200 ms without I/O. The loop must have turned in between,
    // each time within about one slice of passes.
    const during = processedAtTurns.filter((n) => n > 0 && n < keys);
    assert.ok(
      during.length >= 3,
      `the event loop turned ${during.length} times during ${elapsed.toFixed(0)} ms of passes`,
    );
    const gaps = during.slice(1).map((n, i) => n - (during[i] as number));
    const perSlice = Math.ceil(MAX_SLICE_MS / 0.5) + 4 * 2;
    assert.ok(
      gaps.every((g) => g <= perSlice),
      `passes between turns: ${gaps.join(', ')} (at most ${perSlice})`,
    );
  });
});

describe('eachInSlices', () => {
  it('does every item in order and lets the event loop turn between slices', async () => {
    const done: number[] = [];
    let turns = 0;
    const tick = (): void => {
      turns++;
      if (done.length < 300) setImmediate(tick);
    };
    setImmediate(tick);
    const items = Array.from({ length: 300 }, (_, i) => i);
    const all = await eachInSlices(items, (i) => {
      busy(0.5);
      done.push(i);
    });
    assert.equal(all, true);
    assert.deepEqual(done, items);
    // 150 ms of items in slices of 20 ms: the loop turned at least 5 times in between.
    assert.ok(turns >= 5, `the event loop turned ${turns} times`);
  });

  it('stops at the next slice once its signal is aborted', async () => {
    const stop = new AbortController();
    let done = 0;
    setImmediate(() => {
      stop.abort();
    });
    const all = await eachInSlices(
      Array.from({ length: 1000 }, (_, i) => i),
      () => {
        busy(0.5);
        done++;
      },
      stop.signal,
    );
    assert.equal(all, false);
    assert.ok(done > 0 && done < 1000, `${done} items done before it stopped`);
  });
});
