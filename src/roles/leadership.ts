/**
 * How a process that finds `spec.isLeader: true` takes up leadership, from what its AMKOCluster
 * status recorded before it started. Pure.
 *
 * - The status says it led (`role: leader`) and the highest claim it has seen is its own: it
 *   was restarted while leading and RESUMES that epoch. Promoting again would take max + 1 and
 *   win over a leader promoted meanwhile elsewhere.
 * - The status says it was fenced, or that it led but has since seen a winning claim: it stays
 *   FENCED until an operator sets `isLeader: false` (and later promotes it again).
 * - Anything else (a follower, a fresh install, no status at all) is a PROMOTION: the next epoch,
 *   persisted before anything is written.
 */
import type { AmkoClusterStatus } from '../shared/crd/amko-cluster.js';
import type { EpochClaim } from '../shared/federation/epoch-rules.js';

export type LeadershipStart =
  | { readonly kind: 'promote' }
  | { readonly kind: 'resume'; readonly claim: EpochClaim }
  | { readonly kind: 'fenced'; readonly by: EpochClaim | undefined; readonly reason: string };

/** The text a fenced leader reports, naming who superseded it. */
export function fencedMessage(by: EpochClaim): string {
  return `fenced by ${by.leader || 'another leader'} at epoch ${by.epoch}`;
}

function stillFenced(
  status: AmkoClusterStatus,
  highest: EpochClaim,
  own: boolean,
): LeadershipStart {
  const reason = status.message ?? (own ? 'fenced before the restart' : fencedMessage(highest));
  return { kind: 'fenced', by: own ? undefined : highest, reason };
}

/** Decides how to lead at start-up (`self` is this cluster's context). */
export function leadershipAtStart(
  status: AmkoClusterStatus | undefined,
  highest: EpochClaim,
  self: string,
): LeadershipStart {
  const own = highest.epoch >= 1 && highest.leader === self;
  if (status?.role === 'fenced') return stillFenced(status, highest, own);
  if (status?.role === 'leader') {
    // A status of leading at an older epoch than our own persisted claim: that claim is a
    // promotion interrupted before it led (and caught up), so it is taken anew.
    const stale = status.epoch !== undefined && status.epoch < highest.epoch;
    if (own && !stale) return { kind: 'resume', claim: highest };
    if (own) return { kind: 'promote' };
    if (highest.epoch >= 1) return { kind: 'fenced', by: highest, reason: fencedMessage(highest) };
  }
  return { kind: 'promote' };
}
