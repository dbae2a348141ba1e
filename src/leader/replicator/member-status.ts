/**
 * The replication part of the AMKOCluster status on a leader, from the replicator's view. Pure.
 */
import type { AmkoClusterMemberStatus } from '../../shared/crd/amko-cluster.js';

/** One follower as the replicator sees it. */
export interface MemberReplication {
  readonly cluster: string;
  /** Revision of our log the follower has acknowledged. */
  readonly appliedRevision: number;
  /** Revisions it is behind our head. */
  readonly lag: number;
  /** Epoch milliseconds of the last ack, if any. */
  readonly lastAckAt?: number | undefined;
  readonly lastError?: string | undefined;
  /** A session is established. */
  readonly connected: boolean;
}

export interface ReplicationStatus {
  readonly logId: string;
  /** Our latest revision. */
  readonly revision: number;
  readonly members: readonly MemberReplication[];
  /** Set once a follower named a claim that supersedes ours. */
  readonly fencedBy?: { readonly epoch: number; readonly leader: string } | undefined;
}

/** `status.inSync` and `status.members[]` of a leader's AMKOCluster. */
export function toAmkoClusterStatus(s: ReplicationStatus): {
  inSync: string;
  members: AmkoClusterMemberStatus[];
} {
  const inSync = s.members.filter((m) => m.lag === 0 && m.connected).length;
  return {
    inSync: `${inSync}/${s.members.length}`,
    members: s.members.map((m) => ({
      cluster: m.cluster,
      appliedRevision: m.appliedRevision,
      lag: m.lag,
      ...(m.lastAckAt !== undefined ? { lastAckTime: new Date(m.lastAckAt).toISOString() } : {}),
      ...(m.lastError !== undefined ? { lastError: m.lastError } : {}),
    })),
  };
}
