/**
 * The Federation service while this cluster leads: it takes no replicas. A Replicate stream from
 * another leader is refused, and its hello tells who wins: a winning claim fences us at once
 * (and is refused as `is-leader`), a losing one is refused as stale, which fences the other side.
 * GetState reports our claim and log position, and tells the replicator that the member asking
 * serves again (a returning follower announces itself so, follower/announce.ts).
 */
import { Metadata, status as Status } from '@grpc/grpc-js';
import { OperatorError } from '../../shared/errors.js';
import {
  isFencedBy,
  maxClaim,
  staleEpochMessage,
  type EpochClaim,
} from '../../shared/federation/epoch-rules.js';
import type {
  FederationHandler,
  ReplicateCall,
} from '../../shared/federation/federation-server.js';
import type { LeaderMessage__Output } from '../../shared/federation/gen/amko/federation/v1/LeaderMessage.js';
import type { State } from '../../shared/federation/gen/amko/federation/v1/State.js';
import { refusalStatus } from '../../shared/federation/grpc-status.js';
import { peersOf, type Membership } from '../../shared/federation/membership.js';
import { memberOf, type PeerIdentity } from '../../shared/federation/peer-identity.js';
import type { Logger } from '../../shared/telemetry/logger.js';

export interface LeaderHandlerDeps {
  /** Our claim. */
  claim: EpochClaim;
  membership: () => Membership;
  /** The winning claim we learnt of, when fenced. */
  fencedBy: () => EpochClaim | undefined;
  /**
   * Our log: its id and head revision; without a log of our own (taking over, fenced), the
   * position this cluster recorded, with its epoch.
   */
  position: () => { logId: string; revision: number; epoch?: number };
  /**
   * The highest claim this cluster has seen, when it may exceed `claim`: a take-over that has not
   * persisted its own claim yet must not hide from another one's survey what it saw (or wrote at).
   */
  highest?: () => EpochClaim;
  onFenced: (by: EpochClaim) => void;
  /** A member (identified by its certificate) asked for our state: it serves again. */
  onMemberAsked?: (cluster: string) => void;
  log: Logger;
}

function denied(details: string): { code: Status; details: string; metadata: Metadata } {
  return { code: Status.PERMISSION_DENIED, details, metadata: new Metadata() };
}

export class LeaderFederationHandler implements FederationHandler {
  readonly #deps: LeaderHandlerDeps;

  constructor(deps: LeaderHandlerDeps) {
    this.#deps = deps;
  }

  replicate(call: ReplicateCall, peer: PeerIdentity): void {
    call.once('data', (msg: LeaderMessage__Output) => {
      this.#onHello(call, peer, msg);
    });
  }

  getState(peer: PeerIdentity): Promise<State> {
    const m = this.#deps.membership();
    const member = memberOf(peer, peersOf(m));
    if (member !== undefined && peer.verified) this.#deps.onMemberAsked?.(member);
    if (member === undefined && peer.verified) {
      return Promise.reject(
        new OperatorError(
          'PEER_NOT_MEMBER',
          'never',
          `not a member of this federation (${m.clusters.join(', ')})`,
        ),
      );
    }
    const fencedBy = this.#deps.fencedBy();
    const seen = this.#deps.highest ? maxClaim(this.#deps.highest(), this.#deps.claim) : undefined;
    const own = seen ?? this.#deps.claim;
    const highest = fencedBy ? maxClaim(fencedBy, own) : own;
    const { logId, revision, epoch } = this.#deps.position();
    return Promise.resolve({
      cluster: m.self,
      highest_epoch: String(highest.epoch),
      highest_epoch_leader: highest.leader,
      applied_revision: String(revision),
      applied_epoch: String(epoch ?? this.#deps.claim.epoch),
      applied_log_id: logId,
      version: m.version,
      role: fencedBy ? 'fenced' : 'leader',
    });
  }

  #onHello(call: ReplicateCall, peer: PeerIdentity, msg: LeaderMessage__Output): void {
    const m = this.#deps.membership();
    const hello = msg.message === 'hello' ? msg.hello : undefined;
    const member = memberOf(peer, peersOf(m), hello?.cluster);
    if (!hello || member === undefined || member !== hello.cluster) {
      call.emit('error', denied(`not a member of this federation (${m.clusters.join(', ')})`));
      return;
    }
    const theirs = { epoch: Number(hello.epoch), leader: member };
    const own = this.#deps.claim;
    if (isFencedBy(own, theirs)) {
      this.#deps.log.warn({ by: theirs }, 'another leader holds a winning claim: fencing');
      this.#deps.onFenced(theirs);
      call.emit('error', refusalStatus('is-leader', `${m.self} is a fenced leader`, own));
      return;
    }
    call.emit('error', refusalStatus('stale-epoch', staleEpochMessage(theirs, own), own));
  }
}
