/**
 * Where each member of the federation stands, from the AMKOCluster statuses the plugin could read,
 * and what a promotion will do about it. Pure.
 *
 * A follower's status records what it has applied: `leader` (the leader it follows), `epoch`
 * (the highest epoch it has seen) and `revision` (the last revision of that leader's log it
 * applied). A leader's status records the head of its log (`revision`) and, per member, the
 * revision that member acknowledged (`members[].appliedRevision`). The status carries no log id,
 * so the leader a follower follows stands in for the log: amko itself compares log ids, which it
 * learns from the members when it promotes.
 */
import type { AmkoCluster } from '../shared/crd/amko-cluster.js';
import type { MemberPosition } from '../leader/replicator/epoch-check.js';
import { memberAhead } from '../roles/catch-up.js';

/** How a member's position is known. */
export type PositionSource =
  /** Its own AMKOCluster status, read through its kubeconfig context. */
  | 'own-status'
  /** The leader's status (`members[].appliedRevision`): its own could not be read. */
  | 'leader-status'
  /** Nothing is known: its cluster could not be read and no leader reports it. */
  | 'unknown';

/** One member's position (the JSON field names are part of the plugin's output). */
export interface MemberPositionView {
  cluster: string;
  source: PositionSource;
  /** spec.isLeader of its AMKOCluster (own-status only). */
  isLeader?: boolean;
  role?: string;
  /** The leader whose log the revision belongs to. */
  leader?: string;
  epoch?: number;
  revision?: number;
  /** When its status was last written (own-status only, from the status field manager). */
  statusTime?: string;
  /** Why its cluster could not be read. */
  error?: string;
  /** A follower's LeaderReachable condition: True, False or Unknown (own-status only). */
  leaderReachable?: string;
  /** When that follower last heard from its leader (status.leaderLastContact). */
  leaderLastContact?: string;
  /** True for the member(s) at the highest epoch, then the highest revision. */
  mostUpToDate: boolean;
}

/** What was read from one member's cluster. */
export type MemberRead =
  { cluster: string; amkoCluster: AmkoCluster } | { cluster: string; error: string };

/** When the status of `obj` was last written: its status field manager's time, or undefined. */
export function statusTimeOf(obj: AmkoCluster): string | undefined {
  const meta = obj.metadata as { managedFields?: { subresource?: string; time?: unknown }[] };
  const times = (meta?.managedFields ?? [])
    .filter((f) => f.subresource === 'status' && f.time !== undefined)
    .map((f) => (f.time instanceof Date ? f.time.toISOString() : String(f.time)));
  const acks = (obj.status?.members ?? []).flatMap((m) => (m.lastAckTime ? [m.lastAckTime] : []));
  const all = [...times, ...acks].filter((t) => !Number.isNaN(Date.parse(t)));
  return all.sort((a, b) => Date.parse(b) - Date.parse(a))[0];
}

function ownView(cluster: string, obj: AmkoCluster): MemberPositionView {
  const s = obj.status ?? {};
  const view: MemberPositionView = {
    cluster,
    source: 'own-status',
    isLeader: obj.spec?.isLeader === true,
    mostUpToDate: false,
  };
  if (s.role !== undefined) view.role = s.role;
  if (s.leader !== undefined) view.leader = s.leader;
  if (s.epoch !== undefined) view.epoch = s.epoch;
  if (s.revision !== undefined) view.revision = s.revision;
  const time = statusTimeOf(obj);
  if (time !== undefined) view.statusTime = time;
  const reachable = s.conditions?.find((c) => c.type === 'LeaderReachable')?.status;
  if (reachable !== undefined) view.leaderReachable = reachable;
  if (s.leaderLastContact) view.leaderLastContact = s.leaderLastContact;
  return view;
}

/**
 * The leader that no follower hears: every follower whose status could be read says
 * LeaderReachable False for it. Undefined when some follower hears it, or none says.
 */
export function leaderUnheard(
  positions: readonly MemberPositionView[],
): { leader: string; followers: MemberPositionView[] } | undefined {
  const followers = positions.filter(
    (p) => p.source === 'own-status' && p.role === 'follower' && p.leaderReachable !== undefined,
  );
  if (followers.length === 0 || followers.some((p) => p.leaderReachable !== 'False')) return;
  const leader = followers.find((p) => p.leader)?.leader ?? 'the leader';
  return { leader, followers };
}

/** A warning line when no follower hears the leader, else undefined. */
export function leaderUnheardLine(positions: readonly MemberPositionView[]): string | undefined {
  const u = leaderUnheard(positions);
  if (!u) return undefined;
  const each = u.followers.map(
    (p) => `${p.cluster} last heard from it ${p.leaderLastContact ?? 'never'}`,
  );
  return `WARNING: no follower hears ${u.leader} (${each.join('; ')}): it may be down or cut off`;
}

