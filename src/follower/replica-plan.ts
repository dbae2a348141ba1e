/**
 * How a replica looks in the follower's cluster, and whether an existing object already is that
 * replica. Pure: the writer does the I/O.
 */
import {
  REPLICA_EPOCH_ANNOTATION,
  REPLICA_LOG_ANNOTATION,
  REPLICA_OF_ANNOTATION,
  REPLICA_REVISION_ANNOTATION,
} from '../shared/federation/federation-names.js';
import {
  higherPosition,
  NO_POSITION,
  type AppliedPosition,
} from '../shared/federation/log-position.js';
import { replicatedResource, type ReplicatedKind } from '../shared/federation/replicated-kinds.js';
import {
  contentHash,
  contentOf,
  keyOfContent,
  type HashedContent,
  type ObjectLike,
  type ReplicaKey,
} from '../shared/federation/replicated-object.js';

/**
 * Where a replica came from: the leader, its epoch and the revision that wrote it; and, when a
 * change of the stream wrote it, that change's log (then the replica witnesses the position).
 */
export interface ReplicaMarks {
  readonly leader: string;
  readonly epoch: number;
  readonly revision: number;
  readonly logId?: string;
}

/** A replicated kind's object as read from the API server. */
export type ReplicaObject = ObjectLike;

/** The marks a replica carries, or undefined for an object that is not a replica. */
export function marksOf(obj: ReplicaObject): ReplicaMarks | undefined {
  const a = obj.metadata?.annotations ?? {};
  const leader = a[REPLICA_OF_ANNOTATION];
  if (leader === undefined) return undefined;
  const logId = a[REPLICA_LOG_ANNOTATION];
  return {
    leader,
    epoch: Number(a[REPLICA_EPOCH_ANNOTATION] ?? 0),
    revision: Number(a[REPLICA_REVISION_ANNOTATION] ?? 0),
    ...(logId ? { logId } : {}),
  };
}

/**
 * The position a replica witnesses: the one its change was applied at. Changes are applied in
 * order, each after everything before it, so a replica written by the change at (log, r) shows
 * that the replicas stood for (log, r) then. A replica written by a snapshot or a catch-up (no
 * log mark), or with marks that are not whole numbers, witnesses nothing.
 */
export function witnessOf(marks: ReplicaMarks | undefined): AppliedPosition | undefined {
  if (!marks?.logId) return undefined;
  const { leader, epoch, revision, logId } = marks;
  if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(revision) || revision < 1)
    return undefined;
  return { leader, epoch, logId, revision };
}

/** The highest position the replicas `objs` witness (NO_POSITION when none does). */
export function highestWitness(objs: Iterable<ReplicaObject>): AppliedPosition {
  let out: AppliedPosition = NO_POSITION;
  for (const obj of objs) {
    const w = witnessOf(marksOf(obj));
    if (w) out = higherPosition(out, w);
  }
  return out;
}

/** The hash of what an existing object would carry if it travelled. */
export function observedHash(kind: ReplicatedKind, obj: ReplicaObject): string {
  return contentHash(contentOf(kind, obj));
}

/**
 * True when `obj` already is the replica of `h` from the same leader and epoch (the revision
 * mark is not compared: an unchanged object keeps the revision that last wrote it).
 */
export function isUpToDate(obj: ReplicaObject, h: HashedContent, marks: ReplicaMarks): boolean {
  const m = marksOf(obj);
  if (m?.leader !== marks.leader || m.epoch !== marks.epoch) return false;
  return observedHash(h.content.kind, obj) === h.hash;
}

/** The object to write for `h`: its content, the travelling metadata and the replica marks. */
export function desiredReplica(
  h: HashedContent,
  marks: ReplicaMarks,
  resourceVersion?: string,
): ReplicaObject {
  const c = h.content;
  const resource = replicatedResource(c.kind);
  if (!resource) throw new Error(`not a replicated kind: ${c.kind}`);
  return {
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    metadata: {
      name: c.name,
      namespace: c.namespace,
      labels: { ...c.labels },
      annotations: {
        ...c.annotations,
        [REPLICA_OF_ANNOTATION]: marks.leader,
        [REPLICA_EPOCH_ANNOTATION]: String(marks.epoch),
        [REPLICA_REVISION_ANNOTATION]: String(marks.revision),
        ...(marks.logId ? { [REPLICA_LOG_ANNOTATION]: marks.logId } : {}),
      },
      ...(resourceVersion !== undefined ? { resourceVersion } : {}),
    },
    spec: structuredClone(c.spec),
  };
}

/** The replicas a snapshot removes: every existing replica it does not hold. */
export function snapshotDeletes(
  snapshot: readonly HashedContent[],
  existingReplicas: Iterable<ReplicaKey>,
): ReplicaKey[] {
  const keep = new Set(snapshot.map((h) => keyOfContent(h.content)));
  return [...existingReplicas].filter((k) => !keep.has(k));
}
