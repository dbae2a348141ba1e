/**
 * Asks every member for the highest epoch it has seen (GetState), with a bounded wait, so a new
 * leader can check its claim before its first controller write.
 */
import { messageOf } from '../../shared/errors.js';
import type { FederationTls } from '../../shared/federation/credentials.js';
import { maxClaim, NO_CLAIM, type EpochClaim } from '../../shared/federation/epoch-rules.js';
import {
  callGetState,
  federationClient,
  type PeerEndpoint,
} from '../../shared/federation/federation-client.js';
import type { FederationProto } from '../../shared/federation/proto.js';

export interface EpochSurvey {
  /** The highest claim any member reported (NO_CLAIM when none answered). */
  readonly highest: EpochClaim;
  /** Members that answered. */
  readonly answered: readonly string[];
  /** Members that did not, with why. */
  readonly unreachable: readonly { readonly cluster: string; readonly error: string }[];
}

/** Queries every endpoint at once; each gets `timeoutMs`. */
export async function surveyEpochs(deps: {
  endpoints: readonly PeerEndpoint[];
  proto: FederationProto;
  tls: FederationTls;
  timeoutMs: number;
}): Promise<EpochSurvey> {
  const results = await Promise.all(
    deps.endpoints.map(async (ep) => {
      const client = federationClient(deps.proto, deps.tls, ep);
      try {
        const s = await callGetState(client, ep.cluster, deps.timeoutMs);
        return {
          cluster: ep.cluster,
          claim: { epoch: Number(s.highest_epoch), leader: s.highest_epoch_leader },
        };
      } catch (err) {
        return { cluster: ep.cluster, error: messageOf(err) };
      } finally {
        client.close();
      }
    }),
  );
  let highest = NO_CLAIM;
  const answered: string[] = [];
  const unreachable: { cluster: string; error: string }[] = [];
  for (const r of results) {
    if ('claim' in r) {
      answered.push(r.cluster);
      highest = maxClaim(highest, r.claim);
    } else {
      unreachable.push({ cluster: r.cluster, error: r.error });
    }
  }
  return { highest, answered, unreachable };
}
