import assert from 'node:assert/strict';
import { backoffDelay } from '../backoff.js';
import { aviRetryBackoff, DEFAULT_RETRY } from './avi-client.js';

describe('Avi client retries', function () {
  /** The largest value `Math.random` can return. */
  const TOP = 1 - 2 ** -53;

  it('waits under a second per retry with the default policy, doubling from 200 ms', function () {
    const policy = aviRetryBackoff(DEFAULT_RETRY);
    const longest = Array.from({ length: DEFAULT_RETRY.attempts - 1 }, (_, retry) =>
      backoffDelay(policy, retry, () => TOP),
    );
    assert.deepEqual(longest, [199, 399, 799]);
  });

  it('spreads its delays with full jitter, down to no wait at all', function () {
    const policy = aviRetryBackoff({ attempts: 5, baseMs: 100, maxMs: 1_000 });
    assert.equal(policy.jitter, 'full');
    assert.deepEqual(
      [0, 1, 2, 10].map((retry) => backoffDelay(policy, retry, () => 0)),
      [0, 0, 0, 0],
    );
    assert.deepEqual(
      [0, 1, 2, 10].map((retry) => backoffDelay(policy, retry, () => TOP)),
      [99, 199, 399, 999],
    );
  });
});
