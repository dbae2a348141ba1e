/**
 * Leadership as one pure step: `step(state, event) → { state, effects }`, in the style of
 * etcd/raft. Events are what the process learns (the AMKOCluster spec, the answer of an effect it
 * asked for, a higher epoch from any source, a pipeline pass, a timer); effects are what it must
 * do (persist an epoch, survey the members, catch up, run the pipeline read-only or writing, run
 * the replicator or the follower service, set the Federation handler and health, write status).
 * A runner executes the effects and feeds their outcomes back as events; nothing here does I/O.
 *
 * Asynchronous effects are serialised: at most one is in flight (`inFlight`), and the next is
 * planned from the state when its answer arrives (level-based: the plan looks at where the
 * process is and where the spec wants it, not at the path it took). Fencing never waits: a higher
 * epoch learnt at any moment takes the write permission away in that very step.
 *
 * Invariants (checked after every step by `violations`, in the tests):
 *  1. `mayWrite` ⇒ the role is leader, not fenced, and its claim is persisted: `highest` equals
 *     `claim` (no write happens on an epoch that a restart could forget).
 *  2. A process that has learnt of a claim superseding its own never writes at its own again:
 *     `learnt` supersedes `claim` ⇒ ¬`mayWrite`, and the role is fenced.
 *  3. `fence` ⇒ ¬`mayWrite` ∧ the handler is not `leader`-serving (federation health NOT_SERVING).
 *  4. A follower neither writes nor replicates.
 *  5. `amko.leader` is SERVING ⇔ `mayWrite` ∧ the role is leader ∧ the last pass succeeded.
 *  6. The claim never exceeds what is persisted: `claim.epoch` ≤ `highest.epoch`.
 */
import type { AmkoClusterStatus } from '../shared/crd/amko-cluster.js';
import { backoffCeiling, doubling } from '../shared/backoff.js';
import {
  compareClaims,
  maxClaim,
  NO_CLAIM,
  supersedes,
  type EpochClaim,
} from '../shared/federation/epoch-rules.js';
import { fencedMessage, leadershipAtStart } from './leadership.js';
import {
  acquireStep,
  applyLease,
  demoteStep,
  followerStep,
  isLeaseEvent,
  selfSetSent,
  settleSelfSet,
} from './leadership-lease.js';
import {
  type AsyncEffect,
  type Effect,
  type Event,
  type LeadershipState,
  type PipelineMode,
} from './leadership-types.js';

export * from './leadership-types.js';

/** The wait before retrying a failed effect: 2 s, doubling with each failure in a row, to 30 s. */
export const ROLE_RETRY = doubling(2_000, 30_000);

/** The events that answer an effect with a success: they end a run of failures. */
const SUCCESSES: ReadonlySet<Event['type']> = new Set([
  'done',
  'persisted',
  'surveyed',
  'leased',
  'lease-taken',
  'lease-lost',
]);

interface Out {
  state: LeadershipState;
  effects: Effect[];
}

/** Applies one event; the effects say what the runner must do. */
export function step(state: LeadershipState, event: Event): Out {
  const out: Out = { state, effects: [] };
  if (SUCCESSES.has(event.type) && state.failures > 0) set(out, { failures: 0 });
  apply(out, event);
  plan(out);
  if (shown(out.state) !== shown(state)) out.effects.push({ type: 'status' });
  return out;
}

/** What the status and the front show of a state: a change is worth a status write. */
function shown(s: LeadershipState): string {
  const { role, claim, fence, unheard, following, replicating, mayWrite, pipelineOk } = s;
  return JSON.stringify([
    role,
    claim,
    fence,
    unheard,
    following,
    replicating,
    mayWrite,
    pipelineOk,
    s.lease,
  ]);
}

function set(out: Out, patch: Partial<LeadershipState>): void {
  out.state = { ...out.state, ...patch };
}

function log(out: Out, level: 'info' | 'warn' | 'error', msg: string): void {
  out.effects.push({ type: 'log', level, msg });
}

