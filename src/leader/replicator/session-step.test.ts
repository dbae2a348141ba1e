import assert from 'node:assert/strict';
import { Metadata, status as Status } from '@grpc/grpc-js';
import type { LeaderMessage } from '../../shared/federation/gen/amko/federation/v1/LeaderMessage.js';
import {
  peerFailure,
  refusalStatus,
  type PeerFailure,
} from '../../shared/federation/grpc-status.js';
import {
  hashed,
  keyOfContent,
  type ReplicaContent,
  type ReplicaKey,
} from '../../shared/federation/replicated-object.js';
import { ReplicationLog } from './replication-log.js';
import { replicationBackoff } from './replicator.js';
import {
  INITIAL_STATE,
  snapshotMessages,
  step,
  type PeerReport,
  type SessionContext,
  type SessionInput,
  type SessionOutput,
  type SessionState,
} from './session-step.js';

const self = Object.freeze({ epoch: 4, leader: 'cluster1' });
const ghr = (name: string, v: number): ReplicaContent => ({
  kind: 'GSLBHostRule',
  namespace: 'default',
  name,
  spec: { fqdn: `${name}.example.com`, ttl: v },
  labels: {},
  annotations: {},
});

function context(log: ReplicationLog, window = 4): SessionContext {
  return { self, log, window, snapshotChunkBytes: 600, backoff: replicationBackoff };
}

const unavailable = (): PeerFailure =>
  peerFailure({ code: Status.UNAVAILABLE, details: 'down', metadata: new Metadata() }, 'p');
const report = (over: Partial<PeerReport> = {}): PeerReport => ({
  highest: self,
  appliedRevision: 0,
  appliedEpoch: 0,
  appliedLogId: '',
  ...over,
});

function run(
  state: SessionState,
  inputs: SessionInput[],
  ctx: SessionContext,
): { state: SessionState; out: SessionOutput[] } {
  const out: SessionOutput[] = [];
  for (const input of inputs) {
    const r = step(state, input, ctx);
    state = r.state;
    out.push(...r.outbox);
  }
  return { state, out };
}

const sent = (out: SessionOutput[]): LeaderMessage[] =>
  out.flatMap((o) => (o.type === 'send' ? [o.message] : []));

