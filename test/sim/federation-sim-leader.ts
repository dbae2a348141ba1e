/**
 * The replicator of one process of the federation simulation: its log, and one real leader
 * session step (leader/replicator/session-step.ts) per follower, driven the way peer-driver.ts
 * drives it. Memory only: a crash loses the log (a restarted leader starts a new one). Only the
 * simulation and its tests import this file.
 */
import type { EpochClaim } from '../../src/shared/federation/epoch-rules.js';
import { newLogId } from '../../src/shared/federation/log-position.js';
import {
  hashed,
  keyOfContent,
  type ReplicaContent,
} from '../../src/shared/federation/replicated-object.js';
import { ReplicationLog } from '../../src/leader/replicator/replication-log.js';
import {
  INITIAL_STATE,
  step,
  type SessionContext,
  type SessionInput,
  type SessionOutput,
  type SessionState,
} from '../../src/leader/replicator/session-step.js';
import { downOf, unavailable, type Stream, type Up } from './federation-sim-net.js';
import type { Version } from './federation-sim-oracle.js';
import type { SimProcess, SimWorld } from './federation-sim-process.js';
import type { PeerFailure } from '../../src/shared/federation/grpc-status.js';

/** Revisions a log retains (small, so that followers fall behind it and need snapshots). */
const RETAIN = 3;
const WINDOW = 3;

export interface Peer {
  state: SessionState;
  stream: Stream | undefined;
  retryDue: boolean;
}

export function objectNamed(name: string, seq: number): ReplicaContent {
  return {
    kind: 'GlobalDeploymentPolicy',
    namespace: 'avi-system',
    name,
    spec: { seq },
    labels: {},
    annotations: {},
  };
}

export class SimLeader {
  log: ReplicationLog | undefined;
  readonly peers = new Map<string, Peer>();
  #ctx: SessionContext | undefined;
  #logs = 0;
  readonly #world: SimWorld;
  readonly #proc: SimProcess;

  constructor(world: SimWorld, proc: SimProcess) {
    this.#world = world;
    this.#proc = proc;
  }

  reset(): void {
    this.log = undefined;
    this.#ctx = undefined;
    this.peers.clear();
  }

  /** startReplicator: a new log holding every object of this cluster, a session per member. */
  start(claim: EpochClaim): void {
    const proc = this.#proc;
    const logId = newLogId(
      ++proc.disk.logSequence,
      proc.name,
      `${proc.incarnation}-${++this.#logs}`,
    );
    const log = new ReplicationLog({ logId, retain: RETAIN });
    // role-effects.ts: the position recorded is now this cluster's own log.
    proc.disk.position = { leader: proc.name, epoch: claim.epoch, logId, revision: 0 };
    this.log = log;
    this.#world.oracle.startLog(logId, claim, proc.disk.objects);
    for (const [key, version] of proc.disk.objects) {
      if (!version.content) continue;
      const revision = log.put(version.content);
      if (revision !== undefined) this.#record(revision, key, version);
    }
    this.#ctx = { self: claim, log, window: WINDOW, snapshotChunkBytes: 400, backoff: () => 100 };
    for (const c of this.#world.clusters) {
      if (c === proc.name) continue;
      this.peers.set(c, { state: INITIAL_STATE, stream: undefined, retryDue: false });
      this.input(c, { type: 'start' });
    }
  }

  stop(): void {
    for (const c of [...this.peers.keys()]) this.input(c, { type: 'stop' });
    this.reset();
  }

  #record(revision: number, key: ReturnType<typeof keyOfContent>, version: Version): void {
    const log = this.log;
    if (!log) return;
    for (const v of this.#world.oracle.record(log.logId, revision, key, version))
      this.#world.violation(`${this.#proc.name}: ${v}`);
  }

  /** A user edits (or deletes) an object on the leader's cluster: the source watch logs it. */
  edit(name: string, remove: boolean): boolean {
    const disk = this.#proc.disk;
    const key = keyOfContent(objectNamed(name, 0));
    const seq = this.#world.oracle.nextSeq();
    let revision: number | undefined;
    let version: Version;
    if (remove) {
      if (!disk.objects.get(key)?.content) return false;
      disk.witnesses.delete(key);
      version = { seq };
      revision = this.log?.delete(key);
    } else {
      version = { seq, content: hashed(objectNamed(name, seq)) };
      revision = this.log?.put(version.content as NonNullable<Version['content']>);
    }
    disk.objects.set(key, version);
    if (revision === undefined) return true;
    this.#record(revision, key, version);
    for (const c of [...this.peers.keys()]) this.input(c, { type: 'log-advanced' });
    return true;
  }

  /** One step of the session to `c`, checked, and its outbox. */
  input(c: string, input: SessionInput): void {
    const p = this.peers.get(c);
    const ctx = this.#ctx;
    if (!p || !ctx) return;
    const r = step(p.state, input, ctx);
    p.state = r.state;
    const { acked, sent } = r.state;
    if (acked > sent || sent > ctx.log.head)
      this.#world.violation(
        `${this.#proc.name}→${c}: I1 acked ${acked} sent ${sent} head ${ctx.log.head}`,
      );
    for (const out of r.outbox) {
      const delta = out.type === 'send' ? out.message.delta : undefined;
      if (delta && Number(delta.revision) - acked > ctx.window)
        this.#world.violation(
          `${this.#proc.name}→${c}: I3 delta ${String(delta.revision)}, acked ${acked}`,
        );
    }
    for (const out of r.outbox) this.#execute(c, p, out);
  }

  #execute(c: string, p: Peer, out: SessionOutput): void {
    switch (out.type) {
      case 'open':
        this.#open(c, p);
        return;
      case 'send':
        if (p.stream && !p.stream.leaderDone) p.stream.down.push(downOf(out.message));
        return;
      case 'close':
        this.#cancel(p);
        return;
      case 'retry-after':
        p.retryDue = true;
        return;
      case 'fenced':
        this.#proc.dispatch({ type: 'higher-epoch', by: out.by, source: 'refusal' });
        return;
      case 'report':
        if (p.state.heard === true) this.#proc.dispatch({ type: 'heard', members: [c] });
        return;
    }
  }

  #open(c: string, p: Peer): void {
    this.#cancel(p);
    const ctx = this.#ctx;
    if (!ctx) return;
    const s = this.#world.openStream(this.#proc.name, c, ctx.log.logId);
    p.stream = s;
    const hello = {
      cluster: ctx.self.leader,
      epoch: String(ctx.self.epoch),
      version: 'v1',
      log_id: ctx.log.logId,
    };
    s.down.push(downOf({ hello }));
  }

  #cancel(p: Peer): void {
    const s = p.stream;
    p.stream = undefined;
    if (!s || s.leaderDone) return;
    s.leaderDone = true;
    s.up = [];
    if (!s.followerDone) s.cancelPending = true;
  }

  /** A message of the follower on `s`; ignored unless `s` is the current stream. */
  up(c: string, s: Stream, m: Up): void {
    if (this.peers.get(c)?.stream !== s) return;
    if (m.kind === 'state') this.input(c, { type: 'peer-state', report: m.report });
    else this.input(c, { type: 'ack', revision: m.revision, at: this.#world.now });
  }

  /** `s` ended on the follower's side (or broke). */
  ended(c: string, s: Stream, failure: PeerFailure | undefined): void {
    const p = this.peers.get(c);
    if (p?.stream !== s) return;
    p.stream = undefined;
    this.input(c, { type: 'stream-ended', failure: failure ?? unavailable(c, 'stream broke') });
  }
}
