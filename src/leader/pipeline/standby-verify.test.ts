import assert from 'node:assert/strict';
import {
  nextVerifyDelayMs,
  STANDBY_VERIFY_DUTY,
  STANDBY_VERIFY_FIRST_MS,
} from './standby-verify.js';

const HOUR = 3_600_000;

describe('nextVerifyDelayMs', () => {
  it('verifies again soon after a stale view, when verifying is cheap', () => {
    const next = nextVerifyDelayMs({
      stale: true,
      tookMs: 40,
      previousDelayMs: 80_000,
      refreshIntervalMs: HOUR,
    });
    assert.equal(next, STANDBY_VERIFY_FIRST_MS);
  });

  it('doubles the wait after each verification that found nothing new, up to the refresh interval', () => {
    let delay = STANDBY_VERIFY_FIRST_MS;
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      delay = nextVerifyDelayMs({
        stale: false,
        tookMs: 40,
        previousDelayMs: delay,
        refreshIntervalMs: 60_000,
      });
      seen.push(delay);
    }
    assert.deepEqual(seen, [10_000, 20_000, 40_000, 60_000]);
  });

  it('waits at least DUTY times as long as the last verification took, stale or not', () => {
    const took = 4_000;
    assert.equal(
      nextVerifyDelayMs({
        stale: true,
        tookMs: took,
        previousDelayMs: 5_000,
        refreshIntervalMs: HOUR,
      }),
      took * STANDBY_VERIFY_DUTY,
    );
    assert.equal(
      nextVerifyDelayMs({
        stale: false,
        tookMs: took,
        previousDelayMs: 5_000,
        refreshIntervalMs: HOUR,
      }),
      took * STANDBY_VERIFY_DUTY,
    );
  });

  it('keeps the cost bound above a short refresh interval', () => {
    const next = nextVerifyDelayMs({
      stale: false,
      tookMs: 3_000,
      previousDelayMs: 20_000,
      refreshIntervalMs: 10_000,
    });
    assert.equal(next, 30_000);
  });
});
