/**
 * Writes the AMKOCluster status of the current role through the status subresource, coalesced:
 * however often it is poked, at most one write per `minIntervalMs`, and none when the patch is the
 * one last written to the same object. A failed write is retried after `retryMs`, doubled for
 * each failure in a row up to `maxRetryMs`, and from `retryMs` again after a write that worked.
 * Waiting is done on the injected clock.
 */
import { Backoff, doubling } from '../shared/backoff.js';
import { AMKO_CLUSTER } from '../shared/crd/amko-cluster.js';
import type { Clock } from '../shared/clock.js';
import { messageOf } from '../shared/errors.js';
import type { StatusWriter } from '../shared/kube/status-writer.js';
import type { Logger } from '../shared/telemetry/logger.js';

/** The object to write to and the patch of its `status`, or undefined to write nothing. */
export interface StatusTarget {
  readonly namespace: string;
  readonly name: string;
  /** Identity of the object (its uid): a new object gets written even with the same patch. */
  readonly uid: string;
  readonly patch: Record<string, unknown>;
}

export interface StatusReporterDeps {
  writer: StatusWriter;
  /** Computes what to write now. */
  compute(): StatusTarget | undefined;
  clock: Clock;
  log: Logger;
  minIntervalMs?: number;
  /** First delay before a failed write is tried again (default 2 s). */
  retryMs?: number;
  /** Cap of that delay (default 30 s). */
  maxRetryMs?: number;
}

export class StatusReporter {
  readonly #deps: StatusReporterDeps;
  readonly #stopping = new AbortController();
  readonly #retries: Backoff;
  #scheduled = false;
  #lastWriteAt = Number.NEGATIVE_INFINITY;
  #lastKey = '';
  #writing: Promise<void> = Promise.resolve();

  constructor(deps: StatusReporterDeps) {
    this.#deps = deps;
    this.#retries = new Backoff(doubling(deps.retryMs ?? 2_000, deps.maxRetryMs ?? 30_000));
  }

  /** The patch last written and to which object (for condition transition times), if any. */
  lastWritten: { readonly uid: string; readonly patch: Record<string, unknown> } | undefined;

  /** Asks for a write soon: at once, or when `minIntervalMs` has passed since the last one. */
  poke(): void {
    if (this.#stopping.signal.aborted || this.#scheduled) return;
    this.#scheduled = true;
    const min = this.#deps.minIntervalMs ?? 500;
    this.#writing = this.#writing.then(async () => {
      const wait = Math.max(0, this.#lastWriteAt + min - this.#deps.clock.now());
      try {
        await this.#deps.clock.sleep(wait, this.#stopping.signal);
      } catch {
        return;
      } finally {
        this.#scheduled = false;
      }
      await this.#write();
    });
  }

  /** Stops writing; waits for a write in flight. */
  async stop(): Promise<void> {
    this.#stopping.abort(new Error('status reporter stopped'));
    await this.#writing;
  }

  async #write(): Promise<void> {
    const target = this.#deps.compute();
    if (!target) return;
    const key = `${target.uid} ${JSON.stringify(target.patch)}`;
    if (key === this.#lastKey) return;
    this.#lastWriteAt = this.#deps.clock.now();
    try {
      const found = await this.#deps.writer.patchStatus(
        AMKO_CLUSTER,
        target.namespace,
        target.name,
        target.patch,
      );
      this.#retries.reset();
      if (!found) return;
      this.#lastKey = key;
      this.lastWritten = { uid: target.uid, patch: target.patch };
      this.#deps.log.debug({ status: target.patch }, 'AMKOCluster status written');
    } catch (err) {
      this.#deps.log.warn({ err: messageOf(err) }, 'AMKOCluster status write failed; retrying');
      this.#retry();
    }
  }

  #retry(): void {
    const signal = this.#stopping.signal;
    this.#deps.clock.sleep(this.#retries.next(), signal).then(
      () => {
        this.poke();
      },
      () => undefined,
    );
  }
}