function apply(out: Out, e: Event): void {
  if (isLeaseEvent(e)) {
    applyLease(out, e, learnt);
    return;
  }
  switch (e.type) {
    case 'wanted':
      set(out, { wanted: e.wanted });
      settleSelfSet(out);
      return;
    case 'done':
      done(out, e.effect);
      return;
    case 'persisted':
      persisted(out, e.highest);
      return;
    case 'failed':
      failed(out, e.effect, e.error);
      return;
    case 'surveyed':
      surveyed(out, e.highest, e.unheard, e.leaders ?? []);
      return;
    case 'higher-epoch':
      learnt(out, e.by, e.reason ?? (e.by ? fencedMessage(e.by) : 'fenced'));
      return;
    case 'heard':
      heard(out, e.members);
      return;
    case 'loaded':
      set(out, { highest: e.highest, learnt: maxClaim(out.state.learnt, e.highest) });
      return;
    case 'endpoints':
      if (out.state.role === 'leader' && out.state.replicating)
        set(out, { restartReplicator: true });
      return;
    case 'pass':
      set(out, { pipelineOk: e.ok });
      return;
    case 'retry':
      set(out, { waitingRetry: false });
      return;
  }
}

/** A claim superseding ours (or, with no claim named, a fence from the controller). */
function learnt(out: Out, by: EpochClaim | undefined, reason: string): void {
  const s = out.state;
  if (by) set(out, { learnt: maxClaim(s.learnt, by) });
  if (s.role === 'fenced') {
    // A lapsed-lease fence is replaced only by a claim that supersedes ours.
    const real = !s.fence?.lapsed || !s.claim || (by && supersedes(by, s.claim));
    if (by && real && (!s.fence?.by || supersedes(by, s.fence.by))) {
      set(out, { fence: { by, reason } });
    }
    return;
  }
  if (s.role !== 'promoting' && s.role !== 'leader') return;
  const own = s.claim;
  // Before its epoch is persisted a take-over has no claim: the survey compares with `learnt`.
  if (!own || (by && !supersedes(by, own))) return;
  set(out, { fence: { by, reason }, mayWrite: false, role: 'fenced' });
  log(out, 'error', `fenced: ${reason}; no controller writes, no replication`);
}

function done(out: Out, effect: AsyncEffect['type']): void {
  const s = out.state;
  set(out, { inFlight: undefined });
  switch (effect) {
    case 'persist-promotion':
    case 'persist-seen':
    case 'survey':
    case 'acquire-lease':
    case 'take-lease':
      return;
    case 'catch-up':
      set(out, { progress: [...s.progress, 'caught-up'] });
      return;
    case 'pipeline':
      if (s.pipeline === 'active' && s.role === 'promoting' && !s.fence) {
        set(out, { progress: [...s.progress, 'writing'] });
      }
      return;
    case 'replicator':
      if (s.replicating && s.role === 'promoting' && !s.fence) {
        set(out, { role: 'leader', progress: [...s.progress, 'replicating'] });
        log(out, 'info', 'leading');
      }
      return;
    case 'follower':
      if (s.following && s.wanted.kind === 'follow') set(out, { role: 'follower' });
      return;
    case 'set-leader':
      selfSetSent(out);
      return;
  }
}

function persisted(out: Out, highest: EpochClaim): void {
  const s = out.state;
  set(out, { inFlight: undefined, highest, learnt: maxClaim(s.learnt, highest) });
  if (s.inFlight !== 'persist-promotion' || s.role !== 'promoting') return;
  set(out, { claim: highest });
  log(out, 'info', `promoted: epoch ${highest.epoch} persisted`);
}

function failed(out: Out, effect: AsyncEffect['type'], error: string): void {
  const s = out.state;
  set(out, { inFlight: undefined, waitingRetry: true, failures: s.failures + 1 });
  out.effects.push({ type: 'retry-after', ms: backoffCeiling(ROLE_RETRY, s.failures) });
  log(out, 'error', `role change failed (${effect}): ${error}; retrying`);
  if (effect === 'take-lease') set(out, { vacant: undefined });
  if (s.role !== 'promoting' && s.role !== 'leader') return;
  // A take-over failed half-way: give the role up, remembering the persisted claim.
  set(out, {
    role: 'none',
    mayWrite: false,
    progress: [],
    unfinished: s.claim && compareClaims(s.highest, s.claim) === 0 ? s.claim : undefined,
    claim: undefined,
  });
}

