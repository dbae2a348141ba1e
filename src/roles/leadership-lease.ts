/**
 * The failover lease's part of leadership-step.ts (spec.federation.autoFailover), pure like the
 * rest of the step. With autoFailover off none of this changes anything: every rule here starts
 * from `autoFailover`.
 *
 * - A take-over acquires the lease at its claim before its first write (`acquire-lease`); a
 *   lease held by a superseding claim fences it, as any higher epoch does.
 * - A leader whose renewals failed for leaseSeconds self-fences (`fence.lapsed`): no writes, no
 *   replication. A renewal at its claim lifts that fence and the take-over resumes at writing.
 * - A follower told the lease is vacant takes it by compare-and-swap (`take-lease`); the winner
 *   sets its own `spec.isLeader: true` and promotes as a manual promotion does; a loser stays.
 * - A leader fenced by a real higher claim sets its own `spec.isLeader: false` (demotion).
 *
 * Invariants added to `violations`:
 *  L1. autoFailover ∧ `mayWrite` ⇒ the lease has not lapsed.
 *  L2. A lapsed-lease fence is a fence of the role: `fence.lapsed` ⇒ role fenced.
 */
import { maxClaim, type EpochClaim } from '../shared/federation/epoch-rules.js';
import type {
  AsyncEffect,
  Effect,
  Event,
  LeadershipState,
  LeaseEvent,
} from './leadership-types.js';

interface StepOut {
  state: LeadershipState;
  effects: Effect[];
}

/** The step's handling of a claim superseding ours (fences a leader). */
export type LearntFn = (out: StepOut, by: EpochClaim, reason: string) => void;

function patch(out: StepOut, p: Partial<LeadershipState>): void {
  out.state = { ...out.state, ...p };
}

function say(out: StepOut, level: 'info' | 'warn' | 'error', msg: string): void {
  out.effects.push({ type: 'log', level, msg });
}

const claimText = (c: EpochClaim): string => `${c.leader || 'nobody'} at epoch ${c.epoch}`;

const LEASE_EVENTS: ReadonlySet<string> = new Set<LeaseEvent['type']>([
  'auto-failover',
  'leased',
  'lease-held',
  'lease-lapsed',
  'lease-vacant',
  'lease-taken',
  'lease-lost',
]);

export function isLeaseEvent(e: Event): e is LeaseEvent {
  return LEASE_EVENTS.has(e.type);
}

export function applyLease(out: StepOut, e: LeaseEvent, learnt: LearntFn): void {
  switch (e.type) {
    case 'auto-failover':
      autoFailover(out, e.enabled);
      return;
    case 'leased':
      leased(out, e.by, learnt);
      return;
    case 'lease-held':
      if (out.state.autoFailover) held(out);
      return;
    case 'lease-lapsed':
      lapsed(out, e.reason);
      return;
    case 'lease-vacant': {
      const s = out.state;
      const may = s.autoFailover && s.role === 'follower' && s.wanted.kind === 'follow';
      if (may && !s.selfSet) patch(out, { vacant: e.lease });
      return;
    }
    case 'lease-taken':
      taken(out, e.before, e.claim);
      return;
    case 'lease-lost':
      patch(out, {
        inFlight: undefined,
        vacant: undefined,
        taken: undefined,
        learnt: maxClaim(out.state.learnt, e.holder),
      });
      say(out, 'info', `lease taken by ${claimText(e.holder)} first: staying a follower`);
      return;
  }
}

function autoFailover(out: StepOut, enabled: boolean): void {
  if (out.state.autoFailover === enabled) return;
  patch(out, { autoFailover: enabled });
  if (enabled) return;
  // Off: the lease no longer matters, and a fence that only the lease imposed is lifted.
  const s = out.state;
  patch(out, { lease: 'unknown', vacant: undefined, taken: undefined });
  if (s.fence?.lapsed) resume(out, 'automatic failover turned off: writing again');
}

function leased(out: StepOut, by: EpochClaim | undefined, learnt: LearntFn): void {
  patch(out, { inFlight: undefined });
  if (by) {
    learnt(out, by, `the failover lease is held by ${claimText(by)}`);
    return;
  }
  const s = out.state;
  patch(out, { lease: 'held' });
  if (s.role === 'promoting' && s.claim && !s.progress.includes('leased')) {
    patch(out, { progress: [...s.progress, 'leased'] });
    say(out, 'info', `lease acquired at epoch ${s.claim.epoch}`);
  }
}

