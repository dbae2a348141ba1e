/**
 * Promotion loses nothing, whoever is promoted. Raft elects only up-to-date candidates; an
 * operator may promote any follower, so a promoted follower that is behind another member on the
 * same old leader's log first fetches that member's replicated objects (Federation.Fetch) and
 * applies them to its own cluster, before it writes to the controller or replicates anything.
 * Otherwise its first snapshot would roll the more up-to-date member back and the revisions that
 * member acknowledged would be lost.
 *
 * Members on another log (another leader, or the same leader restarted) cannot be ordered by
 * revision; a member at a higher applied epoch is ahead whatever its log.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { retryPaceOf } from '../shared/backoff.js';
import { OperatorError, messageOf } from '../shared/errors.js';
import type { FederationTls } from '../shared/federation/credentials.js';
import {
  callFetch,
  federationClient,
  type PeerEndpoint,
} from '../shared/federation/federation-client.js';
import type { FederationProto } from '../shared/federation/proto.js';
import { fromWireObject, type HashedContent } from '../shared/federation/replicated-object.js';
import type { Logger } from '../shared/telemetry/logger.js';
import type { MemberPosition } from '../leader/replicator/epoch-check.js';
import { ReplicaApplier } from '../follower/replica-applier.js';
import { ReplicaWriter } from '../follower/replica-writer.js';
import type { AppliedPosition } from '../follower/replication-session.js';

/** The follower furthest ahead of `own`, if any is ahead (pure). Leaders hold no replicas. */
export function memberAhead(
  own: AppliedPosition | undefined,
  members: readonly MemberPosition[],
): MemberPosition | undefined {
  const ownEpoch = own?.epoch ?? 0;
  const ownRevision = own?.revision ?? 0;
  const ahead = members.filter((m) => {
    if (m.role !== 'follower' || m.logId === '' || m.revision === 0) return false;
    if (m.epoch > ownEpoch) return true;
    return m.epoch === ownEpoch && m.logId === own?.logId && m.revision > ownRevision;
  });
  return ahead.sort((a, b) => b.epoch - a.epoch || b.revision - a.revision)[0];
}

export interface CatchUpDeps {
  readonly kubeConfig: KubeConfig;
  readonly proto: FederationProto;
  readonly tls: FederationTls;
  readonly endpoints: readonly PeerEndpoint[];
  readonly log: Logger;
  readonly timeoutMs: number;
  /**
   * Attempts at the fetch before giving up (each with `timeoutMs`, one after the other); a failure
   * whose retry class is `never` ends them at once.
   */
  readonly attempts?: number;
}

export interface CaughtUp {
  readonly from: string;
  readonly revision: number;
  readonly objects: number;
  readonly written: number;
  readonly deleted: number;
  /** What was applied (the member's replicas). */
  readonly contents: readonly HashedContent[];
}

/** Fetches `member`'s replicas and applies them here, as one snapshot of the old log. */
export async function catchUpFrom(
  deps: CatchUpDeps,
  own: AppliedPosition | undefined,
  member: MemberPosition,
): Promise<CaughtUp> {
  const ep = deps.endpoints.find((e) => e.cluster === member.cluster);
  if (!ep)
    throw new OperatorError('PEER_UNAVAILABLE', 'backoff', `no endpoint for ${member.cluster}`);
  const attempts = deps.attempts ?? 3;
  let last: unknown;
  for (let i = 1; i <= attempts; i++) {
    const client = federationClient(deps.proto, deps.tls, ep);
    try {
      const reply = await callFetch(client, ep.cluster, deps.timeoutMs);
      const revision = Number(reply.state?.applied_revision ?? '0');
      const epoch = Number(reply.state?.applied_epoch ?? '0');
      const objects = reply.objects.map(fromWireObject);
      const applier = new ReplicaApplier({
        writer: new ReplicaWriter(deps.kubeConfig),
        log: deps.log,
      });
      const marks = { leader: own?.leader ?? '', epoch, revision };
      const { written, deleted } = await applier.replaceAll(objects, marks);
      return {
        from: member.cluster,
        revision,
        objects: objects.length,
        written,
        deleted,
        contents: objects,
      };
    } catch (err) {
      last = err;
      deps.log.warn(
        { from: member.cluster, attempt: i, err: messageOf(err) },
        'could not fetch the replicas of a member that is ahead',
      );
      if (retryPaceOf(err) === 'never') break;
    } finally {
      client.close();
    }
  }
  throw new OperatorError(
    'PEER_UNAVAILABLE',
    'backoff',
    `could not catch up from ${member.cluster} (revision ${member.revision}): ${messageOf(last)}`,
    { cause: last },
  );
}