describe('replication session state machine', () => {
  it('opens, then sends a fresh follower a snapshot at the head', () => {
    const log = new ReplicationLog({ logId: 'L', retain: 100 });
    log.put(hashed(ghr('a', 1)));
    log.put(hashed(ghr('b', 1)));
    const ctx = context(log);
    const { state, out } = run(
      INITIAL_STATE,
      [{ type: 'start' }, { type: 'peer-state', report: report() }],
      ctx,
    );
    assert.deepEqual(out[0], { type: 'open' });
    const msgs = sent(out);
    assert.ok(msgs.every((m) => m.snapshot?.revision === '2'));
    assert.equal(msgs.flatMap((m) => m.snapshot?.objects ?? []).length, 2);
    assert.equal(msgs.at(-1)?.snapshot?.more, false);
    assert.equal(state.phase, 'streaming');
    assert.equal(state.sent, 2);
    assert.equal(state.acked, 0);
  });

  it('sends a follower of the same log only the deltas after its applied revision', () => {
    const log = new ReplicationLog({ logId: 'L', retain: 100 });
    for (let i = 1; i <= 5; i++) log.put(hashed(ghr('a', i)));
    const ctx = context(log, 10);
    const r = report({ appliedRevision: 3, appliedEpoch: 4, appliedLogId: 'L' });
    const { state, out } = run(
      INITIAL_STATE,
      [{ type: 'start' }, { type: 'peer-state', report: r }],
      ctx,
    );
    assert.deepEqual(
      sent(out).map((m) => m.delta?.revision),
      ['4', '5'],
    );
    assert.equal(state.acked, 3);
  });

  it('sends a snapshot to a follower of another epoch, another log, or behind the retained log', () => {
    const log = new ReplicationLog({ logId: 'L', retain: 2 });
    for (let i = 1; i <= 9; i++) log.put(hashed(ghr('a', i)));
    const ctx = context(log, 10);
    for (const r of [
      report({ appliedRevision: 8, appliedEpoch: 3, appliedLogId: 'L' }),
      report({ appliedRevision: 8, appliedEpoch: 4, appliedLogId: 'M' }),
      report({ appliedRevision: 1, appliedEpoch: 4, appliedLogId: 'L' }),
      report({ appliedRevision: 12, appliedEpoch: 4, appliedLogId: 'L' }),
    ]) {
      const { out } = run(
        INITIAL_STATE,
        [{ type: 'start' }, { type: 'peer-state', report: r }],
        ctx,
      );
      assert.ok(sent(out)[0]?.snapshot, JSON.stringify(r));
    }
  });

  it('keeps at most `window` revisions in flight and sends more on acks', () => {
    const log = new ReplicationLog({ logId: 'L', retain: 100 });
    log.put(hashed(ghr('a', 0)));
    const ctx = context(log, 2);
    const r = report({ appliedRevision: 1, appliedEpoch: 4, appliedLogId: 'L' });
    let { state } = run(INITIAL_STATE, [{ type: 'start' }, { type: 'peer-state', report: r }], ctx);
    for (let i = 1; i <= 5; i++) log.put(hashed(ghr('a', i)));
    let res = run(state, [{ type: 'log-advanced' }], ctx);
    assert.deepEqual(
      sent(res.out).map((m) => m.delta?.revision),
      ['2', '3'],
    );
    res = run(res.state, [{ type: 'ack', revision: 2, at: 10 }], ctx);
    assert.deepEqual(
      sent(res.out).map((m) => m.delta?.revision),
      ['4'],
    );
    state = res.state;
    assert.equal(state.lastAckAt, 10);
    assert.equal(state.sent - state.acked, 2);
  });

  it('backs off after a broken stream, longer each time, and resets once established', () => {
    const log = new ReplicationLog({ logId: 'L', retain: 100 });
    const ctx = context(log);
    let s = run(INITIAL_STATE, [{ type: 'start' }], ctx).state;
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = run(
        s,
        [{ type: 'stream-ended', failure: unavailable() }, { type: 'retry-due' }],
        ctx,
      );
      s = r.state;
      for (const o of r.out) if (o.type === 'retry-after') delays.push(o.delayMs);
    }
    assert.deepEqual(delays, [200, 400, 800]);
    assert.equal(s.lastError, 'p: UNAVAILABLE: down');
    s = run(s, [{ type: 'peer-state', report: report() }], ctx).state;
    assert.equal(s.attempt, 0);
    assert.equal(s.lastError, undefined);
  });

  it('is fenced by a refusal naming a winning claim, and by a follower that saw one', () => {
    const log = new ReplicationLog({ logId: 'L', retain: 100 });
    const ctx = context(log);
    const winner = { epoch: 5, leader: 'cluster2' };
    const refusal = peerFailure(refusalStatus('stale-epoch', 'stale', winner), 'cluster2');
    const a = run(
      INITIAL_STATE,
      [{ type: 'start' }, { type: 'stream-ended', failure: refusal }],
      ctx,
    );
    assert.equal(a.state.phase, 'fenced');
    assert.deepEqual(
      a.out.find((o) => o.type === 'fenced'),
      { type: 'fenced', by: winner },
    );
    const after = run(
      a.state,
      [{ type: 'retry-due' }, { type: 'log-advanced' }, { type: 'start' }],
      ctx,
    );
    assert.deepEqual(after.out, []);
    const b = run(
      INITIAL_STATE,
      [{ type: 'start' }, { type: 'peer-state', report: report({ highest: winner }) }],
      ctx,
    );
    assert.equal(b.state.phase, 'fenced');
    assert.ok(!sent(b.out).some((m) => m.snapshot));
  });

  it('has heard the follower once it told its epoch: state or a refusal naming a claim', () => {
    const ctx = context(new ReplicationLog({ logId: 'L', retain: 100 }));
    const cut = run(
      INITIAL_STATE,
      [{ type: 'start' }, { type: 'stream-ended', failure: unavailable() }],
      ctx,
    );
    assert.notEqual(cut.state.heard, true, 'an unreachable follower told us nothing');
    const answered = run(
      cut.state,
      [{ type: 'retry-due' }, { type: 'peer-state', report: report() }],
      ctx,
    );
    assert.equal(answered.state.heard, true);
    const older = { epoch: 3, leader: 'cluster3' };
    const refusal = peerFailure(refusalStatus('is-leader', 'leads', older), 'cluster3');
    const refused = run(
      INITIAL_STATE,
      [{ type: 'start' }, { type: 'stream-ended', failure: refusal }],
      ctx,
    );
    assert.equal(refused.state.phase, 'backoff');
    assert.equal(refused.state.heard, true, 'an old leader naming a lower claim was heard');
  });

  it('is not fenced by a refusal naming a losing claim', () => {
    const ctx = context(new ReplicationLog({ logId: 'L', retain: 100 }));
    const loser = { epoch: 4, leader: 'cluster0' };
    const f = peerFailure(refusalStatus('is-leader', 'leader', loser), 'cluster0');
    const r = run(INITIAL_STATE, [{ type: 'start' }, { type: 'stream-ended', failure: f }], ctx);
    assert.equal(r.state.phase, 'backoff');
    assert.ok(r.out.some((o) => o.type === 'retry-after' && o.delayMs === 5_000));
  });

  it('splits a large snapshot into parts of one revision', () => {
    const log = new ReplicationLog({ logId: 'L', retain: 100 });
    for (let i = 0; i < 10; i++) log.put(hashed(ghr(`h${i}`, i)));
    const parts = snapshotMessages(log, 600);
    assert.ok(parts.length > 1);
    assert.ok(parts.slice(0, -1).every((p) => p.snapshot?.more === true));
    assert.equal(parts.flatMap((p) => p.snapshot?.objects ?? []).length, 10);
  });
});

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const keyOf = (o: { kind?: string; namespace?: string; name?: string }): ReplicaKey =>
  `${o.kind ?? ''}/${o.namespace ?? ''}/${o.name ?? ''}` as ReplicaKey;

