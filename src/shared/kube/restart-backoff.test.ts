import assert from 'node:assert/strict';
import { nextRestartDelay } from './restart-backoff.js';

describe('nextRestartDelay', () => {
  const policy = { minMs: 500, maxMs: 30_000, stableMs: 10_000 };

  /** Delays of `n` restarts in a row, each run having come up `upFor` ms before failing. */
  function delays(n: number, upFor: number | undefined): number[] {
    let failures = 0;
    let now = 0;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const upSince = upFor === undefined ? undefined : now - upFor;
      const next = nextRestartDelay({ failures, upSince, now }, policy);
      out.push(next.delayMs);
      failures = next.failures;
      now += next.delayMs + (upFor ?? 0);
    }
    return out;
  }

  it('doubles from the minimum up to the cap while runs never come up', () => {
    assert.deepEqual(
      delays(9, undefined),
      [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000],
    );
  });

  it('keeps doubling when each run comes up (list done, watch accepted) but fails at once', () => {
    assert.deepEqual(delays(7, 0), [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
    assert.deepEqual(delays(4, policy.stableMs - 1), [500, 1_000, 2_000, 4_000]);
  });

  it('starts again from the minimum after a run that stayed up for stableMs', () => {
    assert.deepEqual(delays(4, policy.stableMs), [500, 500, 500, 500]);
    const after = nextRestartDelay({ failures: 6, upSince: 0, now: policy.stableMs }, policy);
    assert.deepEqual(after, { delayMs: 500, failures: 1 });
  });

  it('does not overflow after very many restarts', () => {
    const next = nextRestartDelay({ failures: 5_000, upSince: undefined, now: 0 }, policy);
    assert.deepEqual(next, { delayMs: 30_000, failures: 5_001 });
  });
});
