/**
 * The follower service of one process of the federation simulation, as follower-service.ts
 * does it: the Federation handler in force takes each new stream; while following, one real
 * follower session step (follower/session-step.ts) per stream, admissions persisting the claim,
 * writes landing on the disk in call order and answered later. Memory only, but for the disk.
 * Only the simulation and its tests import this file.
 */
import { Metadata, status as Status, type StatusObject } from '@grpc/grpc-js';
import {
  compareClaims,
  isFencedBy,
  maxClaim,
  staleEpochMessage,
  type EpochClaim,
} from '../../src/shared/federation/epoch-rules.js';
import type { Hello__Output } from '../../src/shared/federation/gen/amko/federation/v1/Hello.js';
import {
  comparePositions,
  NO_POSITION,
  type AppliedPosition,
} from '../../src/shared/federation/log-position.js';
import { peerFailure, refusalStatus } from '../../src/shared/federation/grpc-status.js';
import { admitHello } from '../../src/follower/admission.js';
import { endingStatus } from '../../src/follower/replication-session.js';
import {
  goesForward,
  initialSession,
  step as followerStep,
  transitionViolations,
  violations as sessionViolations,
  type FollowerSessionState,
  type SessionEffect,
  type SessionEvent,
} from '../../src/follower/session-step.js';
import { unavailable, type Down, type Stream } from './federation-sim-net.js';
import { presentHashes } from './federation-sim-oracle.js';
import type { SimProcess, SimWorld } from './federation-sim-process.js';
import { appliedOf, settle } from './federation-sim-disk.js';
import { frontOf } from '../../src/roles/leadership-step.js';

type Hello = Hello__Output;
type FSession = FollowerSessionState<Hello>;

export class SimFollower {
  sessions = new Map<
    number,
    { state: FSession; stream: Stream; snapshot: boolean; witnessed: boolean }
  >();
  active: number | undefined;
  /** What this follower service applied since it started (follower-service.ts's #position). */
  applied: AppliedPosition = NO_POSITION;
  readonly #world: SimWorld;
  readonly #proc: SimProcess;

  constructor(world: SimWorld, proc: SimProcess) {
    this.#world = world;
    this.#proc = proc;
  }

  /** A (re)start of the follower service: nothing of memory is left. */
  reset(): void {
    this.sessions = new Map();
    this.active = undefined;
    this.applied = NO_POSITION;
  }

  /** Ends every stream (the follower service stops). */
  stopAll(status: StatusObject): void {
    for (const id of [...this.sessions.keys()]) this.feed(id, { type: 'stop', cause: status });
  }

  /** A message (or the hello of a new stream) arrives from a leader. */
  deliver(stream: Stream, m: Down): void {
    if (!stream.accepted) {
      stream.accepted = true;
      this.#accept(stream, m);
      return;
    }
    if (this.sessions.has(stream.id)) this.feed(stream.id, m);
  }

