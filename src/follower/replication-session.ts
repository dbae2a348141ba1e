/**
 * One Replicate stream on a follower: the thin I/O runner of session-step.ts. It decodes each
 * message into an event, feeds the step one message at a time in arrival order, and does what the
 * step asks: admission and writes through the host, the state answer, acks and the end of the
 * stream. Every rule of the stream (replays, gaps, half-closes, incomplete snapshots) is the
 * step's, written at the top of session-step.ts.
 */
import { status as Status, Metadata, type StatusObject } from '@grpc/grpc-js';
import { messageOf, OperatorError } from '../shared/errors.js';
import type { EpochClaim } from '../shared/federation/epoch-rules.js';
import type { ReplicateCall } from '../shared/federation/federation-server.js';
import type { Delta__Output } from '../shared/federation/gen/amko/federation/v1/Delta.js';
import type { Hello__Output } from '../shared/federation/gen/amko/federation/v1/Hello.js';
import type { LeaderMessage__Output } from '../shared/federation/gen/amko/federation/v1/LeaderMessage.js';
import type { State } from '../shared/federation/gen/amko/federation/v1/State.js';
import { refusalStatus, toStatus } from '../shared/federation/grpc-status.js';
import type { PeerIdentity } from '../shared/federation/peer-identity.js';
import {
  checkIdentity,
  fromWireObject,
  parseReplicaKey,
  replicaKey,
  type HashedContent,
  type ReplicaKey,
} from '../shared/federation/replicated-object.js';
import type { Logger } from '../shared/telemetry/logger.js';
import { fromWireWritten, type WrittenObject } from '../shared/federation/controller-view.js';
import { contextOf, inSpan, SpanKind, tracingOn } from '../shared/telemetry/tracing.js';
import {
  initialSession,
  step,
  type AppliedPosition,
  type Change,
  type Ending,
  type FollowerSessionState,
  type SessionEffect,
  type SessionEvent,
} from './session-step.js';

export type { AppliedPosition } from './session-step.js';

/** What a session needs from the follower that hosts it. */
export interface SessionHost {
  /** Admits the session (checks, persists the claim, makes it the active one) or refuses it. */
  admit(
    session: ReplicationSession,
    hello: Hello__Output,
  ): Promise<{ claim: EpochClaim; logId: string } | StatusObject>;
  /**
   * The follower's state at `applied` (the position this stream was admitted at), sent in answer
   * to an admitted hello.
   */
  state(applied: AppliedPosition): State;
  /** What the host has applied from its streams, told to a stream at its admission. */
  position(): AppliedPosition;
  /** Replaces every replica with the snapshot, then records the position. */
  applySnapshot(
    session: ReplicationSession,
    objects: readonly HashedContent[],
    at: AppliedPosition,
  ): Promise<void>;
  /** Applies one change, then records the position. */
  applyChange(
    session: ReplicationSession,
    change: HashedContent | ReplicaKey,
    at: AppliedPosition,
  ): Promise<void>;
  /** The session ended. */
  closed(session: ReplicationSession): void;
  /** A message arrived on the admitted stream (the hello included): the leader is alive. */
  heard?(session: ReplicationSession): void;
  /** What the leader of the admitted stream wrote to the controller. */
  controllerView?(session: ReplicationSession, objects: readonly WrittenObject[]): void;
}

function bad(message: string): OperatorError {
  return new OperatorError('FEDERATION_BAD_MESSAGE', 'never', message);
}

/** A revision of a delta (≥ 1), or of a snapshot (≥ 0: the snapshot of a log still empty). */
function revisionOf(value: string, least = 1): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < least) throw bad(`invalid revision ${value}`);
  return n;
}

function changeOf(d: Delta__Output): Change {
  if (d.change === 'put' && d.put) return fromWireObject(d.put);
  if (d.change === 'delete' && d.delete) {
    const kind = checkIdentity(d.delete);
    return replicaKey(kind, d.delete.namespace, d.delete.name);
  }
  throw bad('delta without a change');
}

type Event = SessionEvent<Hello__Output>;

function decode(msg: LeaderMessage__Output): Event {
  if (msg.message === 'hello' && msg.hello) return { type: 'hello', hello: msg.hello };
  if (msg.message === 'snapshot' && msg.snapshot) {
    const s = msg.snapshot;
    const revision = revisionOf(s.revision, 0);
    return { type: 'snapshot', revision, objects: s.objects.map(fromWireObject), more: s.more };
  }
  if (msg.message === 'delta' && msg.delta) {
    const d = msg.delta;
    const revision = revisionOf(d.revision);
    return { type: 'delta', revision, change: changeOf(d), traceparent: d.traceparent };
  }
  if (msg.message === 'ping') return { type: 'ping' };
  if (msg.message === 'view' && msg.view)
    return { type: 'view', objects: msg.view.objects.map(fromWireWritten) };
  throw bad(`unexpected ${msg.message ?? 'empty'} message`);
}

/** The event a message stands for; a message that cannot be decoded is `malformed`. */
export function eventOf(msg: LeaderMessage__Output): Event {
  try {
    return decode(msg);
  } catch (err) {
    return { type: 'malformed', details: messageOf(err) };
  }
}

/** The status a stream ends with. */
export function endingStatus(ending: Ending): StatusObject {
  switch (ending.reason) {
    case 'invalid':
      return toStatus(bad(ending.details));
    case 'revision-gap':
      return refusalStatus('revision-gap', ending.details);
    case 'refused':
    case 'stopped':
      return ending.cause as StatusObject;
    case 'write-failed':
      return toStatus(ending.cause);
  }
}

