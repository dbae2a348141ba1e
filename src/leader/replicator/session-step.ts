/**
 * Replication to one follower as a pure state machine: `step(state, input, ctx)` returns the next
 * state and what the driver must do (outbox). No I/O, no clock reads, no timers.
 *
 * Invariants (checked by the unit tests after every step):
 * I1. acked ≤ sent ≤ log head, within this leader's log.
 * I2. Deltas leave in revision order without gaps: each one is `sent + 1`.
 * I3. At most `window` revisions are in flight (`sent − acked ≤ window`), a snapshot counting as
 *     its whole range.
 * I4. Nothing but the hello is sent before the follower's state arrived (phase `streaming`).
 * I5. A snapshot is sent when the follower holds data from another log or epoch, or is behind
 *     the retained log; otherwise deltas from exactly its applied revision.
 * I6. `fenced` and `stopped` are final: no more output except the report.
 * I7. A follower that names a claim superseding ours fences us.
 */
import type { LeaderMessage } from '../../shared/federation/gen/amko/federation/v1/LeaderMessage.js';
import type { ReplicatedObject } from '../../shared/federation/gen/amko/federation/v1/ReplicatedObject.js';
import { isFencedBy, type EpochClaim } from '../../shared/federation/epoch-rules.js';
import type { PeerFailure } from '../../shared/federation/grpc-status.js';
import { parseReplicaKey, toWireObject } from '../../shared/federation/replicated-object.js';
import type { Retry } from '../../shared/errors.js';
import type { LogEntry, LogView } from './replication-log.js';

export type Phase = 'idle' | 'awaiting-state' | 'streaming' | 'backoff' | 'fenced' | 'stopped';

export interface SessionState {
  readonly phase: Phase;
  /** Consecutive failed attempts (reset once a session is established). */
  readonly attempt: number;
  /** Last revision sent on the current stream. */
  readonly sent: number;
  /** Follower's applied revision in this log, as last acked or reported. */
  readonly acked: number;
  readonly lastAckAt?: number;
  readonly lastError?: string | undefined;
  readonly fencedBy?: EpochClaim;
  /** The follower has told us its highest epoch (its state, or a refusal naming a claim). */
  readonly heard?: boolean;
}

/** The follower's state as it reported it. */
export interface PeerReport {
  readonly highest: EpochClaim;
  readonly appliedRevision: number;
  readonly appliedEpoch: number;
  readonly appliedLogId: string;
}

export type SessionInput =
  | { readonly type: 'start' }
  | { readonly type: 'peer-state'; readonly report: PeerReport }
  | { readonly type: 'ack'; readonly revision: number; readonly at: number }
  | { readonly type: 'log-advanced' }
  | { readonly type: 'ping-due' }
  | { readonly type: 'stream-ended'; readonly failure: PeerFailure }
  | { readonly type: 'retry-due' }
  | { readonly type: 'fence'; readonly by: EpochClaim }
  | { readonly type: 'stop' };

export type SessionOutput =
  /** Open a new stream and send the hello on it. */
  | { readonly type: 'open' }
  | { readonly type: 'send'; readonly message: LeaderMessage }
  | { readonly type: 'close' }
  | { readonly type: 'retry-after'; readonly delayMs: number }
  /** The follower named a claim that supersedes ours. */
  | { readonly type: 'fenced'; readonly by: EpochClaim }
  /** The state changed in a way the status shows. */
  | { readonly type: 'report' };

export interface SessionContext {
  /** Our own claim (cluster and epoch). */
  readonly self: EpochClaim;
  readonly log: LogView;
  /** Revisions allowed in flight. */
  readonly window: number;
  /** Bytes of object content per snapshot message, roughly. */
  readonly snapshotChunkBytes: number;
  /** Delay before attempt number `attempt` (1-based) after a failure of this disposition. */
  readonly backoff: (attempt: number, retry: Retry) => number;
}

export interface StepResult {
  readonly state: SessionState;
  readonly outbox: readonly SessionOutput[];
}

export const INITIAL_STATE: SessionState = Object.freeze({
  phase: 'idle',
  attempt: 0,
  sent: 0,
  acked: 0,
});

const FINAL: ReadonlySet<Phase> = new Set(['fenced', 'stopped']);

function deltaMessage(e: LogEntry): LeaderMessage {
  const revision = String(e.revision);
  const trace = e.traceparent ? { traceparent: e.traceparent } : {};
  if ('put' in e) return { delta: { revision, put: toWireObject(e.put), ...trace } };
  return { delta: { revision, delete: parseReplicaKey(e.delete), ...trace } };
}

function sizeOf(o: ReplicatedObject): number {
  const meta = JSON.stringify(o.labels ?? {}).length + JSON.stringify(o.annotations ?? {}).length;
  return (o.spec_json?.length ?? 0) + meta + 200;
}

/** The snapshot at the log's head, split into messages of about `chunkBytes` each. */
export function snapshotMessages(log: LogView, chunkBytes: number): LeaderMessage[] {
  const revision = String(log.head);
  const parts: ReplicatedObject[][] = [[]];
  let size = 0;
  for (const h of log.objects()) {
    const wire = toWireObject(h);
    const s = sizeOf(wire);
    const current = parts[parts.length - 1] ?? [];
    if (current.length > 0 && size + s > chunkBytes) {
      parts.push([wire]);
      size = s;
    } else {
      current.push(wire);
      size += s;
    }
  }
  return parts.map((objects, i) => ({
    snapshot: { revision, objects, more: i < parts.length - 1 },
  }));
}

