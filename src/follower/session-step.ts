/**
 * One Replicate stream on a follower as a pure state machine, in the style of etcd/raft:
 * `step(state, event) → { state, effects }`. Events are what the stream carries (decoded) and the
 * answers of the effects the step asked for; effects are what the runner (replication-session.ts)
 * must do: admit the hello, answer with the follower's state, write a snapshot or a change to the
 * kube-apiserver, ack a revision, end the stream. No I/O, no clock.
 *
 * Rules (the protocol of one stream):
 * - The first message must be a hello; it is admitted (or refused) by the host before anything
 *   else is read. A second hello, an empty or undecodable message ends the stream
 *   (INVALID_ARGUMENT) before anything is written for it.
 * - Messages are taken one at a time, in arrival order: while an admission or a write is in
 *   flight the runner feeds no message (a message then is a programming error and throws).
 * - Revisions: within the admitted log and epoch, a delta or a snapshot at or below the applied
 *   revision is a replay: it is acknowledged with the applied revision and not applied again (so
 *   a replayed old snapshot cannot roll replicas back). A delta that skips a revision, or a delta
 *   from another log, is refused (FAILED_PRECONDITION, `revision-gap`); the leader answers with a
 *   snapshot. A snapshot of another log or epoch, or ahead of the applied revision, is applied.
 * - A snapshot may come in parts of one revision (`more`); a key twice, a part of another
 *   revision or a delta inside it ends the stream; nothing of it is written before its last part.
 * - A revision is acked only after its write succeeded; a failed write ends the stream with the
 *   write's error, unacked. A ping is answered with an ack of the applied revision of the stream's log (0 when the
 *   follower holds another log: its revisions mean nothing in this one).
 * - A leader ends a stream by cancelling it, never by half-closing it. grpc-js drops an
 *   incomplete final frame without telling the handler, so a truncated frame followed by the end
 *   of the stream looks like a half-close: a half-close is therefore refused (INVALID_ARGUMENT),
 *   and nothing received after the last complete message (or a snapshot still missing parts) is
 *   applied.
 * - A controller view (what the leader wrote to the Avi controller) is handed to the host as it
 *   comes, in the admitted stream only, also between the parts of a snapshot; it is no revision:
 *   nothing is written or acked for it.
 * - Every message of the admitted stream (and its admission) tells the host the leader is alive.
 *
 * Invariants (state: `violations`; transitions: `transitionViolations`; checked after every step
 * by the tests and the federation simulation):
 * F1. Nothing is written or acked before the hello was admitted: writes and acks only in phase
 *     `streaming`, with a claim.
 * F2. Writes go forward: a delta is written at exactly `applied + 1` of the admitted log and
 *     epoch; a snapshot above the applied revision of that log and epoch, or of another one.
 * F3. An ack names a revision of the admitted log and epoch (0 when nothing of it is applied),
 *     never one above the applied revision, never one not yet written.
 * F4. At most one admission or write is in flight; a pending snapshot holds one revision and
 *     each key once.
 * F5. `closed` is final: no write, ack or status after it; a closed session holds nothing
 *     pending.
 */
import type { EpochClaim } from '../shared/federation/epoch-rules.js';
import {
  keyOfContent,
  type HashedContent,
  type ReplicaKey,
} from '../shared/federation/replicated-object.js';

import type { AppliedPosition } from '../shared/federation/log-position.js';
import type { WrittenObject } from '../shared/federation/controller-view.js';

export type { AppliedPosition };

/** The hello as the step reads it (the host decides on the rest of it). */
export interface HelloLike {
  readonly cluster: string;
}

export interface PendingSnapshot {
  readonly revision: number;
  readonly objects: readonly HashedContent[];
  readonly keys: ReadonlySet<ReplicaKey>;
}

export type SessionPhase = 'hello' | 'admitting' | 'streaming' | 'closed';

export interface FollowerSessionState<H extends HelloLike = HelloLike> {
  readonly phase: SessionPhase;
  /** The admitted claim and log (undefined and '' before the admission). */
  readonly claim: EpochClaim | undefined;
  readonly logId: string;
  /** The host's applied position, as of the admission and every write of this stream since. */
  readonly applied: AppliedPosition;
  readonly snapshot: PendingSnapshot | undefined;
  /** The position a write in flight will record. */
  readonly writing: AppliedPosition | undefined;
  /** The hello, kept only while it is being admitted. */
  readonly hello?: H | undefined;
}

export type Change = HashedContent | ReplicaKey;

