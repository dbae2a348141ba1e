import assert from 'node:assert/strict';
import { backoffDelay, DEFAULT_RETRY } from './backoff.js';

describe('backoffDelay', function () {
  const policy = { attempts: 5, baseMs: 100, maxMs: 1_000 };

  it('doubles the ceiling per retry and caps it', function () {
    const top = (retry: number): number => backoffDelay(retry, policy, () => 0.999999);
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
  });

  it('has a sane default policy', function () {
    assert.ok(
      DEFAULT_RETRY.attempts > 1 &&
        DEFAULT_RETRY.baseMs > 0 &&
        DEFAULT_RETRY.maxMs >= DEFAULT_RETRY.baseMs,
    );
    assert.ok(Object.isFrozen(DEFAULT_RETRY));
  });
});
