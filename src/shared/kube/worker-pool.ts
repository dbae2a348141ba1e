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

/**
 * The one place where an error's retry pace (`retryPaceOf`) becomes a queue action: `fast` re-adds
 * the key rate-limited, `slow` re-adds it after the slow delay, `never` drops it (and forgets its
 * backoff). Success forgets the key's backoff. Resolves when the queue shuts down and every
 * worker has returned.
 */
export async function runWorkers<K extends string>(opts: WorkerPoolOptions<K>): Promise<void> {
  const workers: Promise<void>[] = [];
  for (let i = 0; i < opts.count; i++) workers.push(workerLoop(opts));
  await Promise.all(workers);
}

async function workerLoop<K extends string>(opts: WorkerPoolOptions<K>): Promise<void> {
  const now = opts.now ?? Date.now;
  for (;;) {
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