function surveyed(
  out: Out,
  answered: EpochClaim,
  unheard: readonly string[],
  leaders: readonly EpochClaim[],
): void {
  const s = out.state;
  // What the members say, and anything learnt while the epoch was being persisted.
  const highest = maxClaim(answered, s.learnt);
  set(out, { inFlight: undefined, learnt: highest, unheard: [...unheard] });
  const own = s.claim;
  if (!own || s.role !== 'promoting') return;
  // Another cluster's claim at our very epoch: the controller's epoch marker cannot order the
  // two, so a take-over never writes at a tied epoch. A promotion (or its resumption) goes above
  // any tie; a resumed leader goes above a tie it would win by name, and is fenced by one it
  // would lose.
  const ties = [answered, ...leaders].filter(
    (c) => c.epoch === own.epoch && c.leader !== own.leader,
  );
  const aboveTie = s.tookEpoch ? ties.length > 0 : ties.some((c) => supersedes(own, c));
  if (!s.fence && (aboveTie || (s.promoted && supersedes(highest, own)))) {
    // Our record was stale: an explicit promotion goes above what the members have seen.
    log(out, 'warn', `epoch ${highest.epoch} was seen elsewhere: promoting above it`);
    // A new epoch is taken: its catch-up goes by the position recorded, as a promotion's does.
    set(out, { claim: undefined, progress: [], tookEpoch: true });
    return;
  }
  if (supersedes(highest, own)) {
    learnt(out, highest, fencedMessage(highest));
    return;
  }
  set(out, { progress: ['surveyed'] });
}

function heard(out: Out, members: readonly string[]): void {
  const s = out.state;
  if (s.unheard.length === 0) return;
  const unheard = s.unheard.filter((c) => !members.includes(c));
  if (unheard.length === s.unheard.length) return;
  set(out, { unheard });
  log(
    out,
    'info',
    unheard.length === 0
      ? 'every member answered: epoch verified'
      : `epoch still unverified: no answer from ${unheard.join(', ')}`,
  );
}

/** Plans the next effects from where the process is and where the spec wants it. */
function plan(out: Out): void {
  const s = out.state;
  if (s.inFlight || s.waitingRetry) return;
  const next = nextEffect(out);
  if (next) {
    set(out, { inFlight: next.type });
    out.effects.push(next);
  }
}

function start(out: Out, effect: AsyncEffect, patch: Partial<LeadershipState>): AsyncEffect {
  set(out, patch);
  return effect;
}

function nextEffect(out: Out): AsyncEffect | undefined {
  const s = out.state;
  const w = s.wanted;
  if (w.kind !== 'lead' && (s.role === 'promoting' || s.role === 'leader' || s.role === 'fenced')) {
    return giveUp(out);
  }
  // An interrupted take-over is resumed only while leading is still wanted: a follower's store
  // may since hold a winning claim that this state has not seen.
  if (w.kind !== 'lead' && s.unfinished) set(out, { unfinished: undefined });
  if (w.kind === 'none') return toNone(out);
  if (w.kind === 'follow') return toFollower(out);
  return toLeader(out, w.status);
}

/** Leadership given up (demotion or no AMKOCluster): replication off, the fence forgotten. */
function giveUp(out: Out): AsyncEffect | undefined {
  const s = out.state;
  if (s.replicating) return start(out, { type: 'replicator', on: false }, { replicating: false });
  log(out, 'info', `leadership given up (was ${s.role})`);
  set(out, {
    role: 'none',
    claim: undefined,
    fence: undefined,
    mayWrite: false,
    progress: [],
    unfinished: undefined,
    unheard: [],
  });
  return nextEffect(out);
}

function toNone(out: Out): AsyncEffect | undefined {
  const s = out.state;
  if (s.following) {
    return start(out, { type: 'follower', on: false }, { following: false, role: 'none' });
  }
  if (s.pipeline !== 'off') {
    return start(
      out,
      { type: 'pipeline', mode: 'off', epoch: 0 },
      { pipeline: 'off', pipelineOk: false },
    );
  }
  if (s.role !== 'none') set(out, { role: 'none' });
  return undefined;
}

function toFollower(out: Out): AsyncEffect | undefined {
  const s = out.state;
  const mode: PipelineMode = s.standby === 'hot' ? 'standby' : 'off';
  if (!s.following && s.pipeline !== mode) {
    return start(out, { type: 'pipeline', mode, epoch: 0 }, { pipeline: mode, pipelineOk: false });
  }
  if (!s.following) {
    return start(out, { type: 'follower', on: true }, { following: true, booting: false });
  }
  return followerStep(out);
}

