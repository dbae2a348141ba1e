/** Retry policy of the Avi client: exponential backoff with full jitter. Pure. */

export interface RetryPolicy {
  /** Attempts in total, the first included (1 = no retry). */
  attempts: number;
  /** Delay ceiling of the first retry, doubled for each later one. */
  baseMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({
  attempts: 4,
  baseMs: 200,
  maxMs: 5_000,
});

/**
 * Delay before retry number `retry` (0 for the first retry): uniform in
 * [0, min(maxMs, baseMs · 2^retry)], `random` in [0, 1).
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry));
  return Math.floor(random() * ceiling);
}
