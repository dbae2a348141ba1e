/**
 * Federation benchmarks on real clusters (three kube-apiservers, real certificates, loopback gRPC):
 * - replication latency: a GDP update on the leader until both followers stored it, p50/p99 over
 *   1,000 sequential updates;
 * - snapshot catch-up: a follower 1,000 revisions behind, from the leader's reconnection (after its
 *   backoff) to the leader's head;
 * - fencing: an old leader returning at its old epoch, from its start until it is fenced.
 * Failover times need the amko process with its leader pipeline and are measured separately.
 * Writes bench/results/federation.json.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { AVI_SYSTEM } from '../src/shared/crd/common.js';
import type { AppliedPosition } from '../src/follower/replication-session.js';
import { eventually } from '../test/support/eventually.js';
import { FederationFixture } from '../test/support/federation-fixture.js';
import { repoRoot } from '../test/support/tools.js';

const GDP = 'GlobalDeploymentPolicy';
const gdpKey = { namespace: AVI_SYSTEM, name: 'global-gdp' };

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, i)] ?? 0) * 100) / 100;
}

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
): Promise<number[]> {
  const followers = ['cluster2', 'cluster3'];
  const replicator = f.node('cluster1').replicator!;
  const samples: number[] = [];
  for (let i = 1; i <= updates; i++) {
    const target = replicator.status().revision + 1;
    const t0 = performance.now();
    await f.patch('cluster1', GDP, gdpKey, { spec: { ttl: (i % 3600) + 1 } });
    await waitApplied(applied, followers, target);
    samples.push(performance.now() - t0);
  }
  return samples.sort((a, b) => a - b);
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

export async function run(): Promise<void> {
  const f = await FederationFixture.start(3);
  try {
    const applied = new Map<string, number>();
    for (const c of ['cluster2', 'cluster3']) {
      await f.startFollower(c, 0, (p) => applied.set(c, p.revision));
    }
    await f.create('cluster1', GDP, { metadata: gdpKey, spec: { ttl: 1 } });
    await f.startLeader('cluster1', 1, ['cluster2', 'cluster3']);
    await waitApplied(applied, ['cluster2', 'cluster3'], 1);
    const latency = await replicationLatency(f, applied, 1_000);
    const snapshot = await snapshotCatchUp(f, 1_000);
    const fenceMs = await fencing(f);
    const result = {
      replicationLatencyMs: {
        updates: latency.length,
        p50: percentile(latency, 50),
        p99: percentile(latency, 99),
        max: percentile(latency, 100),
      },
      snapshotCatchUp: {
        revisionsBehind: snapshot.behind,
        leaderReconnectMs: snapshot.reconnectMs,
        snapshotMs: snapshot.snapshotMs,
      },
      oldLeaderReturnToFencedMs: fenceMs,
      note: 'component level (replicator and followers in one process, real kube-apiservers); failover times need the amko process',
    };
    const dir = path.join(repoRoot(), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'federation.json'), JSON.stringify(result, null, 2) + '\n');
    console.log(JSON.stringify(result));
  } finally {
    await f.stop();
  }
}
