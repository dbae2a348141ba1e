/**
 * When a hot standby next verifies its controller view. Pure.
 *
 * A standby that held writes back verifies its view (lists every mirrored object's version and
 * reads again what changed). Soon after a stale view, and twice as long after each verification
 * that found nothing new, up to the refresh interval. Every standby reads the whole controller
 * this way, so the wait also grows with what a verification costs: a standby spends at most one
 * part in `STANDBY_VERIFY_DUTY` of its time verifying. Without that bound, a leader's full sync
 * of tens of thousands of objects keeps every standby listing the controller all the time, and
 * their reads crowd out the leader's writes.
 */

/** The wait after a verification that found the view stale, when verifying costs little. */
export const STANDBY_VERIFY_FIRST_MS = 5_000;
/** A standby waits at least this many times as long as its last verification took. */
export const STANDBY_VERIFY_DUTY = 10;

export interface VerifyOutcome {
  /** The verification found objects changed or gone since the view was last verified. */
  readonly stale: boolean;
  /** How long the verification took. */
  readonly tookMs: number;
  /** The wait before this verification. */
  readonly previousDelayMs: number;
  /** The GSLBConfig's refresh interval: the longest wait. */
  readonly refreshIntervalMs: number;
}

/** The wait before the next verification. */
export function nextVerifyDelayMs(o: VerifyOutcome): number {
  const floor = Math.max(STANDBY_VERIFY_FIRST_MS, o.tookMs * STANDBY_VERIFY_DUTY);
  if (o.stale) return floor;
  return Math.max(floor, Math.min(o.previousDelayMs * 2, o.refreshIntervalMs));
}