  /** The Federation handler in force takes a new stream (role-switch.ts's front). */
  #accept(stream: Stream, m: Down): void {
    const front = frontOf(this.#proc.lead);
    if (front.handler === 'follower' && this.#proc.following) {
      this.sessions.set(stream.id, {
        state: initialSession(),
        stream,
        snapshot: false,
        witnessed: false,
      });
      this.feed(stream.id, m);
      return;
    }
    stream.followerDone = true;
    if ((front.handler !== 'leader' && front.handler !== 'fenced') || m.type !== 'hello') {
      stream.endPending = unavailable(this.#proc.name, 'stream ended');
      return;
    }
    // leader-federation-handler.ts: a winning claim fences us, a losing one is stale.
    const own = front.claim ?? { epoch: 0, leader: this.#proc.name };
    const theirs = { epoch: Number(m.hello.epoch), leader: m.hello.cluster };
    if (isFencedBy(own, theirs)) {
      this.#proc.dispatch({ type: 'higher-epoch', by: theirs, source: 'peer' });
      stream.endPending = peerFailure(
        refusalStatus('is-leader', 'fenced leader', own),
        this.#proc.name,
      );
    } else {
      const stale = refusalStatus('stale-epoch', staleEpochMessage(theirs, own), own);
      stream.endPending = peerFailure(stale, this.#proc.name);
    }
  }

  /** One step of the follower session of stream `id`, checked, and its effects. */
  feed(id: number, e: SessionEvent<Hello>): void {
    const s = this.sessions.get(id);
    if (!s) return;
    const r = followerStep(s.state, e);
    for (const v of [...sessionViolations(r.state), ...transitionViolations(s.state, r)])
      this.#world.violation(`${this.#proc.name} session ${id}: ${v}`);
    s.state = r.state;
    for (const fx of r.effects) this.#sessionEffect(id, fx);
  }

  #sessionEffect(id: number, fx: SessionEffect<Hello>): void {
    const s = this.sessions.get(id);
    if (!s) return;
    switch (fx.type) {
      case 'admit':
        this.feed(id, this.#admit(id, fx.hello));
        return;
      case 'send-state': {
        const p = s.state.applied;
        const report = {
          highest: this.#proc.disk.highest,
          appliedRevision: p.revision,
          appliedEpoch: p.epoch,
          appliedLogId: p.logId,
        };
        if (!s.stream.followerDone) s.stream.up.push({ kind: 'state', report, role: 'follower' });
        return;
      }
      case 'heard':
      case 'controller-view':
        // The simulated leader writes to no controller: it sends no controller view.
        return;
      case 'apply-snapshot':
      case 'apply-delta':
        this.#write(id, fx);
        return;
      case 'ack':
        this.#ack(s.stream, s.state, fx.revision);
        return;
      case 'close':
        this.#closed(id, fx.ending ? endingStatus(fx.ending) : undefined);
        return;
    }
  }

  #admit(id: number, hello: Hello): SessionEvent<Hello> {
    const s = this.sessions.get(id);
    const decision = admitHello({
      hello,
      peer: { verified: true, names: [s?.stream.leader ?? ''] },
      membership: this.#proc.membership,
      highest: this.#proc.disk.highest,
    });
    if (!decision.ok) return { type: 'refused', cause: decision.status };
    this.#proc.disk.highest = maxClaim(this.#proc.disk.highest, decision.claim);
    this.#proc.learn(this.#proc.disk.highest);
    if (compareClaims(decision.claim, this.#proc.disk.highest) < 0) {
      const details = staleEpochMessage(decision.claim, this.#proc.disk.highest);
      return {
        type: 'refused',
        cause: refusalStatus('stale-epoch', details, this.#proc.disk.highest),
      };
    }
    const previous = this.active;
    this.active = id;
    if (previous !== undefined && previous !== id) this.#supersede(previous, decision.claim);
    return {
      type: 'admitted',
      claim: decision.claim,
      logId: decision.logId,
      position: this.applied,
    };
  }

  /** replication-session.ts supersededBy: stale for another claim, cancelled for the same. */
  #supersede(id: number, winner: EpochClaim): void {
    const mine = this.sessions.get(id)?.state.claim;
    const details = `replaced by a stream from ${winner.leader} at epoch ${winner.epoch}`;
    const cause =
      mine && (mine.epoch !== winner.epoch || mine.leader !== winner.leader)
        ? refusalStatus('stale-epoch', details, winner)
        : { code: Status.CANCELLED, details, metadata: new Metadata() };
    this.feed(id, { type: 'stop', cause });
  }

  /** The write lands at once (the applier keeps call order per object); its answer comes later. */
  #write(id: number, fx: Extract<SessionEffect, { type: 'apply-snapshot' | 'apply-delta' }>): void {
    const s = this.sessions.get(id);
    if (!s) return;
    s.snapshot = fx.type === 'apply-snapshot';
    s.witnessed = false;
    if (this.active !== id) return;
    const { oracle } = this.#world;
    const disk = this.#proc.disk;
    if (fx.type === 'apply-snapshot') {
      const expected = oracle.stateAt(fx.at.logId, fx.at.revision);
      const sent = new Map(fx.objects.map((h) => [keyOf(h), h.hash]));
      if (JSON.stringify([...presentHashes(expected)].sort()) !== JSON.stringify([...sent].sort()))
        this.#world.violation(
          `${this.#proc.name}: snapshot ${fx.at.logId}@${fx.at.revision} is not the log's state`,
        );
      // follower-service.ts: the witnessed position is recorded before the snapshot writes. Its
      // marks witness nothing; replicas it leaves witness no more than what was just recorded.
      settle(disk);
      disk.witnesses.clear();
      disk.objects = expected;
      return;
    }
    this.#writeDelta(s, fx);
  }

  /** One change lands: a put writes (its replica witnesses the change) unless unchanged. */
  #writeDelta(
    s: { witnessed: boolean },
    fx: Extract<SessionEffect, { type: 'apply-delta' }>,
  ): void {
    const disk = this.#proc.disk;
    const entry = this.#world.oracle.entry(fx.at.logId, fx.at.revision);
    const hash = typeof fx.change === 'string' ? undefined : fx.change.hash;
    if (!entry || entry.version.content?.hash !== hash)
      this.#world.violation(
        `${this.#proc.name}: delta ${fx.at.logId}@${fx.at.revision} is not the log's entry`,
      );
    if (!entry) return;
    const before = disk.objects.get(entry.key);
    if (!entry.version.content) {
      // A delete: recorded first, as the replica removed may be the witness.
      settle(disk);
      disk.witnesses.delete(entry.key);
    } else if (before?.content?.hash !== entry.version.content.hash) {
      // Written: the replica's marks witness this change (replica-writer.ts, one write).
      disk.witnesses.set(entry.key, fx.at);
      s.witnessed = true;
      this.#world.count('witnessedWrites');
    }
    disk.objects.set(entry.key, entry.version);
  }