/** The follower as the protocol sees it: applied position and object hashes. */
class ModelFollower {
  logId = '';
  epoch = 0;
  revision = 0;
  objects = new Map<ReplicaKey, string>();
  #pending: Map<ReplicaKey, string> | undefined;

  /** Returns the revisions to ack, or `gap` when the stream must end. */
  receive(m: LeaderMessage, session: { logId: string; epoch: number }): number[] | 'gap' {
    if (m.snapshot) return this.#snapshot(m.snapshot, session);
    if (m.delta) return this.#delta(m.delta, session.logId);
    return m.ping ? [this.revision] : [];
  }

  dropPending(): void {
    this.#pending = undefined;
  }

  #snapshot(
    s: NonNullable<LeaderMessage['snapshot']>,
    session: { logId: string; epoch: number },
  ): number[] {
    const pending = this.#pending ?? new Map<ReplicaKey, string>();
    for (const o of s.objects ?? []) pending.set(keyOf(o), o.content_hash ?? '');
    this.#pending = s.more ? pending : undefined;
    if (s.more) return [];
    this.objects = pending;
    this.logId = session.logId;
    this.epoch = session.epoch;
    this.revision = Number(s.revision);
    return [this.revision];
  }

  #delta(d: NonNullable<LeaderMessage['delta']>, logId: string): number[] | 'gap' {
    const rev = Number(d.revision);
    if (this.logId !== logId || rev !== this.revision + 1) return 'gap';
    if (d.put) this.objects.set(keyOf(d.put), d.put.content_hash ?? '');
    if (d.delete) this.objects.delete(keyOf(d.delete));
    this.revision = rev;
    return [rev];
  }
}

/** One leader session and a model follower over a seeded transport that drops and reorders turns. */
class Simulation {
  readonly log = new ReplicationLog({ logId: 'L', retain: 6 });
  readonly ctx = context(this.log, 3);
  readonly follower = new ModelFollower();
  state = INITIAL_STATE;
  toFollower: LeaderMessage[] = [];
  toLeader: SessionInput[] = [];
  retryPending = false;
  streamOpen = false;
  lastDelta = 0;