/** What the leader sent (decoded), or the end of its side of the stream. */
export type MessageEvent<H extends HelloLike = HelloLike> =
  | { readonly type: 'hello'; readonly hello: H }
  | {
      readonly type: 'snapshot';
      readonly revision: number;
      readonly objects: readonly HashedContent[];
      readonly more: boolean;
    }
  | {
      readonly type: 'delta';
      readonly revision: number;
      readonly change: Change;
      readonly traceparent?: string | undefined;
    }
  | { readonly type: 'ping' }
  /** What the leader wrote to the controller (not a revision: nothing to write or ack). */
  | { readonly type: 'view'; readonly objects: readonly WrittenObject[] }
  /** A message that could not be decoded, or of no known kind. */
  | { readonly type: 'malformed'; readonly details: string }
  | { readonly type: 'half-close' };

/** The answers of the effects, and the ends of the stream that are not the leader's message. */
export type AnswerEvent =
  | {
      readonly type: 'admitted';
      readonly claim: EpochClaim;
      readonly logId: string;
      readonly position: AppliedPosition;
    }
  | { readonly type: 'refused'; readonly cause: unknown }
  | { readonly type: 'written' }
  | { readonly type: 'write-failed'; readonly cause: unknown }
  /** The peer cancelled, or the transport broke: nothing more to send. */
  | { readonly type: 'cancelled' }
  /** The host ends the stream (replaced, stopping) with `cause`, its status. */
  | { readonly type: 'stop'; readonly cause: unknown };

export type SessionEvent<H extends HelloLike = HelloLike> = MessageEvent<H> | AnswerEvent;

const ANSWERS: ReadonlySet<SessionEvent['type']> = new Set([
  'admitted',
  'refused',
  'written',
  'write-failed',
  'cancelled',
  'stop',
]);

const isAnswer = (e: SessionEvent): e is AnswerEvent => ANSWERS.has(e.type);

/** Why a stream ends; the runner turns it into a gRPC status. */
export type Ending =
  | { readonly reason: 'invalid'; readonly details: string }
  | { readonly reason: 'revision-gap'; readonly details: string }
  /** Refused at admission, or stopped by the host: `cause` is the status to send. */
  | { readonly reason: 'refused' | 'stopped'; readonly cause: unknown }
  | { readonly reason: 'write-failed'; readonly cause: unknown };

export type SessionEffect<H extends HelloLike = HelloLike> =
  | { readonly type: 'admit'; readonly hello: H }
  | { readonly type: 'send-state' }
  | { readonly type: 'heard' }
  | {
      readonly type: 'apply-snapshot';
      readonly objects: readonly HashedContent[];
      readonly at: AppliedPosition;
    }
  | {
      readonly type: 'apply-delta';
      readonly change: Change;
      readonly at: AppliedPosition;
      readonly traceparent?: string | undefined;
    }
  | { readonly type: 'ack'; readonly revision: number }
  /** Hand what the leader wrote to the controller to the host (its hot standby's view). */
  | { readonly type: 'controller-view'; readonly objects: readonly WrittenObject[] }
  /** Tell the host the session is over, and end the stream with `ending` when there is one. */
  | { readonly type: 'close'; readonly ending?: Ending };

export interface SessionStepResult<H extends HelloLike = HelloLike> {
  readonly state: FollowerSessionState<H>;
  readonly effects: readonly SessionEffect<H>[];
}

export function initialSession<H extends HelloLike>(): FollowerSessionState<H> {
  return {
    phase: 'hello',
    claim: undefined,
    logId: '',
    applied: { leader: '', epoch: 0, logId: '', revision: 0 },
    snapshot: undefined,
    writing: undefined,
  };
}

type Result<H extends HelloLike> = SessionStepResult<H>;
type State<H extends HelloLike> = FollowerSessionState<H>;

const none = <H extends HelloLike>(state: State<H>): Result<H> => ({ state, effects: [] });

function close<H extends HelloLike>(
  s: State<H>,
  ending?: Ending,
  before: readonly SessionEffect<H>[] = [],
): Result<H> {
  const state: State<H> = {
    ...s,
    phase: 'closed',
    snapshot: undefined,
    writing: undefined,
    hello: undefined,
  };
  return { state, effects: [...before, ending ? { type: 'close', ending } : { type: 'close' }] };
}

const invalid = <H extends HelloLike>(
  s: State<H>,
  details: string,
  before: readonly SessionEffect<H>[] = [],
): Result<H> => close(s, { reason: 'invalid', details }, before);

/** The message a half-close ends the stream with, by where the stream was. */
function halfCloseMessage(s: State<HelloLike>): string {
  if (s.phase === 'hello') return 'the stream ended before a hello';
  if (s.snapshot) return `the stream ended inside snapshot ${s.snapshot.revision}`;
  return 'the stream was half-closed (a leader cancels a stream, it never ends it)';
}

