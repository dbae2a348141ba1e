/**
 * One Replicate stream on a follower: the hello, then snapshots, deltas and pings, applied one
 * message at a time in arrival order, each acknowledged only after its write. Anything that does
 * not make sense ends the stream (INVALID_ARGUMENT) before anything is written for it.
 *
 * Revisions: within the admitted log and epoch, a delta or a snapshot at or below the applied
 * revision is a replay: it is acknowledged with the applied revision and not applied again (so a
 * replayed old snapshot cannot roll replicas back). A delta that skips a revision, or a delta from
 * another log, is refused (FAILED_PRECONDITION, `revision-gap`); the leader answers with a
 * snapshot.
 *
 * A leader ends a stream by cancelling it, never by half-closing it. grpc-js drops an incomplete
 * final frame without telling the handler, so a truncated frame followed by the end of the stream
 * looks like a half-close: a half-close is therefore refused (INVALID_ARGUMENT), and nothing
 * received after the last complete message (or a snapshot still missing parts) is applied.
 */
import { status as Status, Metadata, type StatusObject } from '@grpc/grpc-js';
import { OperatorError } from '../shared/errors.js';
import type { EpochClaim } from '../shared/federation/epoch-rules.js';
import type { ReplicateCall } from '../shared/federation/federation-server.js';
import type { Delta__Output } from '../shared/federation/gen/amko/federation/v1/Delta.js';
import type { Hello__Output } from '../shared/federation/gen/amko/federation/v1/Hello.js';
import type { LeaderMessage__Output } from '../shared/federation/gen/amko/federation/v1/LeaderMessage.js';
import type { Snapshot__Output } from '../shared/federation/gen/amko/federation/v1/Snapshot.js';
import type { State } from '../shared/federation/gen/amko/federation/v1/State.js';
import { refusalStatus, toStatus } from '../shared/federation/grpc-status.js';
import type { PeerIdentity } from '../shared/federation/peer-identity.js';
import {
  checkIdentity,
  fromWireObject,
  keyOfContent,
  replicaKey,
  type HashedContent,
  type ReplicaKey,
} from '../shared/federation/replicated-object.js';
import type { Logger } from '../shared/telemetry/logger.js';
import { contextOf, inSpan, SpanKind, tracingOn } from '../shared/telemetry/tracing.js';

/** What a follower has applied: from which leader, epoch and log, up to which revision. */
export interface AppliedPosition {
  readonly leader: string;
  readonly epoch: number;
  readonly logId: string;
  readonly revision: number;
}

/** What a session needs from the follower that hosts it. */
export interface SessionHost {
  /** Admits the session (checks, persists the claim, makes it the active one) or refuses it. */
  admit(
    session: ReplicationSession,
    hello: Hello__Output,
  ): Promise<{ claim: EpochClaim; logId: string } | StatusObject>;
  /** The follower's state, sent in answer to an admitted hello. */
  state(): State;
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
}

function bad(message: string): OperatorError {
  return new OperatorError('FEDERATION_BAD_MESSAGE', 'never', message);
}

function revisionOf(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw bad(`invalid revision ${value}`);
  return n;
}

interface PendingSnapshot {
  readonly revision: number;
  readonly objects: HashedContent[];
  readonly keys: Set<ReplicaKey>;
}

export class ReplicationSession {
  readonly peer: PeerIdentity;
  readonly #call: ReplicateCall;
  readonly #host: SessionHost;
  readonly #log: Logger;
  #phase: 'hello' | 'streaming' | 'closed' = 'hello';
  #claim: EpochClaim | undefined;
  #logId = '';
  #snapshot: PendingSnapshot | undefined;
  #chain: Promise<void> = Promise.resolve();

  constructor(deps: { call: ReplicateCall; peer: PeerIdentity; host: SessionHost; log: Logger }) {
    this.#call = deps.call;
    this.peer = deps.peer;
    this.#host = deps.host;
    this.#log = deps.log;
  }

  /** The admitted claim (undefined before the hello was admitted). */
  get claim(): EpochClaim | undefined {
    return this.#claim;
  }

  get isOpen(): boolean {
    return this.#phase !== 'closed';
  }

