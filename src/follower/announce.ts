/**
 * A follower that starts serving tells the other members it is back by asking each for its
 * state. The leader, whose session to this member may be waiting out its reconnect backoff (up
 * to 5 s), reconnects at once (leader-federation-handler.ts `onMemberAsked`). Best effort: an
 * answer, a refusal or no answer changes nothing here.
 */
import { messageOf } from '../shared/errors.js';
import type { FederationTls } from '../shared/federation/credentials.js';
import {
  callGetState,
  federationClient,
  type PeerEndpoint,
} from '../shared/federation/federation-client.js';
import type { FederationProto } from '../shared/federation/proto.js';
import type { Logger } from '../shared/telemetry/logger.js';

export interface AnnounceDeps {
  proto: FederationProto;
  tls: FederationTls;
  endpoints: readonly PeerEndpoint[];
  log: Logger;
  timeoutMs?: number;
}

/** Asks every member in `endpoints` for its state; resolves once all answered or failed. */
export async function announceReturn(deps: AnnounceDeps): Promise<void> {
  await Promise.all(
    deps.endpoints.map(async (ep) => {
      const client = federationClient(deps.proto, deps.tls, ep);
      try {
        await callGetState(client, ep.cluster, deps.timeoutMs ?? 3_000);
      } catch (err) {
        deps.log.debug({ member: ep.cluster, err: messageOf(err) }, 'member not told we are back');
      } finally {
        client.close();
      }
    }),
  );
}