/** The applied revision when it belongs to this stream's log and epoch, else undefined. */
function appliedInLog(s: State<HelloLike>): number | undefined {
  const pos = s.applied;
  return pos.logId === s.logId && pos.epoch === s.claim?.epoch ? pos.revision : undefined;
}

function at(s: State<HelloLike>, revision: number): AppliedPosition {
  const claim = s.claim ?? { epoch: 0, leader: '' };
  return { leader: claim.leader, epoch: claim.epoch, logId: s.logId, revision };
}

type SnapshotEvent = Extract<SessionEvent, { type: 'snapshot' }>;
type DeltaEvent = Extract<SessionEvent, { type: 'delta' }>;
const HEARD = Object.freeze({ type: 'heard' } as const);

function snapshotPart<H extends HelloLike>(s: State<H>, e: SnapshotEvent): Result<H> {
  const pending = s.snapshot ?? { revision: e.revision, objects: [], keys: new Set<ReplicaKey>() };
  if (pending.revision !== e.revision)
    return invalid(s, `snapshot part of revision ${e.revision} inside ${pending.revision}`, [
      HEARD,
    ]);
  const keys = new Set(pending.keys);
  for (const h of e.objects) {
    const key = keyOfContent(h.content);
    if (keys.has(key)) return invalid(s, `snapshot holds ${key} twice`, [HEARD]);
    keys.add(key);
  }
  const objects = [...pending.objects, ...e.objects];
  if (e.more)
    return { state: { ...s, snapshot: { revision: e.revision, objects, keys } }, effects: [HEARD] };
  const applied = appliedInLog(s);
  const done = { ...s, snapshot: undefined };
  if (applied !== undefined && e.revision <= applied)
    return { state: done, effects: [HEARD, { type: 'ack', revision: applied }] };
  const target = at(s, e.revision);
  return {
    state: { ...done, writing: target },
    effects: [HEARD, { type: 'apply-snapshot', objects, at: target }],
  };
}

function delta<H extends HelloLike>(s: State<H>, e: DeltaEvent): Result<H> {
  if (s.snapshot) return invalid(s, 'delta inside a snapshot', [HEARD]);
  const applied = appliedInLog(s);
  if (applied !== undefined && e.revision <= applied)
    return { state: s, effects: [HEARD, { type: 'ack', revision: applied }] };
  if (applied === undefined || e.revision !== applied + 1) {
    const pos = s.applied;
    const details = `delta ${e.revision} does not follow applied revision ${pos.revision} of log ${pos.logId || 'none'}`;
    return close(s, { reason: 'revision-gap', details }, [HEARD]);
  }
  const target = at(s, e.revision);
  const apply: SessionEffect<H> = {
    type: 'apply-delta',
    change: e.change,
    at: target,
    ...(e.traceparent ? { traceparent: e.traceparent } : {}),
  };
  return { state: { ...s, writing: target }, effects: [HEARD, apply] };
}

/** A message of the admitted stream. */
function streaming<H extends HelloLike>(
  s: State<H>,
  e: Exclude<MessageEvent<H>, { type: 'half-close' }>,
): Result<H> {
  switch (e.type) {
    case 'snapshot':
      return snapshotPart(s, e);
    case 'delta':
      return delta(s, e);
    case 'ping':
      return { state: s, effects: [HEARD, { type: 'ack', revision: appliedInLog(s) ?? 0 }] };
    case 'view':
      return { state: s, effects: [HEARD, { type: 'controller-view', objects: e.objects }] };
    case 'hello':
      return invalid(s, 'unexpected hello message', [HEARD]);
    case 'malformed':
      return invalid(s, e.details, [HEARD]);
  }
}

/** A message (or the half-close) from the leader. */
function message<H extends HelloLike>(s: State<H>, e: MessageEvent<H>): Result<H> {
  if (s.phase === 'closed') return none(s);
  if (s.phase === 'admitting' || s.writing)
    throw new Error(`${e.type} fed while ${s.writing ? 'a write' : 'the admission'} is in flight`);
  if (e.type === 'half-close') return invalid(s, halfCloseMessage(s));
  if (s.phase === 'hello') {
    if (e.type !== 'hello') return invalid(s, 'the first message must be a hello');
    return {
      state: { ...s, phase: 'admitting', hello: e.hello },
      effects: [{ type: 'admit', hello: e.hello }],
    };
  }
  return streaming(s, e);
}