/** The member's position as a leader that can be read reports it. */
function fromLeader(cluster: string, reads: readonly MemberRead[]): MemberPositionView | undefined {
  for (const r of reads) {
    if (!('amkoCluster' in r)) continue;
    const s = r.amkoCluster.status ?? {};
    if (s.role !== 'leader') continue;
    const m = s.members?.find((x) => x.cluster === cluster);
    if (m?.appliedRevision === undefined) continue;
    const view: MemberPositionView = {
      cluster,
      source: 'leader-status',
      role: 'follower',
      revision: m.appliedRevision,
      mostUpToDate: false,
    };
    if (s.leader !== undefined) view.leader = s.leader;
    if (s.epoch !== undefined) view.epoch = s.epoch;
    return view;
  }
  return undefined;
}

const ranked = (v: MemberPositionView): boolean =>
  v.revision !== undefined && v.epoch !== undefined && v.role !== undefined;

function compare(a: MemberPositionView, b: MemberPositionView): number {
  return (a.epoch ?? 0) - (b.epoch ?? 0) || (a.revision ?? 0) - (b.revision ?? 0);
}

/**
 * The position of every member in `clusters` (in that order), from what was read on each, and the
 * most up-to-date one(s) marked: highest epoch, then highest revision.
 */
export function memberPositions(
  clusters: readonly string[],
  reads: readonly MemberRead[],
): MemberPositionView[] {
  const views = clusters.map((cluster): MemberPositionView => {
    const read = reads.find((r) => r.cluster === cluster);
    if (read && 'amkoCluster' in read) return ownView(cluster, read.amkoCluster);
    const viaLeader = fromLeader(cluster, reads);
    const error = read && 'error' in read ? read.error : undefined;
    if (viaLeader) return error === undefined ? viaLeader : { ...viaLeader, error };
    return {
      cluster,
      source: 'unknown',
      mostUpToDate: false,
      ...(error === undefined ? {} : { error }),
    };
  });
  const candidates = views.filter(ranked);
  const best = candidates.sort(compare).at(-1);
  return views.map((v) =>
    best && ranked(v) && compare(v, best) === 0 ? { ...v, mostUpToDate: true } : v,
  );
}

/** A status position as amko's survey reports one; the followed leader stands in for the log. */
function asMemberPosition(v: MemberPositionView): MemberPosition {
  return {
    cluster: v.cluster,
    logId: v.leader ?? '',
    epoch: v.epoch ?? 0,
    revision: v.revision ?? 0,
    role: v.role ?? '',
  };
}

/**
 * The member `target` will first catch up from when promoted, by amko's own rule (memberAhead):
 * only a follower holds something to catch up from, and only a follower target catches up.
 */
export function catchUpSource(
  target: string,
  positions: readonly MemberPositionView[],
): MemberPositionView | undefined {
  const own = positions.find((p) => p.cluster === target);
  if (own?.role !== 'follower' || !ranked(own)) return undefined;
  const ownPos = asMemberPosition(own);
  const others = positions.filter((p) => p.cluster !== target && ranked(p));
  const ahead = memberAhead(
    { leader: ownPos.logId, epoch: ownPos.epoch, logId: ownPos.logId, revision: ownPos.revision },
    others.map(asMemberPosition),
  );
  return ahead && others.find((p) => p.cluster === ahead.cluster);
}

function describe(v: MemberPositionView): string {
  if (v.revision === undefined) return 'no position known';
  const of = v.leader ? ` of ${v.leader}'s log` : '';
  return `revision ${v.revision}${of} at epoch ${v.epoch ?? 0}`;
}

/** Rows of the members' positions for a text table. */
export function positionRows(positions: readonly MemberPositionView[]): string[][] {
  return positions.map((p) => [
    `${p.cluster}${p.mostUpToDate ? ' *' : ''}`,
    p.role ?? '-',
    p.leader ?? '-',
    p.epoch === undefined ? '-' : String(p.epoch),
    p.revision === undefined ? '-' : String(p.revision),
    p.leaderReachable ?? '-',
    p.source === 'unknown' ? `unreachable${p.error ? `: ${p.error}` : ''}` : p.source,
  ]);
}

export const POSITION_HEADERS = [
  'MEMBER',
  'ROLE',
  'LEADER',
  'EPOCH',
  'APPLIED',
  'HEARS-LEADER',
  'FROM',
];
export const POSITION_LEGEND = '* most up to date (highest epoch, then highest applied revision)';

/** One line about the catch-up a promotion of `target` will do, if any. */
export function catchUpLine(target: string, positions: readonly MemberPositionView[]): string {
  const own = positions.find((p) => p.cluster === target);
  const from = catchUpSource(target, positions);
  if (!from) return `${target} is not behind any follower: no catch-up needed`;
  return (
    `${target} is behind ${from.cluster} (${own ? describe(own) : '?'} < ${describe(from)}): ` +
    `on promotion it will first catch up from ${from.cluster} (fetch and apply its replicas) ` +
    `before writing to the controller or replicating`
  );
}