/** Sends what the window allows: deltas after `sent`, or a snapshot when they are compacted. */
function pump(state: SessionState, ctx: SessionContext): StepResult {
  const room = ctx.window - (state.sent - state.acked);
  if (state.phase !== 'streaming' || state.sent >= ctx.log.head || room <= 0)
    return { state, outbox: [] };
  const entries = ctx.log.entriesAfter(state.sent, room);
  if (entries === 'compacted') return sendSnapshot(state, ctx);
  const last = entries[entries.length - 1];
  if (!last) return { state, outbox: [] };
  return {
    state: { ...state, sent: last.revision },
    outbox: entries.map((e) => ({ type: 'send', message: deltaMessage(e) })),
  };
}

function sendSnapshot(state: SessionState, ctx: SessionContext): StepResult {
  const outbox: SessionOutput[] = snapshotMessages(ctx.log, ctx.snapshotChunkBytes).map(
    (message) => ({
      type: 'send',
      message,
    }),
  );
  return { state: { ...state, sent: ctx.log.head }, outbox };
}

function needsSnapshot(r: PeerReport, ctx: SessionContext): boolean {
  if (r.appliedLogId !== ctx.log.logId || r.appliedEpoch !== ctx.self.epoch) return true;
  if (r.appliedRevision > ctx.log.head) return true;
  return ctx.log.entriesAfter(r.appliedRevision, 1) === 'compacted';
}

function fence(state: SessionState, by: EpochClaim): StepResult {
  return {
    state: {
      ...state,
      phase: 'fenced',
      fencedBy: by,
      lastError: `fenced: ${by.leader} leads at epoch ${by.epoch}`,
    },
    outbox: [{ type: 'close' }, { type: 'fenced', by }, { type: 'report' }],
  };
}

function onPeerState(state: SessionState, r: PeerReport, ctx: SessionContext): StepResult {
  if (state.phase !== 'awaiting-state') return { state, outbox: [] };
  if (isFencedBy(ctx.self, r.highest)) return fence(state, r.highest);
  const sameLog = !needsSnapshot(r, ctx);
  const base: SessionState = {
    ...state,
    heard: true,
    phase: 'streaming',
    attempt: 0,
    acked: sameLog ? r.appliedRevision : 0,
    sent: sameLog ? r.appliedRevision : 0,
    lastError: undefined,
  };
  const started = sameLog ? pump(base, ctx) : sendSnapshot(base, ctx);
  return { state: started.state, outbox: [...started.outbox, { type: 'report' }] };
}

function onAck(state: SessionState, revision: number, at: number, ctx: SessionContext): StepResult {
  if (state.phase !== 'streaming' || revision > state.sent || revision < state.acked)
    return { state, outbox: [] };
  const next = pump({ ...state, acked: revision, lastAckAt: at }, ctx);
  return { state: next.state, outbox: [...next.outbox, { type: 'report' }] };
}

function onEnded(state: SessionState, failure: PeerFailure, ctx: SessionContext): StepResult {
  if (state.phase === 'idle' || state.phase === 'backoff') return { state, outbox: [] };
  if (failure.claim && (failure.refusal === 'stale-epoch' || failure.refusal === 'is-leader')) {
    if (isFencedBy(ctx.self, failure.claim)) return fence(state, failure.claim);
  }
  const attempt = state.attempt + 1;
  const delayMs = ctx.backoff(attempt, failure.error.retry);
  return {
    state: {
      ...state,
      heard: state.heard === true || failure.claim !== undefined,
      phase: 'backoff',
      attempt,
      sent: state.acked,
      lastError: failure.error.message,
    },
    outbox: [{ type: 'retry-after', delayMs }, { type: 'report' }],
  };
}

const NOTHING = (state: SessionState): StepResult => ({ state, outbox: [] });

/** `start` opens from idle, `retry-due` from backoff; anything else is stale. */
function open(state: SessionState, trigger: 'start' | 'retry-due'): StepResult {
  const from: Phase = trigger === 'start' ? 'idle' : 'backoff';
  if (state.phase !== from) return NOTHING(state);
  return { state: { ...state, phase: 'awaiting-state' }, outbox: [{ type: 'open' }] };
}

function ping(state: SessionState, ctx: SessionContext): StepResult {
  if (state.phase !== 'streaming') return NOTHING(state);
  return {
    state,
    outbox: [{ type: 'send', message: { ping: { revision: String(ctx.log.head) } } }],
  };
}

/** One transition. */
export function step(state: SessionState, input: SessionInput, ctx: SessionContext): StepResult {
  if (FINAL.has(state.phase)) return NOTHING(state);
  switch (input.type) {
    case 'start':
    case 'retry-due':
      return open(state, input.type);
    case 'peer-state':
      return onPeerState(state, input.report, ctx);
    case 'ack':
      return onAck(state, input.revision, input.at, ctx);
    case 'log-advanced':
      return pump(state, ctx);
    case 'ping-due':
      return ping(state, ctx);
    case 'stream-ended':
      return onEnded(state, input.failure, ctx);
    case 'fence':
      return fence(state, input.by);
    case 'stop':
      return {
        state: { ...state, phase: 'stopped' },
        outbox: [{ type: 'close' }, { type: 'report' }],
      };
  }
}