  /** The answer of the write in flight on stream `id`: recorded when still the active stream. */
  completeWrite(id: number, ok: boolean): void {
    const s = this.sessions.get(id);
    const at = s?.state.writing;
    if (!s || !at) return;
    if (!ok || this.active !== id || s.state.phase !== 'streaming') {
      if (!ok) this.#world.count('writeFailures');
      this.feed(id, { type: 'write-failed', cause: new Error('write failed') });
      return;
    }
    // Since this follower service started: a restarted one asks for a snapshot again.
    if (!goesForward(this.applied, at, s.snapshot))
      this.#world.violation(
        `${this.#proc.name} applies ${at.logId}@${at.revision} after ${this.applied.logId}@${this.applied.revision}`,
      );
    // The position (recorded or witnessed) never goes back: a promoted member trusts it after a
    // restart too.
    const was = appliedOf(this.#proc.disk);
    const order = comparePositions(at, was);
    if (order === -1 || order === undefined)
      this.#world.violation(
        `${this.#proc.name} records ${at.logId}@${at.revision} over ${was.logId}@${was.revision}`,
      );
    // A change whose replica was written is persisted by it; anything else is recorded.
    if (!s.witnessed) this.#proc.disk.position = at;
    this.applied = at;
    this.feed(id, { type: 'written' });
  }

  #ack(stream: Stream, state: FSession, revision: number): void {
    const held = state.applied.logId === stream.logId && state.applied.epoch === state.claim?.epoch;
    if (revision > 0 && (!held || state.applied.revision < revision))
      this.#world.violation(
        `${this.#proc.name} acks ${revision} of ${stream.logId} holding ${state.applied.logId}@${state.applied.revision}`,
      );
    else if (revision > 0)
      this.#world.oracle.ack({ follower: this.#proc.name, logId: stream.logId, revision });
    if (!stream.followerDone) stream.up.push({ kind: 'ack', revision });
  }

  #closed(id: number, status: ReturnType<typeof endingStatus> | undefined): void {
    const s = this.sessions.get(id);
    this.sessions.delete(id);
    if (this.active === id) this.active = undefined;
    if (!s || s.stream.followerDone) return;
    s.stream.followerDone = true;
    s.stream.down = [];
    s.stream.endPending = status
      ? peerFailure(status, this.#proc.name)
      : unavailable(this.#proc.name, 'stream ended');
  }
}

function keyOf(h: { content: { kind: string; namespace: string; name: string } }): string {
  return `${h.content.kind}/${h.content.namespace}/${h.content.name}`;
}
