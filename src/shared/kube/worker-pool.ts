import { setImmediate as nextTurn } from 'node:timers/promises';
import { retryPaceOf } from '../backoff.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { WorkQueue } from './work-queue.js';

/** What a pass over one key asks of the queue when it succeeds. */
export type PassResult = undefined | { requeueAfterMs: number };

export interface WorkerPoolOptions<K extends string> {
  queue: WorkQueue<K>;
  /** Number of concurrent workers; a key is never processed by two at once. */
  count: number;
  /** One level-based pass over a key; throws an `OperatorError` (or anything) on failure. */
  process: (key: K) => Promise<PassResult>;
  log: Logger;
  /** Delay for errors whose disposition is `slow`. */
  slowRetryMs: number;
  /** Told about every pass, for metrics. */
  onPass?: (key: K, outcome: 'ok' | 'retry' | 'slow' | 'dropped', ms: number) => void;
  now?: () => number;
}

/*
 * Long runs of work that does no I/O, cut into slices with a turn of the event loop between
 * them. A pass that does no I/O (a hot standby's read-only plan, a pass whose objects are all in
 * sync, the ingestion of listed objects) resolves in microtasks, and a work queue with keys ready
 * hands the next one over in a microtask too: without a turn of the loop, gRPC calls (a promoting
 * member's epoch survey), health probes and watch events wait until all of it is done. A hot
 * standby starting with 10,000 GslbServices answered a promoting member's epoch survey 1.7 s late.
 */

/** Longest a run of such work holds the event loop. */
export const MAX_SLICE_MS = 20;

/**
 * Turns of the event loop for one group of workers: once they have held the loop for
 * MAX_SLICE_MS, one turn they all wait for, so that they share the next slice instead of taking
 * one each.
 */
class LoopTurns {
  #lastTurn = performance.now();
  #pending: Promise<void> | undefined;

  /** The turn to wait for, or undefined while the slice lasts. */
  due(): Promise<void> | undefined {
    if (this.#pending) return this.#pending;
    if (performance.now() - this.#lastTurn < MAX_SLICE_MS) return undefined;
    this.#pending = nextTurn().then(() => {
      this.#lastTurn = performance.now();
      this.#pending = undefined;
    });
    return this.#pending;
  }
}

/**
 * Calls `fn` on each item, letting the event loop turn after every MAX_SLICE_MS of it. Resolves
 * true when every item was done, false when it stopped early because `signal` was aborted.
 */
export async function eachInSlices<T>(
  items: Iterable<T>,
  fn: (item: T) => void,
  signal?: AbortSignal,
): Promise<boolean> {
  const turns = new LoopTurns();
  for (const item of items) {
    const turn = turns.due();
    if (turn) {
      await turn;
      if (signal?.aborted) return false;
    }
    fn(item);
  }
  return true;
}

/**
 * The one place where an error's retry pace (`retryPaceOf`) becomes a queue action: `fast` re-adds
 * the key rate-limited, `slow` re-adds it after the slow delay, `never` drops it (and forgets its
 * backoff). Success forgets the key's backoff. Resolves when the queue shuts down and every
 * worker has returned.
 */
export async function runWorkers<K extends string>(opts: WorkerPoolOptions<K>): Promise<void> {
  const workers: Promise<void>[] = [];
  const turns = new LoopTurns();
  for (let i = 0; i < opts.count; i++) workers.push(workerLoop(opts, turns));
  await Promise.all(workers);
}

async function workerLoop<K extends string>(
  opts: WorkerPoolOptions<K>,
  turns: LoopTurns,
): Promise<void> {
  const now = opts.now ?? Date.now;
  for (;;) {
    const turn = turns.due();
    if (turn) await turn;
    const key = await opts.queue.get();
    if (key === undefined) return;
    const started = now();
    try {
      const result = await opts.process(key);
      opts.queue.forget(key);
      if (result) opts.queue.addAfter(key, result.requeueAfterMs);
      opts.onPass?.(key, 'ok', now() - started);
    } catch (err) {
      const outcome = handleFailure(opts, key, err);
      opts.onPass?.(key, outcome, now() - started);
    } finally {
      opts.queue.done(key);
    }
  }
}

function handleFailure<K extends string>(
  opts: WorkerPoolOptions<K>,
  key: K,
  err: unknown,
): 'retry' | 'slow' | 'dropped' {
  if (opts.queue.shuttingDown) return 'dropped';
  const attempts = opts.queue.numRequeues(key);
  switch (retryPaceOf(err)) {
    case 'fast':
      opts.log.warn({ key, attempts, err: messageOf(err) }, 'pass failed, retrying with backoff');
      opts.queue.addRateLimited(key);
      return 'retry';
    case 'slow':
      opts.log.warn({ key, err: messageOf(err), retryInMs: opts.slowRetryMs }, 'pass failed');
      opts.queue.addAfter(key, opts.slowRetryMs);
      return 'slow';
    case 'never':
      opts.log.error({ key, err: messageOf(err) }, 'pass failed for good, key dropped');
      opts.queue.forget(key);
      return 'dropped';
  }
}
