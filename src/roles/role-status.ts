/**
 * The AMKOCluster status amko writes for its role, as a JSON merge patch of `status`: role,
 * epoch, in-sync count, per-member replication, revision, message and AMKO's conditions. Fields
 * that do not apply are `null` (removed). The epoch store owns `highestEpochSeen`, `leader`,
 * `applied` and `logSequence`, so they are never part of this patch. Pure.
 */
import type { AmkoClusterCondition, AmkoClusterStatus } from '../shared/crd/amko-cluster.js';
import type { EpochClaim } from '../shared/federation/epoch-rules.js';
import type { FollowerStatus } from '../follower/follower.js';
import { leaderContactStatus, toFollowerAmkoClusterStatus } from '../follower/follower-status.js';
import { toAmkoClusterStatus, type ReplicationStatus } from '../leader/replicator/member-status.js';
import { fencedMessage } from './leadership.js';
import type { LeadershipState } from './leadership-types.js';
import type { LeaseView } from './lease-keeper.js';

/** What the role switch is doing, as the status writer sees it. */
export type RoleView =
  | { readonly phase: 'none' }
  | { readonly phase: 'follower'; readonly follower: FollowerStatus }
  | { readonly phase: 'promoting'; readonly claim: EpochClaim }
  | {
      readonly phase: 'leader';
      readonly claim: EpochClaim;
      readonly replication: ReplicationStatus;
      /** Members that have not told us their highest epoch: the epoch is unverified. */
      readonly unheard: readonly string[];
    }
  | {
      readonly phase: 'fenced';
      readonly claim: EpochClaim | undefined;
      readonly by: EpochClaim | undefined;
      readonly reason: string;
    };

/** The view of a leadership state, with the running follower's or replicator's status. */
export function roleViewOf(
  s: LeadershipState,
  follower: FollowerStatus | undefined,
  replication: ReplicationStatus | undefined,
): RoleView {
  if (s.role === 'follower' && follower) return { phase: 'follower', follower };
  if (s.role === 'fenced') {
    return { phase: 'fenced', claim: s.claim, by: s.fence?.by, reason: s.fence?.reason ?? '' };
  }
  if (s.role === 'leader' && s.claim && replication) {
    return { phase: 'leader', claim: s.claim, replication, unheard: s.unheard };
  }
  if ((s.role === 'promoting' || s.role === 'leader') && s.claim) {
    return { phase: 'promoting', claim: s.claim };
  }
  return { phase: 'none' };
}

export const VALIDATION_CONDITION = 'current AMKOCluster Validation';
export const GSLB_CONFIG_FEDERATION = 'GSLBConfig Federation';
export const GDP_FEDERATION = 'GDP Federation';
export const EPOCH_UNVERIFIED = 'epoch unverified';
export const AUTO_FAILOVER_CONDITION = 'AutoFailover';
export const MANUAL_FAILOVER_NEEDED =
  'manual site failover needed: kubectl amko promote --controller-ip';

const LEASE_TEXTS: Record<LeaseView['state'], string> = {
  off: 'lease not in use',
  held: 'lease held',
  lapsed: 'lease lapsed: self-fenced, no controller writes',
  watching: 'watching the lease',
  unreadable: 'lease unreadable',
};

/** `status.lease` and the `AutoFailover` condition, from what the lease keeper saw. */
export function leaseStatus(v: LeaseView): { lease: Patch; condition: AmkoClusterCondition } {
  const l = v.lease;
  return {
    lease: {
      state: v.state,
      holder: l?.claim.leader ?? null,
      epoch: l?.claim.epoch ?? null,
      renewTime: l?.renewed || null,
    },
    condition: {
      type: AUTO_FAILOVER_CONDITION,
      status: v.manualFailoverNeeded ? MANUAL_FAILOVER_NEEDED : LEASE_TEXTS[v.state],
      ...(v.detail ? { reason: v.detail } : {}),
    },
  };
}

/** AMKO's condition on a follower. */
const FOLLOWER_CONDITION: AmkoClusterCondition = Object.freeze({
  type: VALIDATION_CONDITION,
  status: "won't federate objects",
  reason: 'AMKO not a leader',
});

