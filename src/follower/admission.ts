/**
 * Whether a follower takes a Replicate stream, decided from the hello, the peer's certificate,
 * the federation membership and the highest claim seen. Pure; the session persists the claim
 * and answers.
 */
import { status as Status, Metadata, type StatusObject } from '@grpc/grpc-js';
import {
  admitClaim,
  staleEpochMessage,
  type EpochClaim,
} from '../shared/federation/epoch-rules.js';
import type { Hello__Output } from '../shared/federation/gen/amko/federation/v1/Hello.js';
import { refusalStatus } from '../shared/federation/grpc-status.js';
import { peersOf, type Membership } from '../shared/federation/membership.js';
import { memberOf, type PeerIdentity } from '../shared/federation/peer-identity.js';

export type HelloDecision =
  | { readonly ok: true; readonly claim: EpochClaim; readonly logId: string }
  | { readonly ok: false; readonly status: StatusObject };

function refuse(code: Status, details: string): HelloDecision {
  return { ok: false, status: { code, details, metadata: new Metadata() } };
}

/** The member cluster a peer is, or a PERMISSION_DENIED status. */
export function checkPeer(
  peer: PeerIdentity,
  m: Membership,
  claimed?: string,
): { ok: true; member: string } | { ok: false; status: StatusObject } {
  const member = memberOf(peer, peersOf(m), claimed);
  if (member !== undefined) return { ok: true, member };
  const who = peer.verified
    ? `certificate names ${peer.names.join(', ') || 'nothing'}`
    : `peer says ${claimed ?? 'nothing'}`;
  const details = `${who}: not a member of this federation (${m.clusters.join(', ')})`;
  return {
    ok: false,
    status: { code: Status.PERMISSION_DENIED, details, metadata: new Metadata() },
  };
}

/**
 * Decides on a hello: the peer must be a listed member and say so in its hello; its claim must
 * equal or supersede the highest seen (else a stale-epoch refusal naming the current leader);
 * its version must equal ours exactly.
 */
export function admitHello(input: {
  hello: Hello__Output | null | undefined;
  peer: PeerIdentity;
  membership: Membership;
  highest: EpochClaim;
}): HelloDecision {
  const { hello, peer, membership, highest } = input;
  if (!hello?.cluster)
    return refuse(Status.INVALID_ARGUMENT, 'the first message must be a hello naming the leader');
  const checked = checkPeer(peer, membership, hello.cluster);
  if (!checked.ok) return checked;
  if (checked.member !== hello.cluster) {
    return refuse(
      Status.PERMISSION_DENIED,
      `hello names ${hello.cluster} but the certificate names ${checked.member}`,
    );
  }
  const epoch = Number(hello.epoch);
  if (!Number.isSafeInteger(epoch) || epoch < 1)
    return refuse(Status.INVALID_ARGUMENT, `invalid epoch ${hello.epoch}`);
  const incoming = { epoch, leader: checked.member };
  const admission = admitClaim(highest, incoming);
  if (!admission.accept) {
    return {
      ok: false,
      status: refusalStatus('stale-epoch', staleEpochMessage(incoming, highest), highest),
    };
  }
  if (hello.version !== membership.version) {
    const details = `version mismatch, current AMKO: ${membership.version}, AMKO in cluster ${checked.member}: ${hello.version}`;
    return { ok: false, status: refusalStatus('version-mismatch', details) };
  }
  return { ok: true, claim: admission.claim, logId: hello.log_id };
}