  start(): void {
    this.#call.on('data', (msg: LeaderMessage__Output) => {
      this.#enqueue(() => this.#handle(msg));
    });
    this.#call.on('end', () => {
      this.#enqueue(() => {
        if (this.isOpen) throw bad(this.#halfCloseMessage());
        return Promise.resolve();
      });
    });
    this.#call.on('cancelled', () => {
      this.#finish();
    });
    this.#call.on('error', () => {
      this.#finish();
    });
  }

  /** Ends the stream with `status` (nothing more is applied from it). */
  end(status: StatusObject): void {
    if (this.#phase === 'closed') return;
    this.#finish();
    this.#call.emit('error', status);
  }

  /** Ends the stream because `winner` took over: a stale refusal when it supersedes this claim. */
  supersededBy(winner: EpochClaim, details: string): void {
    const mine = this.#claim;
    if (mine && (mine.epoch !== winner.epoch || mine.leader !== winner.leader)) {
      this.end(refusalStatus('stale-epoch', details, winner));
    } else {
      this.end({ code: Status.CANCELLED, details, metadata: new Metadata() });
    }
  }

  #halfCloseMessage(): string {
    if (this.#phase === 'hello') return 'the stream ended before a hello';
    if (this.#snapshot) return `the stream ended inside snapshot ${this.#snapshot.revision}`;
    return 'the stream was half-closed (a leader cancels a stream, it never ends it)';
  }

  #finish(): void {
    if (this.#phase === 'closed') return;
    this.#phase = 'closed';
    this.#snapshot = undefined;
    this.#host.closed(this);
  }

  #enqueue(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(step).catch((err: unknown) => {
      this.#log.warn({ err, leader: this.#claim?.leader }, 'replication stream ended');
      this.end(toStatus(err));
    });
  }

  async #handle(msg: LeaderMessage__Output): Promise<void> {
    if (this.#phase === 'closed') return;
    if (this.#phase === 'hello') {
      if (msg.message !== 'hello' || !msg.hello) throw bad('the first message must be a hello');
      await this.#hello(msg.hello);
      return;
    }
    await this.#streaming(msg);
  }

  async #streaming(msg: LeaderMessage__Output): Promise<void> {
    this.#host.heard?.(this);
    if (msg.message === 'snapshot' && msg.snapshot) await this.#snapshotPart(msg.snapshot);
    else if (msg.message === 'delta' && msg.delta) await this.#delta(msg.delta);
    else if (msg.message === 'ping') this.#ack(this.#host.position().revision);
    else throw bad(`unexpected ${msg.message ?? 'empty'} message`);
  }

  async #hello(hello: Hello__Output): Promise<void> {
    const admitted = await this.#host.admit(this, hello);
    if ('code' in admitted) {
      this.end(admitted);
      return;
    }
    if (this.#phase === 'closed') return;
    this.#claim = admitted.claim;
    this.#logId = admitted.logId;
    this.#phase = 'streaming';
    this.#host.heard?.(this);
    this.#call.write({ state: this.#host.state() });
  }

  async #snapshotPart(s: Snapshot__Output): Promise<void> {
    const revision = revisionOf(s.revision);
    const pending = this.#snapshot ?? { revision, objects: [], keys: new Set<ReplicaKey>() };
    if (pending.revision !== revision)
      throw bad(`snapshot part of revision ${revision} inside ${pending.revision}`);
    for (const wire of s.objects) {
      const h = fromWireObject(wire);
      const key = keyOfContent(h.content);
      if (pending.keys.has(key)) throw bad(`snapshot holds ${key} twice`);
      pending.keys.add(key);
      pending.objects.push(h);
    }
    this.#snapshot = pending;
    if (s.more) return;
    this.#snapshot = undefined;
    const applied = this.#appliedInLog();
    if (applied !== undefined && revision <= applied) {
      this.#ack(applied);
      return;
    }
    await this.#host.applySnapshot(this, pending.objects, this.#at(revision));
    this.#ack(revision);
  }

  /** The applied revision when it belongs to this stream's log and epoch, else undefined. */
  #appliedInLog(): number | undefined {
    const pos = this.#host.position();
    const sameLog = pos.logId === this.#logId && pos.epoch === this.#claim?.epoch;
    return sameLog ? pos.revision : undefined;
  }

  async #delta(d: Delta__Output): Promise<void> {
    const revision = revisionOf(d.revision);
    if (this.#snapshot) throw bad('delta inside a snapshot');
    const change = this.#changeOf(d);
    const applied = this.#appliedInLog();
    if (applied !== undefined && revision <= applied) {
      this.#ack(applied);
      return;
    }
    if (applied === undefined || revision !== applied + 1) {
      const pos = this.#host.position();
      const details = `delta ${revision} does not follow applied revision ${pos.revision} of log ${pos.logId || 'none'}`;
      this.end(refusalStatus('revision-gap', details));
      return;
    }
    const receivedAt = performance.timeOrigin + performance.now();
    if (tracingOn() && d.traceparent) await this.#tracedApply(d, change, revision);
    else await this.#host.applyChange(this, change, this.#at(revision));
    // Wall-clock times (ms, sub-ms precision) for the replication benchmark's stage breakdown.
    const at = performance.timeOrigin + performance.now();
    this.#log.debug({ stage: 'follower-write', revision, receivedAt, at }, 'replication stage');
    this.#ack(revision);
  }

  /** Applies a delta in an `amko.replica.write` span, child of the leader's send span. */
  #tracedApply(
    d: Delta__Output,
    change: HashedContent | ReplicaKey,
    revision: number,
  ): Promise<void> {
    const object = d.change === 'put' ? d.put : d.delete;
    return inSpan(
      'amko.replica.write',
      {
        'amko.leader': this.#claim?.leader ?? '',
        'amko.revision': revision,
        'amko.change': d.change ?? '',
        'amko.kind': object?.kind ?? '',
        'amko.namespace': object?.namespace ?? '',
        'amko.name': object?.name ?? '',
      },
      () => this.#host.applyChange(this, change, this.#at(revision)),
      { parent: contextOf(d.traceparent), kind: SpanKind.CONSUMER },
    );
  }

  #changeOf(d: Delta__Output): HashedContent | ReplicaKey {
    if (d.change === 'put' && d.put) return fromWireObject(d.put);
    if (d.change === 'delete' && d.delete) {
      const kind = checkIdentity(d.delete);
      return replicaKey(kind, d.delete.namespace, d.delete.name);
    }
    throw bad('delta without a change');
  }

  #at(revision: number): AppliedPosition {
    const claim = this.#claim ?? { epoch: 0, leader: '' };
    return { leader: claim.leader, epoch: claim.epoch, logId: this.#logId, revision };
  }

  #ack(revision: number): void {
    if (this.#phase === 'closed') return;
    this.#call.write({ ack: { revision: String(revision) } });
  }
}
