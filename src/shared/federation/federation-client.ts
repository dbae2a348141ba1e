/**
 * Clients of a peer's Federation service: the channel (mutual TLS checking the peer's cluster
 * name, bounded messages, keepalive) and a GetState call with a deadline.
 */
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { channelCredentials, clientChannelOptions, type FederationTls } from './credentials.js';
import type { Keepalive } from './federation-names.js';
import type { FederationClient } from './gen/amko/federation/v1/Federation.js';
import type { FetchReply__Output } from './gen/amko/federation/v1/FetchReply.js';
import type { State__Output } from './gen/amko/federation/v1/State.js';
import { peerFailure } from './grpc-status.js';
import type { FederationProto } from './proto.js';

/** A member to dial: its cluster context and `host:port`. */
export interface PeerEndpoint {
  readonly cluster: string;
  readonly address: string;
}

/** A client of `peer`'s Federation service (default keepalive unless given). Close it when done. */
export function federationClient(
  proto: FederationProto,
  tls: FederationTls,
  peer: PeerEndpoint,
  keepalive?: Keepalive,
): FederationClient {
  const Federation = proto.grpc.amko.federation.v1.Federation;
  const creds = channelCredentials(tls, peer.cluster);
  return new Federation(peer.address, creds, clientChannelOptions(tls, peer.cluster, keepalive));
}

/** Calls GetState with a deadline; a failure rejects with the classified OperatorError. */
export function callGetState(
  client: FederationClient,
  peer: string,
  timeoutMs: number,
): Promise<State__Output> {
  return new Promise((resolve, reject) => {
    client.GetState(
      {},
      new Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err: ServiceError | null, state?: State__Output) => {
        if (err) reject(peerFailure(err, peer).error);
        else if (state) resolve(state);
        else reject(new Error(`${peer}: empty GetState answer`));
      },
    );
  });
}

/** Calls Fetch with a deadline; a failure rejects with the classified OperatorError. */
export function callFetch(
  client: FederationClient,
  peer: string,
  timeoutMs: number,
): Promise<FetchReply__Output> {
  return new Promise((resolve, reject) => {
    client.Fetch(
      {},
      new Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err: ServiceError | null, reply?: FetchReply__Output) => {
        if (err) reject(peerFailure(err, peer).error);
        else if (reply) resolve(reply);
        else reject(new Error(`${peer}: empty Fetch answer`));
      },
    );
  });
}
