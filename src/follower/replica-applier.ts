/**
 * Applies replicated content to the follower's cluster and remembers what it last replicated per
 * object, so drift repair can put it back. Writes to one object are serialised, whether they come
 * from the leader's stream or from drift repair, so a repair never reinstates older content.
 */
import { OperatorError } from '../shared/errors.js';
import type { Logger } from '../shared/telemetry/logger.js';
import {
  contentOf,
  hashed,
  keyOfContent,
  type HashedContent,
  type ReplicaKey,
} from '../shared/federation/replicated-object.js';
import {
  marksOf,
  observedHash,
  snapshotDeletes,
  highestWitness,
  type ReplicaMarks,
  type ReplicaObject,
} from './replica-plan.js';
import type { AppliedPosition } from '../shared/federation/log-position.js';
import type { PutOutcome, ReplicaWriter, Written } from './replica-writer.js';

interface Remembered {
  readonly content: HashedContent;
  readonly marks: ReplicaMarks;
  written?: Written;
}

export type RepairOutcome = 'repaired' | 'unchanged' | 'not-replicated';

export interface ReplicaApplierDeps {
  writer: ReplicaWriter;
  log: Logger;
  /** Objects of a snapshot written at once. */
  concurrency?: number;
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class ReplicaApplier {
  readonly #deps: ReplicaApplierDeps;
  readonly #memory = new Map<ReplicaKey, Remembered>();
  readonly #locks = new Map<ReplicaKey, Promise<unknown>>();

  constructor(deps: ReplicaApplierDeps) {
    this.#deps = deps;
  }

  /**
   * The content of every replica loaded or applied (or being applied): what a Fetch serves, for
   * the position the epoch store records.
   */
  contents(): HashedContent[] {
    return [...this.#memory.values()].map((r) => r.content);
  }

  /**
   * Remembers every replica this cluster holds, as stored (a restarted follower serves them to a
   * member that catches up from it). Objects already remembered are left as they are. Resolves
   * with how many were loaded and the highest position they witness.
   */
  async load(): Promise<{ loaded: number; witnessed: AppliedPosition }> {
    let loaded = 0;
    const listed = await this.#deps.writer.listReplicaObjects();
    for (const { kind, obj } of listed) {
      const marks = marksOf(obj);
      const content = hashed(contentOf(kind, obj));
      const key = keyOfContent(content.content);
      if (!marks || this.#memory.has(key)) continue;
      const resourceVersion = obj.metadata?.resourceVersion ?? '';
      this.#memory.set(key, {
        content,
        marks,
        written: { resourceVersion, observedHash: content.hash },
      });
      loaded++;
    }
    return { loaded, witnessed: highestWitness(listed.map((r) => r.obj)) };
  }

  /** Writes one object (if it differs) and remembers it. */
  put(h: HashedContent, marks: ReplicaMarks): Promise<PutOutcome> {
    const key = keyOfContent(h.content);
    return this.#withLock(key, async () => {
      const before = this.#memory.get(key);
      const known = before?.written?.resourceVersion;
      const entry: Remembered = { content: h, marks };
      this.#memory.set(key, entry);
      const { outcome, written } = await this.#deps.writer.put(h, marks, known);
      entry.written = written;
      return outcome;
    });
  }

  /** Deletes one replica and forgets it. */
  remove(key: ReplicaKey): Promise<'deleted' | 'unchanged'> {
    return this.#withLock(key, async () => {
      this.#memory.delete(key);
      return this.#deps.writer.remove(key);
    });
  }

  /**
   * Makes the replicas exactly `snapshot`: writes what differs, deletes replicas it lacks. Stops
   * (rejects) as soon as `current()` turns false, before queueing another write: a snapshot of a
   * stream that was replaced must not write its older content over, or delete, what the newer
   * stream writes. Writes already queued finish first, as the per-object locks keep order.
   */
  async replaceAll(
    snapshot: readonly HashedContent[],
    marks: ReplicaMarks,
    current: () => boolean = () => true,
  ): Promise<{ written: number; deleted: number }> {
    const check = (): void => {
      if (!current())
        throw new OperatorError('PEER_UNAVAILABLE', 'backoff', 'snapshot of a replaced stream');
    };
    let written = 0;
    await forEachLimited(snapshot, this.#deps.concurrency ?? 8, async (h) => {
      check();
      if ((await this.put(h, marks)) !== 'unchanged') written++;
    });
    check();
    const existing = new Set([...(await this.#deps.writer.listReplicas()), ...this.#memory.keys()]);
    let deleted = 0;
    for (const key of snapshotDeletes(snapshot, existing)) {
      check();
      if ((await this.remove(key)) === 'deleted') deleted++;
    }
    return { written, deleted };
  }

  /** Puts an object back to what was last replicated, when it drifted (edited or deleted). */
  repair(key: ReplicaKey): Promise<RepairOutcome> {
    return this.#withLock(key, async () => {
      const entry = this.#memory.get(key);
      if (!entry) return 'not-replicated';
      const current = await this.#deps.writer.get(key);
      if (current && this.#matches(entry, current)) return 'unchanged';
      const { written } = await this.#deps.writer.put(entry.content, entry.marks);
      entry.written = written;
      this.#deps.log.warn(
        { key, deleted: !current },
        'replica edited locally: restored the replicated content',
      );
      return 'repaired';
    });
  }

  /** True when `resourceVersion` of `key` is the one our last write produced. */
  isOwnWrite(key: ReplicaKey, resourceVersion: string | undefined): boolean {
    const v = this.#memory.get(key)?.written?.resourceVersion;
    return v !== undefined && v === resourceVersion;
  }

  /** True when `key` was replicated and not deleted since. */
  knows(key: ReplicaKey): boolean {
    return this.#memory.has(key);
  }

  #matches(entry: Remembered, current: ReplicaObject): boolean {
    const m = marksOf(current);
    if (m?.leader !== entry.marks.leader || m.epoch !== entry.marks.epoch) return false;
    const hash = observedHash(entry.content.content.kind, current);
    return hash === entry.content.hash || hash === entry.written?.observedHash;
  }

  #withLock<T>(key: ReplicaKey, fn: () => Promise<T>): Promise<T> {
    const prev = this.#locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.#locks.set(key, tail);
    void tail.then(() => {
      if (this.#locks.get(key) === tail) this.#locks.delete(key);
    });
    return run;
  }
}