function toLeader(out: Out, status: AmkoClusterStatus | undefined): AsyncEffect | undefined {
  const s = out.state;
  if (s.following)
    return start(out, { type: 'follower', on: false }, { following: false, role: 'none' });
  if (s.role === 'fenced') return settleFenced(out);
  if (s.role === 'none') return takeUp(out, status);
  if (s.role === 'promoting') return takeOver(out);
  return restartReplicator(out);
}

/** New followers to replicate to: the replicator stops and starts again at the same claim. */
function restartReplicator(out: Out): AsyncEffect | undefined {
  const s = out.state;
  if (!s.restartReplicator || !s.claim) return undefined;
  if (s.replicating) return start(out, { type: 'replicator', on: false }, { replicating: false });
  return start(
    out,
    { type: 'replicator', on: true, claim: s.claim },
    { replicating: true, restartReplicator: false },
  );
}

/** Decides how to take up leadership: finish an interrupted take-over, decide at boot, or promote. */
function takeUp(out: Out, status: AmkoClusterStatus | undefined): AsyncEffect | undefined {
  const s = out.state;
  const base = { booting: false, progress: [], fence: undefined, unheard: [] };
  if (s.unfinished && compareClaims(s.highest, s.unfinished) === 0) {
    set(out, {
      ...base,
      role: 'promoting',
      claim: s.unfinished,
      promoted: false,
      unfinished: undefined,
    });
    log(out, 'info', `resuming the interrupted take-over at epoch ${s.unfinished.epoch}`);
    return takeOver(out);
  }
  const decision = s.booting
    ? leadershipAtStart(status, s.highest, s.self)
    : ({ kind: 'promote' } as const);
  if (decision.kind === 'fenced') {
    set(out, {
      ...base,
      role: 'fenced',
      claim: undefined,
      fence: { by: decision.by, reason: decision.reason },
    });
    log(out, 'error', `restarted fenced: ${decision.reason}`);
    return settleFenced(out);
  }
  if (decision.kind === 'resume') {
    set(out, {
      ...base,
      role: 'promoting',
      claim: decision.claim,
      promoted: false,
      tookEpoch: false,
    });
    log(out, 'info', `resuming leadership at persisted epoch ${decision.claim.epoch}`);
    return takeOver(out);
  }
  set(out, { ...base, role: 'promoting', claim: undefined, promoted: true, tookEpoch: true });
  return takeOver(out);
}

/** The take-over, one step at a time: persist, survey, catch up, write, replicate. */
function takeOver(out: Out): AsyncEffect | undefined {
  const s = out.state;
  if (!s.claim) {
    return { type: 'persist-promotion', above: maxClaim(s.highest, s.learnt) };
  }
  const has = (p: LeadershipState['progress'][number]): boolean => s.progress.includes(p);
  if (!has('surveyed')) return { type: 'survey', claim: s.claim };
  if (!has('caught-up')) return { type: 'catch-up', promoted: s.tookEpoch };
  const lease = acquireStep(out);
  if (lease) return lease;
  if (!has('writing')) {
    return start(
      out,
      { type: 'pipeline', mode: 'active', epoch: s.claim.epoch },
      { pipeline: 'active', mayWrite: true },
    );
  }
  if (!has('replicating')) {
    return start(out, { type: 'replicator', on: true, claim: s.claim }, { replicating: true });
  }
  return undefined;
}

/** Fenced: replication off, pipeline read-only (or off), the winning claim persisted. */
function settleFenced(out: Out): AsyncEffect | undefined {
  const s = out.state;
  if (s.replicating) return start(out, { type: 'replicator', on: false }, { replicating: false });
  const mode: PipelineMode = s.standby === 'hot' ? 'standby' : 'off';
  if (s.pipeline !== mode) {
    return start(out, { type: 'pipeline', mode, epoch: 0 }, { pipeline: mode, pipelineOk: false });
  }
  const by = s.fence?.by;
  if (by && supersedes(by, s.highest)) {
    return { type: 'persist-seen', claim: by };
  }
  return demoteStep(out);
}

export { violations } from './leadership-invariants.js';
export { NO_CLAIM };
