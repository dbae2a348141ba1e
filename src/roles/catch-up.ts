/**
 * Promotion loses nothing, whoever is promoted. Raft elects only up-to-date candidates; an
 * operator may promote any follower, so a promoted follower that is behind another member on the
 * same old leader's log first fetches that member's replicated objects (Federation.Fetch) and
 * applies them to its own cluster, before it writes to the controller or replicates anything.
 * Otherwise its first snapshot would roll the more up-to-date member back and the revisions that
 * member acknowledged would be lost.
 *
 * A member at a higher applied epoch is ahead whatever its log; on the same epoch, a member on a
 * later log of that epoch's leader (restarted) is ahead whatever its revision.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { retryPaceOf } from '../shared/backoff.js';
import { OperatorError, messageOf } from '../shared/errors.js';
import type { FederationTls } from '../shared/federation/credentials.js';
import type { EpochClaim } from '../shared/federation/epoch-rules.js';
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
import {
  comparePositions,
  logOrigin,
  NO_POSITION,
  type AppliedPosition,
} from '../shared/federation/log-position.js';

/**
 * The follower furthest ahead of `own`, if any is ahead (pure; log-position.ts orders them).
 * Leaders hold no replicas; a member on a log that cannot be ordered against ours is not ahead,
 * and neither is one on a log of `self` (this cluster's own earlier take-over): what it holds
 * came from our own objects, which may be newer.
 */
export function memberAhead(
  own: AppliedPosition | undefined,
  members: readonly MemberPosition[],
  self?: string,
): MemberPosition | undefined {
  const base = own ?? NO_POSITION;
  const ahead = members.filter(
    (m) =>
      m.role === 'follower' &&
      m.logId !== '' &&
      (self === undefined || logOrigin(m.logId)?.leader !== self) &&
      comparePositions(m, base) === 1,
  );
  return ahead.sort((a, b) => comparePositions(b, a) ?? 0)[0];
}

/**
 * The leadership claims a survey's answers show (pure): the leader of every log a member holds a
 * position on, and each member answering as a leader or fenced leader without a log. A leader
 * fenced, demoted or restarted since still shows in its followers' positions and in its own
 * recorded one (it records its leadership before its first write), so a take-over at its epoch
 * sees the tie.
 */
export function claimsSeen(positions: readonly MemberPosition[]): EpochClaim[] {
  const out: EpochClaim[] = [];
  for (const p of positions) {
    if (p.epoch <= 0) continue;
    const origin = logOrigin(p.logId);
    if (origin) out.push({ epoch: p.epoch, leader: origin.leader });
    else if (p.role !== 'follower') out.push({ epoch: p.epoch, leader: p.cluster });
  }
  return out;
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
  /** The position the member's replicas stood for when fetched. */
  readonly position: AppliedPosition;
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
      const logId = reply.state?.applied_log_id ?? '';
      return {
        from: member.cluster,
        position: { leader: logOrigin(logId)?.leader ?? '', epoch, logId, revision },
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