/** What a change is, for the write span. */
function changeAttributes(change: Change): Record<string, string> {
  const id =
    typeof change === 'string'
      ? parseReplicaKey(change)
      : {
          kind: change.content.kind,
          namespace: change.content.namespace,
          name: change.content.name,
        };
  return {
    'amko.change': typeof change === 'string' ? 'delete' : 'put',
    'amko.kind': id.kind,
    'amko.namespace': id.namespace,
    'amko.name': id.name,
  };
}

export class ReplicationSession {
  readonly peer: PeerIdentity;
  readonly #call: ReplicateCall;
  readonly #host: SessionHost;
  readonly #log: Logger;
  #state: FollowerSessionState<Hello__Output> = initialSession();
  #chain: Promise<void> = Promise.resolve();

  constructor(deps: { call: ReplicateCall; peer: PeerIdentity; host: SessionHost; log: Logger }) {
    this.#call = deps.call;
    this.peer = deps.peer;
    this.#host = deps.host;
    this.#log = deps.log;
  }

  /** The admitted claim (undefined before the hello was admitted). */
  get claim(): EpochClaim | undefined {
    return this.#state.claim;
  }

  get isOpen(): boolean {
    return this.#state.phase !== 'closed';
  }

  start(): void {
    this.#call.on('data', (msg: LeaderMessage__Output) => {
      this.#enqueue(() => this.#feed(eventOf(msg)));
    });
    this.#call.on('end', () => {
      this.#enqueue(() => this.#feed({ type: 'half-close' }));
    });
    this.#call.on('cancelled', () => {
      void this.#feed({ type: 'cancelled' });
    });
    this.#call.on('error', () => {
      void this.#feed({ type: 'cancelled' });
    });
  }

  /** Ends the stream with `status` (nothing more is applied from it). */
  end(status: StatusObject): void {
    void this.#feed({ type: 'stop', cause: status });
  }

  /** Ends the stream because `winner` took over: a stale refusal when it supersedes this claim. */
  supersededBy(winner: EpochClaim, details: string): void {
    const mine = this.claim;
    if (mine && (mine.epoch !== winner.epoch || mine.leader !== winner.leader)) {
      this.end(refusalStatus('stale-epoch', details, winner));
    } else {
      this.end({ code: Status.CANCELLED, details, metadata: new Metadata() });
    }
  }

  #enqueue(next: () => Promise<void>): void {
    this.#chain = this.#chain.then(next).catch((err: unknown) => {
      this.#log.warn({ err, leader: this.claim?.leader }, 'replication stream ended');
      this.end(toStatus(err));
    });
  }

  /**
   * Steps one event and does what it asks; resolves once the answers of its admission or write
   * were stepped too. Effects without an answer are done before the first await, so a
   * cancellation or an end takes effect at once.
   */
  async #feed(event: Event): Promise<void> {
    const r = step(this.#state, event);
    this.#state = r.state;
    for (const fx of r.effects) {
      const answer = this.#do(fx);
      if (answer) await this.#feed(await answer);
    }
  }

  /** Does one effect; an admission or a write answers with the event it ends in. */
  #do(fx: SessionEffect<Hello__Output>): Promise<Event> | undefined {
    switch (fx.type) {
      case 'admit':
        return this.#admit(fx.hello);
      case 'send-state':
        this.#call.write({ state: this.#host.state(this.#state.applied) });
        return undefined;
      case 'heard':
        this.#host.heard?.(this);
        return undefined;
      case 'apply-snapshot':
        return this.#write(() => this.#host.applySnapshot(this, fx.objects, fx.at));
      case 'apply-delta':
        return this.#write(() => this.#applyDelta(fx));
      case 'ack':
        this.#call.write({ ack: { revision: String(fx.revision) } });
        return undefined;
      case 'controller-view':
        this.#host.controllerView?.(this, fx.objects);
        return undefined;
      case 'close':
        this.#close(fx.ending);
        return undefined;
    }
  }

  async #admit(hello: Hello__Output): Promise<Event> {
    const admitted = await this.#host.admit(this, hello);
    if ('code' in admitted) return { type: 'refused', cause: admitted };
    const { claim, logId } = admitted;
    return { type: 'admitted', claim, logId, position: this.#host.position() };
  }

  async #write(write: () => Promise<void>): Promise<Event> {
    try {
      await write();
      return { type: 'written' };
    } catch (err) {
      return { type: 'write-failed', cause: err };
    }
  }

  #close(ending: Ending | undefined): void {
    this.#host.closed(this);
    if (!ending) return;
    if (ending.reason === 'invalid' || ending.reason === 'write-failed') {
      const err = ending.reason === 'invalid' ? bad(ending.details) : ending.cause;
      this.#log.warn({ err, leader: this.claim?.leader }, 'replication stream ended');
    }
    this.#call.emit('error', endingStatus(ending));
  }

  /** Applies a delta; when traced, in an `amko.replica.write` span, child of the leader's send. */
  async #applyDelta(fx: Extract<SessionEffect, { type: 'apply-delta' }>): Promise<void> {
    const receivedAt = performance.timeOrigin + performance.now();
    const apply = (): Promise<void> => this.#host.applyChange(this, fx.change, fx.at);
    if (tracingOn() && fx.traceparent) {
      const attributes = {
        'amko.leader': fx.at.leader,
        'amko.revision': fx.at.revision,
        ...changeAttributes(fx.change),
      };
      const parent = { parent: contextOf(fx.traceparent), kind: SpanKind.CONSUMER };
      await inSpan('amko.replica.write', attributes, apply, parent);
    } else {
      await apply();
    }
    // Wall-clock times (ms, sub-ms precision) for the replication benchmark's stage breakdown.
    const at = performance.timeOrigin + performance.now();
    const revision = fx.at.revision;
    this.#log.debug({ stage: 'follower-write', revision, receivedAt, at }, 'replication stage');
  }
}
