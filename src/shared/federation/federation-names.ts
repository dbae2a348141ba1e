/**
 * Names of the federation protocol that more than one component relies on: replica annotations,
 * health service names, refusal metadata keys and transport limits.
 */

/** On every replica: the context of the leader cluster it was copied from. */
export const REPLICA_OF_ANNOTATION = 'amko.vmware.com/replica-of';
/** On every replica: the epoch of the leader that wrote it. */
export const REPLICA_EPOCH_ANNOTATION = 'amko.vmware.com/replica-epoch';
/** On every replica: the revision (in the leader's log) at which its content was written. */
export const REPLICA_REVISION_ANNOTATION = 'amko.vmware.com/replica-revision';
/**
 * On a replica written by a change of the leader's stream (not by a snapshot or a catch-up): the
 * log of that revision. The replica then witnesses the position (log, revision) it was written
 * at, which a restarted follower reads back (replica-plan.ts witnessOf).
 */
export const REPLICA_LOG_ANNOTATION = 'amko.vmware.com/replica-log';

/** The fully qualified name of the Federation service. */
export const FEDERATION_SERVICE = 'amko.federation.v1.Federation';

/** Health service names and what SERVING means for each. */
export const HEALTH_SERVICES = Object.freeze({
  /** The process is up. */
  process: '',
  /** Ready to take replicas (follower) or replicating (leader). */
  federation: FEDERATION_SERVICE,
  /** An unfenced leader whose last sync succeeded. */
  leader: 'amko.leader',
} as const);

/** Trailing metadata on a refusal: why, and who leads at which epoch as far as the peer knows. */
export const REFUSAL_METADATA = Object.freeze({
  reason: 'amko-refusal',
  epoch: 'amko-epoch',
  leader: 'amko-leader',
} as const);

/** Why a peer refused a session. */
export type RefusalReason = 'stale-epoch' | 'version-mismatch' | 'is-leader' | 'revision-gap';

/**
 * Largest message either side accepts or sends (a large snapshot is split below this). A peer
 * whose frame announces more is answered RESOURCE_EXHAUSTED as soon as the length prefix is read
 * (grpc-js checks it before buffering the message), and nothing of it is applied.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Target size of one snapshot message. */
export const SNAPSHOT_CHUNK_BYTES = 4 * 1024 * 1024;

/** HTTP/2 keepalive on federation connections. */
export interface Keepalive {
  /** Ping the connection this often. */
  readonly timeMs: number;
  /** Close the connection when a ping is not answered within this. */
  readonly timeoutMs: number;
  /** The server accepts pings no more often than this. */
  readonly minPingIntervalMs: number;
}

/**
 * The keepalive for a ping interval (`--federation-keepalive-ms`): a ping unanswered for half
 * the interval closes the connection, so a silent peer is noticed within 1.5 × `timeMs`.
 */
export function keepaliveOf(timeMs: number): Keepalive {
  const half = Math.floor(timeMs / 2);
  return Object.freeze({ timeMs, timeoutMs: half, minPingIntervalMs: half });
}

/** The default keepalive: a ping every 10 s, given up after 5 s. */
export const KEEPALIVE: Keepalive = keepaliveOf(10_000);
