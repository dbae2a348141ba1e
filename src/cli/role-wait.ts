/**
 * Promotion and demotion, pure part: what the AMKOCluster says before the change, and whether
 * an observation after the patch means the change is done, has failed, or is still under way.
 * amko reports its role in `status.role` and its term in `status.epoch`; a promotion is done
 * when the cluster leads at an epoch higher than before.
 */
import type { AmkoCluster } from '../shared/crd/amko-cluster.js';

/** The role-related part of an AMKOCluster. */
export interface RoleView {
  isLeader: boolean;
  role?: string;
  epoch: number;
  leader?: string;
  message?: string;
  resourceVersion?: string;
}

export function roleViewOf(obj: AmkoCluster): RoleView {
  const s = obj.status ?? {};
  const view: RoleView = { isLeader: obj.spec?.isLeader === true, epoch: s.epoch ?? 0 };
  if (s.role !== undefined) view.role = s.role;
  if (s.leader !== undefined) view.leader = s.leader;
  if (s.message !== undefined) view.message = s.message;
  if (obj.metadata?.resourceVersion !== undefined) {
    view.resourceVersion = obj.metadata.resourceVersion;
  }
  return view;
}

export type RoleGoal = { role: 'leader'; epochAbove: number } | { role: 'follower' };

/** What to do before patching: nothing to do, refuse, or go ahead. */
export type Precheck =
  | { action: 'already'; message: string }
  | { action: 'refuse'; message: string }
  | { action: 'patch' };

/** Before `promote`: a leader already leads; a fenced leader must be demoted first. */
export function promotePrecheck(cluster: string, view: RoleView): Precheck {
  if (view.isLeader && view.role === 'leader') {
    return {
      action: 'already',
      message: `${cluster} is already the leader at epoch ${view.epoch}`,
    };
  }
  if (view.isLeader && view.role === 'fenced') {
    return {
      action: 'refuse',
      message:
        `${cluster} is fenced (${supersededBy(view)}); demote it first ` +
        `(kubectl amko demote), then promote it again`,
    };
  }
  return { action: 'patch' };
}

/** Before `demote`: a follower that is told to follow has nothing to do. */
export function demotePrecheck(cluster: string, view: RoleView): Precheck {
  if (!view.isLeader && view.role === 'follower') {
    return { action: 'already', message: `${cluster} is already a follower` };
  }
  return { action: 'patch' };
}

export type WaitOutcome = 'reached' | 'fenced' | 'pending';

/**
 * Whether `observed` completes the change towards `goal`. A `fenced` role counts only when it
 * was written after our patch (its resourceVersion differs from the one the patch returned),
 * so a stale status from before the promotion is not taken for its result.
 */
export function waitOutcome(
  goal: RoleGoal,
  observed: RoleView,
  patchedVersion?: string,
): WaitOutcome {
  if (goal.role === 'follower') return observed.role === 'follower' ? 'reached' : 'pending';
  if (observed.role === 'leader' && observed.epoch > goal.epochAbove) return 'reached';
  const fresh = observed.resourceVersion !== patchedVersion;
  if (observed.role === 'fenced' && fresh) return 'fenced';
  return 'pending';
}

/** Who superseded a fenced leader, as far as its status says. */
export function supersededBy(view: RoleView): string {
  const who = view.leader ? `superseded by ${view.leader}` : 'superseded by another leader';
  const detail = view.message ? `: ${view.message}` : '';
  return `${who}, epoch ${view.epoch}${detail}`;
}

/** The last observation, for a timeout message. */
export function describeView(view: RoleView): string {
  return `role ${view.role ?? 'not reported'}, epoch ${view.epoch}${view.message ? `, ${view.message}` : ''}`;
}
