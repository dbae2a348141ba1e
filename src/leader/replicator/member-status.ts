/**
 * The replication part of the AMKOCluster status on a leader, from the replicator's view. Pure.
 */
import type { AmkoClusterMemberStatus, AmkoClusterStatus } from '../../shared/crd/amko-cluster.js';
import type { EpochClaim } from '../../shared/federation/epoch-rules.js';
import type { Phase } from './session-step.js';

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
  /** The follower has told us its highest epoch since replication started. */
  readonly heard?: boolean;
  /**
   * Where the session stands (`awaiting-state`: a stream opened, the follower's state not yet
   * heard; after a failure it waits for the channel to connect).
   */
  readonly phase?: Phase;
}

export interface ReplicationStatus {
  readonly logId: string;
  /** Our latest revision. */
  readonly revision: number;
  readonly members: readonly MemberReplication[];
  /** Set once a follower named a claim that supersedes ours. */
  readonly fencedBy?: EpochClaim | undefined;
}

/** The replication fields of a leader's AMKOCluster status (`self` is our own claim). */
export function toAmkoClusterStatus(
  s: ReplicationStatus,
  self: EpochClaim,
): Pick<AmkoClusterStatus, 'role' | 'epoch' | 'leader' | 'revision'> & {
  inSync: string;
  members: AmkoClusterMemberStatus[];
} {
  const inSync = s.members.filter((m) => m.lag === 0 && m.connected).length;
  const holder = s.fencedBy ?? self;
  return {
    role: s.fencedBy ? 'fenced' : 'leader',
    epoch: holder.epoch,
    leader: holder.leader,
    revision: s.revision,
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
