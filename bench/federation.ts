/**
 * Federation benchmarks on real clusters (three kube-apiservers, real certificates, loopback gRPC):
 * - replication latency: a GDP update on the leader until both followers stored it, p50/p99 over
 *   1,000 sequential updates, and its breakdown into stages (bench/lib/stages.ts) from the
 *   replicator's and followers' `replication stage` debug lines;
 * - the API servers' share of it: the leader-side edit's own round trip, and as many merge patches
 *   of a GDP outside avi-system (which amko ignores) on a follower's API server;
 * - snapshot catch-up: a follower 1,000 revisions behind, from the leader's reconnection (after its
 *   backoff) to the leader's head;
 * - fencing: an old leader returning at its old epoch, from its start until it is fenced.
 * Failover times need the amko process with its leader pipeline and are measured separately.
 * Every run builds a fresh federation. Writes federation.json into the results folder.
 */
import { AVI_SYSTEM } from '../src/shared/crd/common.js';
import { createLogger, silentLogger, type Logger } from '../src/shared/telemetry/logger.js';
import type { AppliedPosition } from '../src/follower/replication-session.js';
import { eventually } from '../test/support/eventually.js';
import { FederationFixture } from '../test/support/federation-fixture.js';
import { StageLines, STAGES, stageDurations, stagePercentiles, wallNow } from './lib/stages.js';
import {
  figures,
  percentile,
  repeat,
  writeResult,
  type BenchContext,
  type BenchResult,
  type FigureSpec,
} from './measure.js';

const GDP = 'GlobalDeploymentPolicy';
const gdpKey = { namespace: AVI_SYSTEM, name: 'global-gdp' };

/** Resolves when `applied` holds a revision ≥ `revision` for every follower. */
function waitApplied(
  applied: Map<string, number>,
  followers: readonly string[],
  revision: number,
): Promise<void> {
  return eventually(() => followers.every((c) => (applied.get(c) ?? 0) >= revision), {
    timeoutMs: 30_000,
    intervalMs: 1,
  }).then(() => undefined);
}

async function replicationLatency(
  f: FederationFixture,
  applied: Map<string, number>,
  updates: number,
): Promise<{ samples: number[]; patchRtt: number[]; sentAt: Map<number, number> }> {
  const followers = ['cluster2', 'cluster3'];
  const replicator = f.node('cluster1').replicator!;
  const samples: number[] = [];
  const patchRtt: number[] = [];
  const sentAt = new Map<number, number>();
  for (let i = 1; i <= updates; i++) {
    const target = replicator.status().revision + 1;
    const t0 = wallNow();
    sentAt.set(target, t0);
    await f.patch('cluster1', GDP, gdpKey, { spec: { ttl: (i % 3600) + 1 } });
    patchRtt.push(wallNow() - t0);
    await waitApplied(applied, followers, target);
    samples.push(wallNow() - t0);
  }
  const ascending = (a: number, b: number): number => a - b;
  return { samples: samples.sort(ascending), patchRtt: patchRtt.sort(ascending), sentAt };
}

/**
 * The API server alone, amko not in the path: `writes` sequential merge patches of a GDP in
 * a namespace amko ignores, on a follower's API server, each timed from sent to response.
 */
async function bareWrites(
  f: FederationFixture,
  cluster: string,
  writes: number,
): Promise<number[]> {
  const key = { namespace: 'default', name: 'bench-bare-writes' };
  await f.create(cluster, GDP, { metadata: key, spec: { ttl: 1 } });
  const rtt: number[] = [];
  for (let i = 1; i <= writes; i++) {
    const t0 = wallNow();
    await f.patch(cluster, GDP, key, { spec: { ttl: (i % 3600) + 1 } });
    rtt.push(wallNow() - t0);
  }
  await f.remove(cluster, GDP, key);
  return rtt.sort((a, b) => a - b);
}

/** A follower `behind` revisions behind restarts: time until the leader reconnects, then to catch up. */
async function snapshotCatchUp(
  f: FederationFixture,
  behind: number,
): Promise<{ behind: number; reconnectMs: number; snapshotMs: number }> {
  const port = f.node('cluster3').server.federationPort;
  await f.stopNode('cluster3');
  for (let i = 1; i <= behind; i++) {
    await f.patch('cluster1', GDP, gdpKey, { spec: { ttl: ((i + 7) % 3600) + 1 } });
  }
  const head = f.node('cluster1').replicator!.status().revision;
  let reached = 0;
  const t0 = performance.now();
  const node = await f.startFollower('cluster3', port, (p: AppliedPosition) => {
    reached = Math.max(reached, p.revision);
  });
  await eventually(() => node.follower?.status().connected !== undefined, {
    timeoutMs: 120_000,
    intervalMs: 1,
  });
  const t1 = performance.now();
  await eventually(() => reached >= head, { timeoutMs: 120_000, intervalMs: 1 });
  const t2 = performance.now();
  return { behind, reconnectMs: Math.round(t1 - t0), snapshotMs: Math.round(t2 - t1) };
}

async function fencing(f: FederationFixture): Promise<number> {
  await f.stopNode('cluster3');
  await f.startLeader('cluster3', 2, ['cluster2']);
  await eventually(async () => (await f.amkoCluster('cluster2')).status?.highestEpochSeen === 2, {
    timeoutMs: 60_000,
  });
  const port = f.node('cluster1').server.federationPort;
  await f.stopNode('cluster1');
  await f.startServer('cluster1', port);
  const t0 = performance.now();
  await f.startLeader('cluster1', 1, ['cluster2']);
  await eventually(() => f.node('cluster1').fencedBy !== undefined, {
    timeoutMs: 60_000,
    intervalMs: 1,
  });
  return Math.round(performance.now() - t0);
}

