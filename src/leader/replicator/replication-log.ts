/**
 * The leader's revisioned log of replicated objects: the current content of every object, and the
 * most recent changes (puts and deletes), each at its own revision, 1, 2, 3 … within one log. A
 * change that does not change an object's content takes no revision. Older entries are dropped
 * beyond `retain`; a follower behind the retained entries gets a snapshot instead. No I/O.
 */
import {
  keyOfContent,
  type HashedContent,
  type ReplicaKey,
} from '../../shared/federation/replicated-object.js';

/**
 * One change at one revision. `traceparent`: the W3C trace context of the span that recorded it
 * (only when tracing), sent with the delta so the followers' writes join the same trace.
 */
export type LogEntry =
  | { readonly revision: number; readonly put: HashedContent; readonly traceparent?: string }
  | { readonly revision: number; readonly delete: ReplicaKey; readonly traceparent?: string };

/** What a session reads from the log. */
export interface LogView {
  /** Identifies this log: revisions are comparable only within it. */
  readonly logId: string;
  /** The latest revision (0 when nothing was ever recorded). */
  readonly head: number;
  /** Up to `limit` entries after `revision`, or 'compacted' when some were dropped already. */
  entriesAfter(revision: number, limit: number): readonly LogEntry[] | 'compacted';
  /** Every current object, for a snapshot at `head`. */
  objects(): readonly HashedContent[];
}

export class ReplicationLog implements LogView {
  readonly logId: string;
  readonly #retain: number;
  readonly #objects = new Map<ReplicaKey, HashedContent>();
  #entries: LogEntry[] = [];
  #head = 0;

  constructor(opts: { logId: string; retain: number }) {
    if (opts.retain < 1) throw new RangeError('retain must be at least 1');
    this.logId = opts.logId;
    this.#retain = opts.retain;
  }

  get head(): number {
    return this.#head;
  }

  /** Records an object's content; returns its revision, or undefined when nothing changed. */
  put(h: HashedContent, traceparent?: string): number | undefined {
    const key = keyOfContent(h.content);
    if (this.#objects.get(key)?.hash === h.hash) return undefined;
    this.#objects.set(key, h);
    const revision = this.#head + 1;
    return this.#append(traceparent ? { revision, put: h, traceparent } : { revision, put: h });
  }

  /** Records a deletion; returns its revision, or undefined when the object was not there. */
  delete(key: ReplicaKey, traceparent?: string): number | undefined {
    if (!this.#objects.delete(key)) return undefined;
    const revision = this.#head + 1;
    return this.#append(
      traceparent ? { revision, delete: key, traceparent } : { revision, delete: key },
    );
  }

  entriesAfter(revision: number, limit: number): readonly LogEntry[] | 'compacted' {
    if (revision >= this.#head) return [];
    const first = this.#entries[0];
    if (!first || revision < first.revision - 1) return 'compacted';
    const start = revision - first.revision + 1;
    return this.#entries.slice(start, start + Math.max(0, limit));
  }

  objects(): readonly HashedContent[] {
    return [...this.#objects.values()];
  }

  #append(entry: LogEntry): number {
    this.#entries.push(entry);
    this.#head = entry.revision;
    if (this.#entries.length > this.#retain * 2) this.#entries = this.#entries.slice(-this.#retain);
    return entry.revision;
  }
}
