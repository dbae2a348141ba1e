/**
 * The one backoff of every retry loop: a pure policy (exponential from `baseMs` by `factor`,
 * capped at `capMs`, with jitter from an injected random source), a small tracker of the retries
 * in a row, and the mapping of an error's retry class to how soon a loop tries again.
 *
 * Jitter. `full` draws the delay uniformly in [0, ceiling): it spreads a crowd of clients that
 * failed together the most, at the price of retries that come almost at once; the Avi client uses
 * it for its short in-request retries, where many requests fail at the same moment. `equal` draws
 * it in (ceiling/2, ceiling]: it still spreads a crowd, but every wait is at least half the
 * un-jittered one, so the cap keeps slowing a loop that hammers a server that is down; it suits
 * the restart loops that run by the dozen against one API server (informers, member clusters).
 * With a random source that returns 0 it gives the un-jittered delay. `none` keeps the ceiling:
 * for loops whose single actor gains nothing from spreading (per-key queue retries, replication
 * sessions, refused writes), where exact delays keep logs and tests readable.
 */
import type { Clock } from './clock.js';
import { messageOf, OperatorError, retryOf, type ErrorCode, type Retry } from './errors.js';
import type { Logger } from './telemetry/logger.js';

export type Jitter = 'none' | 'full' | 'equal';

export interface BackoffPolicy {
  /** Ceiling of the first retry's delay (retry number 0). */
  readonly baseMs: number;
  /** Growth of the ceiling per retry in a row (1 = a constant delay). */
  readonly factor: number;
  /** Upper bound of any delay. */
  readonly capMs: number;
  readonly jitter: Jitter;
}

/** A random source in [0, 1), as `Math.random`. */
export type Random = () => number;

/** An exponential policy doubling from `baseMs` up to `capMs`, without jitter unless told. */
export function doubling(baseMs: number, capMs: number, jitter: Jitter = 'none'): BackoffPolicy {
  return Object.freeze({ baseMs, factor: 2, capMs, jitter });
}

/** The un-jittered delay of retry number `retry` (0 for the first): min(cap, base · factor^retry). */
export function backoffCeiling(policy: BackoffPolicy, retry: number): number {
  if (policy.baseMs <= 0) return 0;
  const grown = policy.baseMs * policy.factor ** Math.max(0, retry);
  return Math.floor(Math.min(policy.capMs, grown));
}

/** The delay before retry number `retry` (0 for the first), in whole ms. */
export function backoffDelay(
  policy: BackoffPolicy,
  retry: number,
  random: Random = Math.random,
): number {
  const ceiling = backoffCeiling(policy, retry);
  switch (policy.jitter) {
    case 'none':
      return ceiling;
    case 'full':
      return Math.floor(random() * ceiling);
    case 'equal':
      return ceiling - Math.floor((random() * ceiling) / 2);
  }
}

/** The retries in a row of one loop: each `next` is one more, `reset` starts again (a success). */
export class Backoff {
  readonly #policy: BackoffPolicy;
  readonly #random: Random;
  #retries = 0;

  constructor(policy: BackoffPolicy, random: Random = Math.random) {
    this.#policy = policy;
    this.#random = random;
  }

  /** Retries counted since the last reset. */
  get retries(): number {
    return this.#retries;
  }

  /** The delay before the next retry; counts it. */
  next(): number {
    return backoffDelay(this.#policy, this.#retries++, this.#random);
  }

  reset(): void {
    this.#retries = 0;
  }
}

/**
 * True when a run that came up at `upSince` (undefined: it never came up) stayed up for at least
 * `stableMs` before `now`: its end is a new failure, not one more in a row, so the restart loop
 * resets its backoff. A run that comes up and fails at once must not bring the delay back to the
 * base on every round.
 */
export function ranStably(upSince: number | undefined, now: number, stableMs: number): boolean {
  return upSince !== undefined && now - upSince >= stableMs;
}

/**
 * How soon a loop tries again after a failure: `fast` on its backoff, `slow` on its slow delay,
 * or `never` (the key is dropped, the loop ends).
 */
export type RetryPace = 'fast' | 'slow' | 'never';

/** Errors whose request itself was refused: retrying the same input will not help. */
const REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['AVI_REJECTED', 'KUBE_REJECTED']);

/**
 * True for a refusal of the request itself (a plain 400/403 from the controller, a 4xx other
 * than 409 from the API server): classified `never`, yet a change elsewhere (a referenced object
 * created, the controller's configuration fixed) can make the same request pass. Errors that end
 * the right to act (fenced, not the controller's leader, a stale epoch) are not refusals.
 */
export function isRefusal(err: unknown): boolean {
  return err instanceof OperatorError && REFUSALS.has(err.code);
}

/** The pace of a retry class: `backoff` fast, `slow` slow, `never` never. */
export function paceOfRetry(retry: Retry): RetryPace {
  switch (retry) {
    case 'backoff':
      return 'fast';
    case 'slow':
      return 'slow';
    case 'never':
      return 'never';
  }
}

export interface PaceOptions {
  /** What a refusal gets (default `never`): loops that report it retry it on a slow cap. */
  readonly refusals?: 'slow' | 'never';
}

/** The pace after `err`, from its retry class (unknown errors are retried fast). */
export function retryPaceOf(err: unknown, opts: PaceOptions = {}): RetryPace {
  const pace = paceOfRetry(retryOf(err));
  if (pace === 'never' && opts.refusals === 'slow' && isRefusal(err)) return 'slow';
  return pace;
}

/**
 * Runs `fn` until it succeeds, waiting after each failure as `policy` says and logging it as
 * "could not <what>". Rejects only when `signal` aborts.
 */
export async function retryUntilDone(o: {
  readonly what: string;
  readonly fn: () => Promise<unknown>;
  readonly policy: BackoffPolicy;
  readonly clock: Clock;
  readonly log: Logger;
  readonly signal: AbortSignal;
}): Promise<void> {
  const backoff = new Backoff(o.policy);
  for (;;) {
    try {
      await o.fn();
      return;
    } catch (err) {
      if (o.signal.aborted) throw err;
      const delay = backoff.next();
      o.log.warn({ err: messageOf(err), retryInMs: delay }, `could not ${o.what}`);
      await o.clock.sleep(delay, o.signal);
    }
  }
}