const FIGURES: FigureSpec[] = [
  {
    key: 'replicationP50',
    label: "replication: GDP edit → stored in both followers' apiservers, p50",
    unit: 'ms',
  },
  {
    key: 'replicationP99',
    label: "replication: GDP edit → stored in both followers' apiservers, p99",
    unit: 'ms',
    goal: '≤ 25 ms',
  },
  { key: 'replicationMax', label: 'replication: max', unit: 'ms' },
  {
    key: 'leaderPatchP50',
    label: "the edit itself: merge patch on the leader's apiserver, sent → response, p50",
    unit: 'ms',
  },
  {
    key: 'leaderPatchP99',
    label: "the edit itself: merge patch on the leader's apiserver, sent → response, p99",
    unit: 'ms',
  },
  {
    key: 'bareWriteP50',
    label:
      "apiserver alone: merge patch of a GDP on a follower's apiserver, amko not in the path, p50",
    unit: 'ms',
  },
  {
    key: 'bareWriteP99',
    label:
      "apiserver alone: merge patch of a GDP on a follower's apiserver, amko not in the path, p99",
    unit: 'ms',
  },
  ...STAGES.flatMap(([name, label]): FigureSpec[] => [
    { key: `stage.${name}.p50`, label: `replication stage p50: ${label}`, unit: 'ms' },
    { key: `stage.${name}.p99`, label: `replication stage p99: ${label}`, unit: 'ms' },
  ]),
  {
    key: 'catchUpMs',
    label: 'returning follower: start → caught up (reconnect + snapshot)',
    unit: 'ms',
    goal: '≤ 2 s after it serves again',
  },
  { key: 'leaderReconnectMs', label: 'returning follower: start → leader reconnected', unit: 'ms' },
  { key: 'snapshotMs', label: 'returning follower: reconnected → at the head', unit: 'ms' },
  { key: 'fencedMs', label: 'old leader returning at its old epoch: start → fenced', unit: 'ms' },
];

/** Points the fixture's logger (read at each start) at `log`. */
function useLog(f: FederationFixture, log: Logger): void {
  (f as unknown as { log: Logger }).log = log;
}

async function once(updates: number, behind: number) {
  const stages = new StageLines();
  const base = createLogger({ level: 'debug', destination: stages });
  const f = await FederationFixture.start(3);
  try {
    const applied = new Map<string, number>();
    for (const c of ['cluster2', 'cluster3']) {
      useLog(f, base.child({ site: c }));
      await f.startFollower(c, 0, (p) => applied.set(c, p.revision));
    }
    await f.create('cluster1', GDP, { metadata: gdpKey, spec: { ttl: 1 } });
    useLog(f, base.child({ site: 'cluster1' }));
    await f.startLeader('cluster1', 1, ['cluster2', 'cluster3']);
    await waitApplied(applied, ['cluster2', 'cluster3'], 1);
    stages.clear();
    const { samples, patchRtt, sentAt } = await replicationLatency(f, applied, updates);
    const breakdown = stagePercentiles(stageDurations(stages.lines, 'cluster1', sentAt));
    useLog(f, silentLogger());
    const bare = await bareWrites(f, 'cluster2', updates);
    const snapshot = await snapshotCatchUp(f, behind);
    const fenceMs = await fencing(f);
    const values: Record<string, number> = {
      replicationP50: percentile(samples, 50),
      replicationP99: percentile(samples, 99),
      replicationMax: percentile(samples, 100),
      leaderPatchP50: percentile(patchRtt, 50),
      leaderPatchP99: percentile(patchRtt, 99),
      bareWriteP50: percentile(bare, 50),
      bareWriteP99: percentile(bare, 99),
      catchUpMs: snapshot.reconnectMs + snapshot.snapshotMs,
      leaderReconnectMs: snapshot.reconnectMs,
      snapshotMs: snapshot.snapshotMs,
      fencedMs: fenceMs,
    };
    for (const [name, p] of Object.entries(breakdown)) {
      values[`stage.${name}.p50`] = p.p50;
      values[`stage.${name}.p99`] = p.p99;
    }
    return { values, details: { updates: samples.length, stages: breakdown, snapshot } };
  } finally {
    await f.stop();
  }
}

/** Runs the benchmark (1,000 updates and a follower 1,000 behind; 20 in short mode). */
export async function run(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const updates = ctx.short ? 20 : 1_000;
  const behind = ctx.short ? 20 : 1_000;
  const { records, details } = await repeat(ctx.runs, () => once(updates, behind));
  return writeResult(ctx, {
    benchmark: 'federation',
    workload:
      `3 real kube-apiservers, replicator and two followers in one process over loopback gRPC ` +
      `with mutual TLS; per run a fresh federation: ${updates.toLocaleString('en-US')} sequential ` +
      `GDP edits on the leader (stage breakdown from the components' "replication stage" debug ` +
      `lines), as many merge patches of a GDP that amko ignores on a follower's apiserver ` +
      `(the apiserver alone), a follower ${behind.toLocaleString('en-US')} revisions behind ` +
      'returning, an old leader returning at its old epoch.',
    seconds: (Date.now() - started) / 1000,
    figures: figures(FIGURES, records),
    details,
  });
}
