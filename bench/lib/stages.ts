/**
 * The replication stage breakdown: parses the `replication stage` debug lines that the leader's
 * replicator and the followers write (wall-clock times in ms with sub-ms precision) and splits
 * each update's path into stages, per follower:
 *
 *   t0 (patch sent) → leader informer event → log append → delta written to the follower's
 *   stream → follower received it → stored in the follower's apiserver → ack back at the leader
 */
import type { DestinationStream } from 'pino';
import { percentile } from '../measure.js';

export const STAGES = Object.freeze([
  ['watch', 'leader watch delay (patch sent → leader informer event)'],
  ['append', 'log append (informer event → revision in the log)'],
  ['send', 'send (log append → delta written to the stream)'],
  ['transfer', 'transfer (written → follower starts applying)'],
  ['followerWrite', "follower write (→ stored in the follower's apiserver)"],
  ['ack', 'ack (stored → ack seen by the leader)'],
] as const);

export type StageName = (typeof STAGES)[number][0];

interface StageLine {
  site?: string;
  stage?: string;
  peer?: string;
  revision?: number;
  at?: number;
  eventAt?: number;
  receivedAt?: number;
}

/** A pino destination that keeps only the `replication stage` lines. */
export class StageLines implements DestinationStream {
  readonly lines: StageLine[] = [];

  write(msg: string): void {
    if (!msg.includes('"replication stage"')) return;
    this.lines.push(JSON.parse(msg) as StageLine);
  }

  clear(): void {
    this.lines.length = 0;
  }
}

/**
 * Stage durations (ms) over every (update, follower) pair whose stages were all seen.
 * `sentAt` maps each update's revision to the wall-clock time its patch was sent.
 */
interface Indexed {
  appended: Map<number, { eventAt: number; at: number }>;
  sends: Map<string, number>;
  acks: Map<string, number>;
  writes: Map<string, { receivedAt: number; at: number }>;
}

const key = (site: string, revision: number): string => `${site}/${revision}`;

function setFirst(m: Map<string, number>, k: string, v: number): void {
  if (!m.has(k)) m.set(k, v);
}

function indexLines(lines: readonly StageLine[], leader: string): Indexed {
  const ix: Indexed = { appended: new Map(), sends: new Map(), acks: new Map(), writes: new Map() };
  for (const l of lines) {
    const { revision, at } = l;
    if (revision === undefined || at === undefined) continue;
    const fromLeader = l.site === leader;
    if (l.stage === 'log-append' && fromLeader && l.eventAt !== undefined)
      ix.appended.set(revision, { eventAt: l.eventAt, at });
    else if (l.stage === 'send' && fromLeader && l.peer)
      setFirst(ix.sends, key(l.peer, revision), at);
    else if (l.stage === 'ack' && fromLeader && l.peer)
      setFirst(ix.acks, key(l.peer, revision), at);
    else if (l.stage === 'follower-write' && l.site && l.receivedAt !== undefined)
      ix.writes.set(key(l.site, revision), { receivedAt: l.receivedAt, at });
  }
  return ix;
}

/**
 * Stage durations (ms) over every (update, follower) pair whose stages were all seen.
 * `sentAt` maps each update's revision to the wall-clock time its patch was sent.
 */
export function stageDurations(
  lines: readonly StageLine[],
  leader: string,
  sentAt: ReadonlyMap<number, number>,
): Record<StageName, number[]> {
  const { appended, sends, acks, writes } = indexLines(lines, leader);
  const out: Record<StageName, number[]> = {
    watch: [],
    append: [],
    send: [],
    transfer: [],
    followerWrite: [],
    ack: [],
  };
  const followers = [...new Set([...writes.keys()].map((k) => k.split('/')[0] as string))];
  for (const [revision, t0] of sentAt) {
    const a = appended.get(revision);
    if (!a) continue;
    out.watch.push(a.eventAt - t0);
    out.append.push(a.at - a.eventAt);
    for (const f of followers) {
      const sent = sends.get(key(f, revision));
      const written = writes.get(key(f, revision));
      const acked = acks.get(key(f, revision));
      if (sent === undefined || !written || acked === undefined) continue;
      out.send.push(sent - a.at);
      out.transfer.push(written.receivedAt - sent);
      out.followerWrite.push(written.at - written.receivedAt);
      out.ack.push(acked - written.at);
    }
  }
  return out;
}

/** p50 and p99 (ms) of every stage. */
export function stagePercentiles(
  d: Record<StageName, number[]>,
): Record<StageName, { p50: number; p99: number; n: number }> {
  const out = {} as Record<StageName, { p50: number; p99: number; n: number }>;
  for (const [name] of STAGES) {
    const sorted = [...d[name]].sort((a, b) => a - b);
    out[name] = { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length };
  }
  return out;
}

/** Wall-clock now in ms with sub-ms precision, as the stage lines carry it. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
