import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backoffDelay, DEFAULT_RETRY } from './backoff.js';

describe('backoffDelay', function () {
  const policy = { attempts: 5, baseMs: 100, maxMs: 1_000 };
  /** The largest value `Math.random` can return. */
  const TOP = 1 - 2 ** -53;

  it('doubles the ceiling per retry and caps it', function () {
    const top = (retry: number): number => backoffDelay(retry, policy, () => TOP);
    assert.deepEqual([0, 1, 2, 3, 4, 10].map(top), [99, 199, 399, 799, 999, 999]);
  });

  it('spreads delays over [0, ceiling) with the random source (full jitter)', function () {
    assert.equal(
      backoffDelay(2, policy, () => 0),
      0,
    );
    assert.equal(
      backoffDelay(2, policy, () => 0.5),
      200,
    );
    assert.equal(
      backoffDelay(2, policy, () => 0.25),
      100,
    );
  });

  it('stays a whole number of ms in [0, min(maxMs, baseMs·2^retry)) for any retry and draw', function () {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000 }),
        fc.double({ min: 0, max: TOP, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        (retry, draw, baseMs, extra) => {
          const p = { attempts: 3, baseMs, maxMs: baseMs + extra };
          const d = backoffDelay(retry, p, () => draw);
          const ceiling = Math.min(p.maxMs, baseMs * 2 ** retry);
          assert.ok(Number.isInteger(d), `${d} is whole`);
          assert.ok(d >= 0 && d < ceiling, `${d} in [0, ${ceiling})`);
        },
      ),
    );
  });

  it('treats a negative retry number as the first retry', function () {
    assert.equal(
      backoffDelay(-3, policy, () => TOP),
      99,
    );
  });

  it('never exceeds the cap, even when the doubling overflows', function () {
    assert.equal(
      backoffDelay(5_000, policy, () => TOP),
      999,
    );
  });

  it('waits under a second per retry with the default policy, doubling from 200 ms', function () {
    const ceilings = Array.from({ length: DEFAULT_RETRY.attempts - 1 }, (_, retry) =>
      backoffDelay(retry, DEFAULT_RETRY, () => TOP),
    );
    assert.deepEqual(ceilings, [199, 399, 799]);
  });
});
