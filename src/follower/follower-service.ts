/**
 * The follower's side of the Federation service: admits at most one leader stream at a time (a
 * listed peer, an epoch not stale, the same version), persists a new claim before answering,
 * applies what the stream carries through the replica applier and answers GetState.
 *
 * The position the replicas stand for is persisted before they are acked, so GetState and Fetch
 * tell a promoted member the truth after a restart too. A change that writes its replica persists
 * it by that write (the replica's log and revision marks, replica-plan.ts witnessOf); a delete or
 * an unchanged object records it in the epoch store, and the witnessed position is recorded there
 * too once replication has been quiet for a second (or every ten seconds), for people reading
 * `status.applied`. Before a snapshot overwrites, or a delete removes, the replicas that witness
 * it, it is recorded. While a snapshot replaces the replicas the old position stays: the snapshot
 * comes from a leader admitted at a claim no lower, whose log holds everything the old position
 * did, so every replica is at least as new as that position at every moment. A stream is told nothing of the
 * position until this service has applied something itself: its first leader sends a snapshot,
 * which also puts back whatever was changed while amko was down.
 */
import type { WrittenObject } from '../shared/federation/controller-view.js';
import type { StatusObject } from '@grpc/grpc-js';
import {
  compareClaims,
  staleEpochMessage,
  type EpochClaim,
} from '../shared/federation/epoch-rules.js';
import type { EpochStore } from '../shared/federation/epoch-store.js';
import type { FederationHandler, ReplicateCall } from '../shared/federation/federation-server.js';
import type { Hello__Output } from '../shared/federation/gen/amko/federation/v1/Hello.js';
import type { FetchReply } from '../shared/federation/gen/amko/federation/v1/FetchReply.js';
import type { State } from '../shared/federation/gen/amko/federation/v1/State.js';
import { refusalStatus } from '../shared/federation/grpc-status.js';
import type { PeerIdentity } from '../shared/federation/peer-identity.js';
import {
  toWireObject,
  type HashedContent,
  type ReplicaKey,
} from '../shared/federation/replicated-object.js';
import type { Logger } from '../shared/telemetry/logger.js';
import { messageOf, OperatorError } from '../shared/errors.js';
import type { Membership } from '../shared/federation/membership.js';
import { admitHello, checkPeer } from './admission.js';
import type { ReplicaApplier } from './replica-applier.js';
import { NO_POSITION } from '../shared/federation/log-position.js';
import {
  ReplicationSession,
  type AppliedPosition,
  type SessionHost,
} from './replication-session.js';

export interface FollowerServiceDeps {
  applier: ReplicaApplier;
  epochs: EpochStore;
  membership: () => Membership;
  log: Logger;
  /** Told after every applied snapshot or change. */
  onApplied?: (position: AppliedPosition) => void;
  /** Told of every message from the active leader stream (hello, snapshot, delta, ping). */
  onContact?: (leader: string) => void;
  /** Told what the active leader wrote to the controller (for a hot standby's view). */
  onControllerView?: (objects: readonly WrittenObject[]) => void;
  /** Quiet time after a witnessed change before it is recorded in the status (default 1 s). */
  settleAfterMs?: number;
}

/** The longest a witnessed position waits to be recorded while changes keep coming. */
const SETTLE_AT_LEAST_EVERY_MS = 10_000;

export class FollowerService implements FederationHandler, SessionHost {
  readonly #deps: FollowerServiceDeps;
  /** What this service has applied since it started: what a stream is told at admission. */
  #position: AppliedPosition = NO_POSITION;
  #active: ReplicationSession | undefined;
  readonly #sessions = new Set<ReplicationSession>();
  #settle: { timer: NodeJS.Timeout; since: number } | undefined;

  constructor(deps: FollowerServiceDeps) {
    this.#deps = deps;
  }

  /** The leader stream currently applied, if any. */
  get activeLeader(): EpochClaim | undefined {
    return this.#active?.isOpen ? this.#active.claim : undefined;
  }