  dispatch(input: SessionInput): void {
    const before = this.state;
    const r = step(this.state, input, this.ctx);
    this.state = r.state;
    for (const o of r.outbox) this.#execute(o, before);
    assert.ok(
      this.state.acked <= this.state.sent,
      `I1 acked ${this.state.acked} > sent ${this.state.sent}`,
    );
    assert.ok(
      this.state.sent <= this.log.head,
      `I1 sent ${this.state.sent} > head ${this.log.head}`,
    );
  }

  breakStream(): void {
    this.streamOpen = false;
    this.toFollower = [];
    this.toLeader = [];
    this.dispatch({ type: 'stream-ended', failure: unavailable() });
  }

  deliverToFollower(at: number): void {
    const m = this.toFollower.shift() as LeaderMessage;
    const res = this.follower.receive(m, { logId: this.log.logId, epoch: self.epoch });
    if (res === 'gap') this.breakStream();
    else for (const rev of res) this.toLeader.push({ type: 'ack', revision: rev, at });
  }

  #execute(o: SessionOutput, before: SessionState): void {
    if (o.type === 'open') this.#open();
    else if (o.type === 'send') this.#send(o.message, before);
    else if (o.type === 'close') this.streamOpen = false;
    else if (o.type === 'retry-after') this.retryPending = true;
  }

  #open(): void {
    this.streamOpen = true;
    this.toFollower = [];
    this.follower.dropPending();
    const { revision, epoch, logId } = this.follower;
    this.toLeader = [
      {
        type: 'peer-state',
        report: report({ appliedRevision: revision, appliedEpoch: epoch, appliedLogId: logId }),
      },
    ];
    this.lastDelta = -1;
  }

  #send(message: LeaderMessage, before: SessionState): void {
    assert.ok(
      before.phase === 'streaming' || this.state.phase === 'streaming',
      'I4 send before state',
    );
    if (message.delta) {
      const rev = Number(message.delta.revision);
      if (this.lastDelta >= 0)
        assert.equal(rev, this.lastDelta + 1, 'I2 deltas in order without gaps');
      assert.ok(rev - this.state.acked <= this.ctx.window, 'I3 window');
      this.lastDelta = rev;
    } else if (message.snapshot) {
      this.lastDelta = Number(message.snapshot.revision);
    }
    this.toFollower.push(message);
  }
}

const KEYS = ['a', 'b', 'c', 'd', 'e'];

/** One random turn: a change on the leader, a broken stream, a delivery, a timer. */
function turn(sim: Simulation, rnd: () => number, tick: number, calm: boolean): void {
  const r = rnd();
  if (!calm && r < 0.15) {
    const k = KEYS[Math.floor(rnd() * KEYS.length)] ?? 'a';
    if (rnd() < 0.25) sim.log.delete(keyOfContent(ghr(k, 0)));
    else sim.log.put(hashed(ghr(k, Math.floor(rnd() * 1000))));
    sim.dispatch({ type: 'log-advanced' });
  } else if (!calm && r < 0.18 && sim.streamOpen) {
    sim.breakStream();
  } else if (r < 0.55 && sim.toFollower.length > 0) {
    sim.deliverToFollower(tick);
  } else if (r < 0.9 && sim.toLeader.length > 0) {
    sim.dispatch(sim.toLeader.shift() as SessionInput);
  } else if (sim.retryPending) {
    sim.retryPending = false;
    sim.dispatch({ type: 'retry-due' });
  } else if (r > 0.98) {
    sim.dispatch({ type: 'ping-due' });
  }
}

describe('replication session under a lossy transport (seeded)', () => {
  for (const seed of [1, 2, 3, 7, 42, 99, 1234, 5555]) {
    it(`converges with invariants held, seed ${seed}`, () => {
      const sim = new Simulation();
      const rnd = prng(seed);
      sim.dispatch({ type: 'start' });
      for (let tick = 0; tick < 3000; tick++) turn(sim, rnd, tick, tick > 2000);
      assert.equal(sim.state.phase, 'streaming', 'settled streaming');
      assert.equal(sim.state.acked, sim.log.head, 'follower acked the head');
      const expected = new Map(sim.log.objects().map((h) => [keyOfContent(h.content), h.hash]));
      assert.deepEqual(sim.follower.objects, expected, "follower holds the log's objects");
    });
  }
});