/** `GSLBConfig Federation` and `GDP Federation` in AMKO's texts, from the members' replication. */
export function federationConditions(r: ReplicationStatus): AmkoClusterCondition[] {
  if (r.members.length === 0) return [];
  const failing = r.members.filter((m) => !m.connected || m.lastError !== undefined);
  let cond: Omit<AmkoClusterCondition, 'type'>;
  if (failing.length === 0) cond = { status: 'federated to all valid clusters successfully' };
  else {
    const reason = failing.map((m) => `${m.cluster}: ${m.lastError ?? 'not connected'}`).join(',');
    cond = {
      status:
        failing.length === r.members.length
          ? 'failure in federation'
          : 'error in federating to some clusters',
      reason,
    };
  }
  return [
    { type: GSLB_CONFIG_FEDERATION, ...cond },
    { type: GDP_FEDERATION, ...cond },
  ];
}

/** Keeps `lastTransitionTime` of a condition whose status did not change; stamps `now` otherwise. */
export function withTransitionTimes(
  next: readonly AmkoClusterCondition[],
  previous: readonly AmkoClusterCondition[],
  now: string,
): AmkoClusterCondition[] {
  return next.map((c) => {
    const before = previous.find((p) => p.type === c.type);
    const kept = before && before.status === c.status ? before.lastTransitionTime : undefined;
    const since = kept ?? now;
    return { ...c, lastTransitionTime: since };
  });
}

type Patch = Record<string, unknown>;

const CLEARED: Patch = Object.freeze({
  inSync: '',
  members: null,
  message: null,
  leaderLastContact: null,
});

function leaderMessage(v: Extract<RoleView, { phase: 'leader' }>): string | null {
  if (v.replication.fencedBy) return fencedMessage(v.replication.fencedBy);
  if (v.unheard.length === 0) return null;
  return `${EPOCH_UNVERIFIED}: no answer from ${v.unheard.join(', ')}`;
}

function leaderPatch(
  v: Extract<RoleView, { phase: 'leader' }>,
  validation: AmkoClusterCondition,
): {
  patch: Patch;
  conditions: AmkoClusterCondition[];
} {
  const s = toAmkoClusterStatus(v.replication, v.claim);
  return {
    patch: {
      role: s.role,
      epoch: s.epoch,
      inSync: s.inSync,
      revision: s.revision,
      members: s.members,
      message: leaderMessage(v),
      leaderLastContact: null,
    },
    conditions: [validation, ...federationConditions(v.replication)],
  };
}

function patchOf(
  v: RoleView,
  validation: AmkoClusterCondition,
): { patch: Patch; conditions: AmkoClusterCondition[] } | undefined {
  switch (v.phase) {
    case 'none':
      return undefined;
    case 'follower': {
      const s = toFollowerAmkoClusterStatus(v.follower);
      const contact = leaderContactStatus(v.follower.contact);
      return {
        patch: {
          ...CLEARED,
          role: s.role,
          epoch: s.epoch,
          revision: s.revision,
          leaderLastContact: contact.leaderLastContact,
        },
        conditions: [FOLLOWER_CONDITION, contact.condition],
      };
    }
    case 'promoting':
      return {
        patch: { message: `promoting: taking epoch ${v.claim.epoch}` },
        conditions: [validation],
      };
    case 'leader':
      return leaderPatch(v, validation);
    case 'fenced':
      return {
        patch: {
          ...CLEARED,
          role: 'fenced',
          epoch: (v.by ?? v.claim)?.epoch ?? 0,
          message: v.by ? fencedMessage(v.by) : v.reason,
        },
        conditions: [validation],
      };
  }
}

/**
 * The merge patch of `status` for `view`, or undefined when nothing is to be written (no role).
 * `previous` is the status as last read or written (for condition transition times). `notice`
 * (a problem of the whole process, such as federation without TLS) becomes the status message
 * and one more condition, whatever the role.
 */
export function desiredStatusPatch(input: {
  view: RoleView;
  validation: AmkoClusterCondition;
  previous: AmkoClusterStatus | undefined;
  now: string;
  notice?: AmkoClusterCondition | undefined;
  /** The failover lease, with autoFailover on. */
  lease?: LeaseView | undefined;
}): Patch | undefined {
  const out = patchOf(input.view, input.validation);
  if (!out) return undefined;
  const notice = input.notice;
  const lease = input.lease && leaseStatus(input.lease);
  const conditions = [
    ...out.conditions,
    ...(lease ? [lease.condition] : []),
    ...(notice ? [notice] : []),
  ];
  return {
    ...out.patch,
    ...(lease ? { lease: lease.lease } : {}),
    ...(notice ? { message: notice.message ?? null } : {}),
    conditions: withTransitionTimes(conditions, input.previous?.conditions ?? [], input.now),
  };
}
