/**
 * Reads the AMKOCluster of every other member of the federation through the member's kubeconfig
 * context (the federation set's names are kubeconfig context names), each with a deadline, so a
 * command can show where every member stands and who else claims to lead.
 */
import type { AmkoCluster } from '../shared/crd/amko-cluster.js';
import { messageOf } from '../shared/errors.js';
import { AmkoApi } from './amko-api.js';
import type { CommonFlags } from './cli-flags.js';
import type { CliIo } from './cli-io.js';
import { loadTarget } from './kube-target.js';
import { memberPositions, type MemberPositionView, type MemberRead } from './positions.js';

export const DEFAULT_PEER_TIMEOUT = '5s';

export interface Survey {
  /** This cluster's name in the federation set (spec.clusterContext, else the context). */
  self: string;
  reads: MemberRead[];
  positions: MemberPositionView[];
}

async function withDeadline<T>(io: CliIo, ms: number, what: Promise<T>): Promise<T> {
  const stop = new AbortController();
  const timeout = io.clock.sleep(ms, stop.signal).then(() => {
    throw new Error(`no answer within ${ms} ms`);
  });
  try {
    return await Promise.race([what, timeout]);
  } finally {
    stop.abort(new Error('done'));
    timeout.catch(() => undefined);
  }
}

/** Reads one member's AMKOCluster, or says why it could not. */
async function readMember(
  flags: Pick<CommonFlags, 'kubeconfig'>,
  cluster: string,
  io: CliIo,
  timeoutMs: number,
): Promise<MemberRead> {
  try {
    const api = new AmkoApi(loadTarget(flags, cluster));
    return { cluster, amkoCluster: await withDeadline(io, timeoutMs, api.findAmkoCluster()) };
  } catch (err) {
    return { cluster, error: messageOf(err).replace(/\s*\n\s*/g, ' ') };
  }
}

/** Every member's AMKOCluster (this cluster's as given), and their positions. */
export async function surveyMembers(input: {
  flags: Pick<CommonFlags, 'kubeconfig'>;
  context: string;
  own: AmkoCluster;
  io: CliIo;
  timeoutMs: number;
}): Promise<Survey> {
  const spec = input.own.spec ?? {};
  const self = spec.clusterContext ?? input.context;
  const clusters = [...new Set([self, ...(spec.clusters ?? [])])].filter((c) => c !== '');
  const others = await Promise.all(
    clusters
      .filter((c) => c !== self)
      .map((c) => readMember(input.flags, c, input.io, input.timeoutMs)),
  );
  const reads: MemberRead[] = [{ cluster: self, amkoCluster: input.own }, ...others];
  return { self, reads, positions: memberPositions(clusters, reads) };
}

/** Another member that is reachable, told to lead, reports role leader, and is not stale. */
export interface LiveLeader {
  cluster: string;
  epoch: number;
  role: string;
  statusTime?: string;
}

/** Another member whose own AMKOCluster says it is told to lead and leads (not fenced). */
function leadsByOwnStatus(p: MemberPositionView, self: string): boolean {
  return (
    p.cluster !== self && p.source === 'own-status' && p.isLeader === true && p.role === 'leader'
  );
}

/**
 * The other members that lead as far as their own status says: spec.isLeader, status role
 * `leader` (a fenced leader reports `fenced`), and a status written within `staleAfterMs` (when
 * given; amko writes its status only when something changes, so by default age does not count).
 */
export function liveLeaders(
  survey: Survey,
  now: number,
  staleAfterMs: number | undefined,
): { live: LiveLeader[]; stale: LiveLeader[] } {
  const live: LiveLeader[] = [];
  const stale: LiveLeader[] = [];
  for (const p of survey.positions) {
    if (!leadsByOwnStatus(p, survey.self)) continue;
    const leader: LiveLeader = { cluster: p.cluster, epoch: p.epoch ?? 0, role: p.role ?? '' };
    if (p.statusTime !== undefined) leader.statusTime = p.statusTime;
    const age = p.statusTime === undefined ? Infinity : now - Date.parse(p.statusTime);
    if (staleAfterMs !== undefined && age > staleAfterMs) stale.push(leader);
    else live.push(leader);
  }
  return { live, stale };
}