  replicate(call: ReplicateCall, peer: PeerIdentity): void {
    const session = new ReplicationSession({ call, peer, host: this, log: this.#deps.log });
    this.#sessions.add(session);
    session.start();
  }

  /** Members may ask; in plaintext (`--insecure`) nobody can be identified, so anyone may. */
  getState(peer: PeerIdentity): Promise<State> {
    const refused = this.#refusal(peer);
    if (refused) return Promise.reject(refused);
    return Promise.resolve(this.state());
  }

  /** The replicas and the position they stand for, to a member being promoted. */
  fetch(peer: PeerIdentity): Promise<FetchReply> {
    const refused = this.#refusal(peer);
    if (refused) return Promise.reject(refused);
    const state = this.state();
    const objects = this.#deps.applier.contents().map(toWireObject);
    this.#deps.log.info(
      { peer, objects: objects.length, revision: state.applied_revision },
      'replicas fetched by a member',
    );
    return Promise.resolve({ state, objects });
  }

  #refusal(peer: PeerIdentity): OperatorError | undefined {
    if (!peer.verified) return undefined;
    const checked = checkPeer(peer, this.#deps.membership());
    return checked.ok
      ? undefined
      : new OperatorError('PEER_NOT_MEMBER', 'never', checked.status.details);
  }

  async admit(
    session: ReplicationSession,
    hello: Hello__Output,
  ): Promise<{ claim: EpochClaim; logId: string } | StatusObject> {
    const { epochs, membership, log } = this.#deps;
    const decision = admitHello({
      hello,
      peer: session.peer,
      membership: membership(),
      highest: epochs.highest(),
    });
    if (!decision.ok) {
      log.warn(
        { peer: session.peer, code: decision.status.code, details: decision.status.details },
        'replication stream refused',
      );
      return decision.status;
    }
    const highest = await epochs.raise(decision.claim);
    if (compareClaims(decision.claim, highest) < 0) {
      return refusalStatus('stale-epoch', staleEpochMessage(decision.claim, highest), highest);
    }
    if (!session.isOpen)
      return refusalStatus('stale-epoch', 'stream closed during admission', highest);
    const previous = this.#active;
    this.#active = session;
    if (previous && previous !== session) {
      previous.supersededBy(
        decision.claim,
        `replaced by a stream from ${decision.claim.leader} at epoch ${decision.claim.epoch}`,
      );
    }
    log.info(
      { leader: decision.claim.leader, epoch: decision.claim.epoch, logId: decision.logId },
      'replication stream admitted',
    );
    return decision;
  }

  /** GetState's answer: the position recorded unless `p` (a stream's own) is given. */
  state(p: AppliedPosition = this.#deps.epochs.applied()): State {
    const m = this.#deps.membership();
    const highest = this.#deps.epochs.highest();
    return {
      cluster: m.self,
      highest_epoch: String(highest.epoch),
      highest_epoch_leader: highest.leader,
      applied_revision: String(p.revision),
      applied_epoch: String(p.epoch),
      applied_log_id: p.logId,
      version: m.version,
      role: 'follower',
    };
  }

  position(): AppliedPosition {
    return this.#position;
  }

  async applySnapshot(
    session: ReplicationSession,
    objects: readonly HashedContent[],
    at: AppliedPosition,
  ): Promise<void> {
    this.#checkActive(session);
    // The snapshot may overwrite the replicas that witness the position: record it first.
    await this.#deps.epochs.settle();
    this.#checkActive(session);
    const marks = { leader: at.leader, epoch: at.epoch, revision: at.revision };
    const { written, deleted } = await this.#deps.applier.replaceAll(
      objects,
      marks,
      () => this.#active === session && session.isOpen,
    );
    this.#checkActive(session);
    await this.#record(at);
    this.#deps.log.info(
      { revision: at.revision, objects: objects.length, written, deleted },
      'snapshot applied',
    );
  }

  async applyChange(
    session: ReplicationSession,
    change: HashedContent | ReplicaKey,
    at: AppliedPosition,
  ): Promise<void> {
    this.#checkActive(session);
    if (typeof change === 'string') {
      // The replica deleted may be the one that witnesses the position: record it first.
      await this.#deps.epochs.settle();
      this.#checkActive(session);
      await this.#deps.applier.remove(change);
      this.#checkActive(session);
      await this.#record(at);
      return;
    }
    const { leader, epoch, revision, logId } = at;
    const outcome = await this.#deps.applier.put(change, { leader, epoch, revision, logId });
    this.#checkActive(session);
    // Written: the replica's marks witness `at`. Unchanged: its marks are older, so record.
    if (outcome === 'unchanged') await this.#record(at);
    else this.#witnessed(at);
  }

  /** What the leader of `session` wrote to the controller: taken from the active stream only. */
  controllerView(session: ReplicationSession, objects: readonly WrittenObject[]): void {
    if (this.#active === session && session.isOpen) this.#deps.onControllerView?.(objects);
  }

  heard(session: ReplicationSession): void {
    const leader = session.claim?.leader;
    if (this.#active === session && session.isOpen && leader !== undefined) {
      this.#deps.onContact?.(leader);
    }
  }

  closed(session: ReplicationSession): void {
    this.#sessions.delete(session);
    if (this.#active === session) this.#active = undefined;
  }

  /** Ends every stream (the follower is stopping). */
  closeAll(status: StatusObject): void {
    for (const s of [...this.#sessions]) s.end(status);
    if (this.#settle) clearTimeout(this.#settle.timer);
    this.#settle = undefined;
  }

  #checkActive(session: ReplicationSession): void {
    if (this.#active !== session || !session.isOpen) {
      throw new OperatorError('PEER_UNAVAILABLE', 'backoff', 'stream no longer the active one');
    }
  }

  /** Persists `at` (the ack waits for it), then reports it. */
  async #record(at: AppliedPosition): Promise<void> {
    await this.#deps.epochs.recordApplied(at);
    this.#position = at;
    this.#deps.onApplied?.(at);
  }

  /** `at` is persisted by the replica just written: noted, reported, recorded later. */
  #witnessed(at: AppliedPosition): void {
    this.#deps.epochs.witness(at);
    this.#position = at;
    this.#deps.onApplied?.(at);
    this.#scheduleSettle();
  }

  /** Records the witnessed position once changes pause (at least every ten seconds). */
  #scheduleSettle(delayMs = this.#deps.settleAfterMs ?? 1_000): void {
    const since = this.#settle?.since ?? Date.now();
    if (this.#settle) {
      if (Date.now() - since >= SETTLE_AT_LEAST_EVERY_MS) return;
      clearTimeout(this.#settle.timer);
    }
    const timer = setTimeout(() => {
      this.#settle = undefined;
      this.#deps.epochs.settle().catch((err: unknown) => {
        this.#deps.log.warn(
          { err: messageOf(err) },
          'could not record the applied position in status.applied (the replicas still carry it); retrying',
        );
        this.#scheduleSettle(Math.min(delayMs * 2, SETTLE_AT_LEAST_EVERY_MS));
      });
    }, delayMs);
    timer.unref();
    this.#settle = { timer, since };
  }
}