function admitted<H extends HelloLike>(
  s: State<H>,
  e: Extract<AnswerEvent, { type: 'admitted' }>,
): Result<H> {
  if (s.phase !== 'admitting') return none(s);
  const state: State<H> = {
    ...s,
    phase: 'streaming',
    hello: undefined,
    claim: e.claim,
    logId: e.logId,
    applied: e.position,
  };
  return { state, effects: [HEARD, { type: 'send-state' }] };
}

function written<H extends HelloLike>(s: State<H>): Result<H> {
  const w = s.writing;
  if (!w || s.phase !== 'streaming') return none(s);
  return {
    state: { ...s, writing: undefined, applied: w },
    effects: [{ type: 'ack', revision: w.revision }],
  };
}

function answer<H extends HelloLike>(s: State<H>, e: AnswerEvent): Result<H> {
  switch (e.type) {
    case 'admitted':
      return admitted(s, e);
    case 'refused':
      return s.phase === 'admitting' ? close(s, { reason: 'refused', cause: e.cause }) : none(s);
    case 'written':
      return written(s);
    case 'write-failed':
      return s.writing ? close(s, { reason: 'write-failed', cause: e.cause }) : none(s);
    case 'cancelled':
      return ended(s);
    case 'stop':
      return ended(s, { reason: 'stopped', cause: e.cause });
  }
}

/** The stream ends from outside the step (cancelled, or stopped by the host). */
function ended<H extends HelloLike>(s: State<H>, ending?: Ending): Result<H> {
  return s.phase === 'closed' ? none(s) : close(s, ending);
}

/** One transition. */
export function step<H extends HelloLike>(s: State<H>, e: SessionEvent<H>): Result<H> {
  return isAnswer(e) ? answer(s, e) : message(s, e);
}

/** The state invariants at the top of this file; an empty list when they hold. */
export function violations(s: FollowerSessionState): string[] {
  const checks: [boolean, string][] = [
    [s.phase === 'closed' && !!(s.snapshot ?? s.writing), 'F5 a closed session holds work'],
    [
      (s.phase === 'hello' || s.phase === 'admitting') && !!(s.claim ?? s.writing),
      'F1 a claim or a write before the admission',
    ],
    [!!s.writing && !!s.snapshot, 'F4 a write in flight beside a pending snapshot'],
    [
      !!s.snapshot && s.snapshot.keys.size !== s.snapshot.objects.length,
      'F4 a pending snapshot holds a key twice',
    ],
    [!!s.writing && s.writing.epoch !== s.claim?.epoch, 'F2 a write at another epoch'],
  ];
  return checks.flatMap(([broken, what]) => (broken ? [what] : []));
}

/** True when a write at `to` goes forward from `from` (F2). */
export function goesForward(
  from: AppliedPosition,
  to: AppliedPosition,
  snapshot: boolean,
): boolean {
  const sameLog = from.logId === to.logId && from.epoch === to.epoch;
  if (!snapshot) return sameLog && to.revision === from.revision + 1;
  return !sameLog || to.revision > from.revision;
}

function ackViolations(after: FollowerSessionState, revision: number): string[] {
  const v: string[] = [];
  if (revision > 0 && appliedInLog(after) === undefined)
    v.push(`F3 ack ${revision} of log ${after.logId} holding log ${after.applied.logId}`);
  if (revision > after.applied.revision)
    v.push(`F3 ack ${revision} above applied ${after.applied.revision}`);
  if (after.writing?.revision === revision) v.push(`F3 ack ${revision} before its write`);
  return v;
}

/** What is wrong with one effect of a step from `before` to `after` (F1–F4). */
function effectViolations(
  before: FollowerSessionState,
  after: FollowerSessionState,
  fx: SessionEffect,
): string[] {
  if (fx.type !== 'ack' && fx.type !== 'apply-delta' && fx.type !== 'apply-snapshot') return [];
  const v: string[] = [];
  if (before.phase !== 'streaming' || !before.claim) v.push(`F1 ${fx.type} before admission`);
  if (fx.type === 'ack') return [...v, ...ackViolations(after, fx.revision)];
  if (before.writing) v.push('F4 a second write in flight');
  if (!goesForward(before.applied, fx.at, fx.type === 'apply-snapshot'))
    v.push(
      `F2 ${fx.type} at ${fx.at.revision} does not go forward from ${before.applied.revision}`,
    );
  return v;
}

/** The transition invariants at the top of this file; an empty list when they hold. */
export function transitionViolations(before: FollowerSessionState, r: SessionStepResult): string[] {
  const v: string[] = [];
  if (before.phase === 'closed' && r.effects.length > 0) v.push('F5 effects after close');
  for (const fx of r.effects) v.push(...effectViolations(before, r.state, fx));
  return v;
}
