import assert from 'node:assert/strict';
import { ConcurrencyLimiter } from './limiter.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('ConcurrencyLimiter', function () {
  it('admits at most `limit` holders and hands slots over in FIFO order', async function () {
    const limiter = new ConcurrencyLimiter(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const order: number[] = [];
    let peak = 0;
    const runs = gates.map((gate, i) =>
      limiter.run(async () => {
        order.push(i);
        peak = Math.max(peak, limiter.active);
        await gate.promise;
      }),
    );
    await Promise.resolve();
    assert.deepEqual([limiter.active, limiter.waiting], [2, 2]);
    gates[1]?.resolve();
    gates[0]?.resolve();
    gates[2]?.resolve();
    gates[3]?.resolve();
    await Promise.all(runs);
    assert.deepEqual(order, [0, 1, 2, 3]);
    assert.equal(peak, 2);
    assert.deepEqual([limiter.active, limiter.waiting], [0, 0]);
  });

  it('releases the slot when the task fails', async function () {
    const limiter = new ConcurrencyLimiter(1);
    await assert.rejects(
      limiter.run(() => Promise.reject(new Error('x'))),
      /x/,
    );
    assert.equal(await limiter.run(() => Promise.resolve(7)), 7);
  });

  it('stops waiting when the signal aborts, without taking a slot', async function () {
    const limiter = new ConcurrencyLimiter(1);
    const gate = deferred();
    const holder = limiter.run(() => gate.promise);
    const controller = new AbortController();
    const waiter = limiter.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await assert.rejects(waiter, /stop/);
    assert.equal(limiter.waiting, 0);
    gate.resolve();
    await holder;
    assert.equal(limiter.active, 0);
    await assert.rejects(limiter.acquire(AbortSignal.abort(new Error('already'))), /already/);
  });

  it('rejects a non-positive limit', function () {
    assert.throws(() => new ConcurrencyLimiter(0), RangeError);
  });
});
