import { backoffDelay, doubling, type BackoffPolicy } from '../backoff.js';
import type { Clock } from '../clock.js';

/**
 * A rate-limited work queue with client-go's guarantees:
 *
 * - fair order: keys are handed out in the order they were (first) added;
 * - de-duplication: a key waiting in the queue is never queued twice;
 * - exclusivity: a key is never handed to two workers at once (between `get` and `done`);
 * - one more pass: a key added while it is being processed is queued again on `done`;
 * - delayed adds (`addAfter`) keep only the earliest wake-up per key;
 * - rate-limited adds combine a per-key exponential backoff (reset by `forget`) with a global
 *   token bucket, and use whichever delay is longer;
 * - shutdown wakes every waiting worker; `shutDownWithDrain` also waits for keys in flight.
 *
 * Time comes from the injected `Clock`, so tests step it instead of sleeping.
 */
export interface WorkQueueOptions {
  clock: Clock;
  /** First retry delay of a key, doubled on every failure. */
  baseDelayMs?: number;
  /** Cap of the per-key delay. */
  maxDelayMs?: number;
  /** Global token bucket for rate-limited adds: tokens per second and bucket size. */
  qps?: number;
  burst?: number;
}

export class WorkQueue<K extends string = string> {
  readonly #clock: Clock;
  readonly #backoff: BackoffPolicy;
  readonly #qps: number;
  readonly #burst: number;

  readonly #queue: K[] = [];
  #head = 0;
  readonly #dirty = new Set<K>();
  readonly #processing = new Set<K>();
  readonly #waiting = new Map<K, number>();
  readonly #failures = new Map<K, number>();
  #waiters: ((key: K | undefined) => void)[] = [];
  #drained: (() => void) | undefined;
  #shuttingDown = false;

  #tokens: number;
  #lastRefill: number;
  #timer: { at: number; abort: AbortController } | undefined;

  constructor(options: WorkQueueOptions) {
    this.#clock = options.clock;
    this.#backoff = doubling(options.baseDelayMs ?? 5, options.maxDelayMs ?? 60_000);
    this.#qps = options.qps ?? 50;
    this.#burst = options.burst ?? 300;
    this.#tokens = this.#burst;
    this.#lastRefill = this.#clock.now();
  }

  /** Keys waiting to be handed out (not counting delayed or in-flight keys). */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  /** Keys waiting for a delayed add. */
  get delayed(): number {
    return this.#waiting.size;
  }

  /** Whether `key` waits to be handed out (not delayed, not in flight). */
  isQueued(key: K): boolean {
    return this.#dirty.has(key) && !this.#processing.has(key);
  }

  get inFlight(): number {
    return this.#processing.size;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  add(key: K): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    this.#push(key);
  }

  addAfter(key: K, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + delayMs;
    const current = this.#waiting.get(key);
    if (current !== undefined && current <= at) return;
    this.#waiting.set(key, at);
    // A new wake-up can only bring the earliest one forward: no scan of every waiting key (a
    // pass deferring thousands of keys would make that quadratic).
    if (this.#timer === undefined || at < this.#timer.at) this.#wakeAt(at);
  }

  /** Adds the key after its backoff delay and the global bucket's delay, whichever is longer. */
  addRateLimited(key: K): void {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const perKey = backoffDelay(this.#backoff, failures);
    this.addAfter(key, Math.max(perKey, this.#bucketDelay()));
  }

  /** Clears the key's failure count: its next rate-limited add starts from the base delay. */
  forget(key: K): void {
    this.#failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.#failures.get(key) ?? 0;
  }

  /** The next key, waiting for one if needed; `undefined` once the queue shuts down. */
  get(): Promise<K | undefined> {
    const key = this.#pop();
    if (key !== undefined || this.#shuttingDown) return Promise.resolve(key);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Marks a key handed out by `get` as finished; re-queues it if it was added meanwhile. */
  done(key: K): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#push(key);
    if (this.#processing.size === 0) this.#drained?.();
  }

  /** Stops handing out keys: waiting workers get `undefined`, queued and delayed keys are dropped. */
  shutDown(): void {
    this.#shuttingDown = true;
    this.#queue.length = 0;
    this.#head = 0;
    this.#dirty.clear();
    this.#waiting.clear();
    this.#timer?.abort.abort();
    this.#timer = undefined;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(undefined);
  }

  /** Like `shutDown`, then resolves once every key in flight is `done`. */
  async shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.#processing.size === 0) return;
    await new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
  }

  #push(key: K): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      waiter(key);
      return;
    }
    this.#queue.push(key);
  }

  #pop(): K | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const key = this.#queue[this.#head++] as K;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    this.#dirty.delete(key);
    this.#processing.add(key);
    return key;
  }

  #bucketDelay(): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(
      this.#burst,
      this.#tokens + ((now - this.#lastRefill) * this.#qps) / 1000,
    );
    this.#lastRefill = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.#qps);
  }

  #schedule(): void {
    let earliest = Infinity;
    for (const at of this.#waiting.values()) earliest = Math.min(earliest, at);
    if (earliest === Infinity) return;
    if (this.#timer && this.#timer.at <= earliest) return;
    this.#wakeAt(earliest);
  }

  #wakeAt(earliest: number): void {
    this.#timer?.abort.abort();
    const abort = new AbortController();
    this.#timer = { at: earliest, abort };
    this.#clock.sleep(Math.max(0, earliest - this.#clock.now()), abort.signal).then(
      () => {
        if (this.#timer?.abort === abort) this.#timer = undefined;
        this.#releaseDue();
      },
      () => undefined,
    );
  }

  #releaseDue(): void {
    const now = this.#clock.now();
    for (const [key, at] of this.#waiting) {
      if (at > now) continue;
      this.#waiting.delete(key);
      this.add(key);
    }
    this.#schedule();
  }
}
