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

/** Where a member stands in the log of the leader it followed, as it reported. */
export interface MemberPosition {
  readonly cluster: string;
  readonly logId: string;
  readonly epoch: number;
  readonly revision: number;
  /** `follower` for a member that holds replicas; a leader holds its own objects. */
  readonly role: string;
}

export interface EpochSurvey {
  /** The highest claim any member reported (NO_CLAIM when none answered). */
  readonly highest: EpochClaim;
  /** The highest claim each member that answered reported. */
  readonly claims: readonly EpochClaim[];
  /** Members that answered. */
  readonly answered: readonly string[];
  /** The applied position of each member that answered. */
  readonly positions: readonly MemberPosition[];
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
          position: {
            cluster: ep.cluster,
            logId: s.applied_log_id,
            epoch: Number(s.applied_epoch),
            revision: Number(s.applied_revision),
            role: s.role,
          },
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
  const positions: MemberPosition[] = [];
  const claims: EpochClaim[] = [];
  const unreachable: { cluster: string; error: string }[] = [];
  for (const r of results) {
    if ('claim' in r && r.position) {
      answered.push(r.cluster);
      positions.push(r.position);
      claims.push(r.claim);
      highest = maxClaim(highest, r.claim);
    } else {
      unreachable.push({ cluster: r.cluster, error: r.error });
    }
  }
  return { highest, claims, answered, positions, unreachable };
}