function held(out: StepOut): void {
  const s = out.state;
  // Renewed at the take-over's own claim: the lease taken before it is no longer needed.
  patch(out, { lease: 'held', ...(s.claim && s.taken ? { taken: undefined } : {}) });
  if (s.fence?.lapsed && s.claim && s.wanted.kind === 'lead') {
    resume(out, 'lease renewed: writing again');
  }
}

/** Lifts a lapsed-lease fence: the take-over resumes where writing starts. */
function resume(out: StepOut, msg: string): void {
  patch(out, {
    role: 'promoting',
    fence: undefined,
    progress: ['surveyed', 'caught-up', 'leased'],
  });
  say(out, 'info', msg);
}

function lapsed(out: StepOut, reason: string): void {
  const s = out.state;
  if (!s.autoFailover || !s.claim) return;
  const leading = s.role === 'promoting' || s.role === 'leader';
  if (!leading || (!s.mayWrite && s.lease !== 'held')) {
    // Not writing yet: acquire the lease again before the first write.
    patch(out, { lease: 'lapsed', progress: s.progress.filter((p) => p !== 'leased') });
    return;
  }
  patch(out, {
    lease: 'lapsed',
    role: 'fenced',
    mayWrite: false,
    fence: { by: undefined, reason, lapsed: true },
  });
  say(out, 'error', `self-fenced: ${reason}; no controller writes until the lease is renewed`);
}

function taken(out: StepOut, before: EpochClaim, claim: EpochClaim): void {
  const s = out.state;
  patch(out, {
    inFlight: undefined,
    vacant: undefined,
    taken: claim,
    learnt: maxClaim(s.learnt, before),
    selfSet: { isLeader: true, sent: false },
  });
  say(out, 'warn', `took the expired lease over ${claimText(before)}: promoting`);
}

/** A new spec: a `spec.isLeader` written by this process is now what the spec says. */
export function settleSelfSet(out: StepOut): void {
  const s = out.state;
  if (s.selfSet && (s.wanted.kind === 'lead') === s.selfSet.isLeader) {
    patch(out, { selfSet: undefined });
  }
}

/** `set-leader` answered. */
export function selfSetSent(out: StepOut): void {
  const s = out.state;
  if (s.selfSet) patch(out, { selfSet: { ...s.selfSet, sent: true } });
}

/** In a take-over, between catching up and writing: the lease first. */
export function acquireStep(out: StepOut): AsyncEffect | undefined {
  const s = out.state;
  if (!s.autoFailover || !s.claim || s.progress.includes('leased')) return undefined;
  if (s.pipeline === 'off') {
    // The lease is reached through the pipeline's controller connection: run it read-only.
    patch(out, { pipeline: 'standby', pipelineOk: false });
    return { type: 'pipeline', mode: 'standby', epoch: 0 };
  }
  return { type: 'acquire-lease', claim: s.claim };
}

/** A settled follower: write isLeader true after winning the lease, or take a vacant lease. */
export function followerStep(out: StepOut): AsyncEffect | undefined {
  const s = out.state;
  if (s.selfSet && !s.selfSet.sent) return { type: 'set-leader', isLeader: s.selfSet.isLeader };
  if (s.autoFailover && s.vacant && !s.selfSet) return { type: 'take-lease', above: s.vacant };
  return undefined;
}

/** A settled fenced leader: with autoFailover, fenced by a real claim, it demotes itself. */
export function demoteStep(out: StepOut): AsyncEffect | undefined {
  const s = out.state;
  const by = s.fence?.by;
  if (!s.autoFailover || !by || s.fence?.lapsed || s.wanted.kind !== 'lead') return undefined;
  if (!s.selfSet) {
    patch(out, { selfSet: { isLeader: false, sent: false } });
    say(out, 'warn', `demoting: ${claimText(by)} leads; following it`);
  }
  if (out.state.selfSet?.sent) return undefined;
  return { type: 'set-leader', isLeader: false };
}

export function leaseViolations(s: LeadershipState): string[] {
  const v: string[] = [];
  if (s.autoFailover && s.mayWrite && s.lease === 'lapsed') v.push('mayWrite on a lapsed lease');
  if (s.fence?.lapsed && s.role !== 'fenced') v.push(`lapsed-lease fence in role ${s.role}`);
  return v;
}
