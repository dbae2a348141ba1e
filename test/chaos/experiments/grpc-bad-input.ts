/**
 * grpc-bad-input: a real `amko` leader (cluster1) replicating to a real `amko` follower
 * (cluster2), and every case of test/support/grpc-bad-cases.ts sent to the follower in an order
 * chosen by the seed: truncated and oversized frames, messages of other types, unknown fields,
 * replayed and out-of-order revisions, a stale epoch, a client without a certificate, an
 * unlisted cluster and floods of hellos. Each case must end with its status, change nothing on
 * the follower, and be followed by a leader update that the follower applies and acknowledges.
 * The leader resumes epoch 3 (seeded in its status) so that a stale epoch exists.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { AMKO_CLUSTER } from '../../../src/shared/crd/amko-cluster.js';
import { AMKO_CLUSTER_NAME, AVI_SYSTEM } from '../../../src/shared/crd/common.js';
import { REPLICA_REVISION_ANNOTATION } from '../../../src/shared/federation/federation-names.js';
import { loadFederationProto } from '../../../src/shared/federation/proto.js';
import { E2E_VERSION, E2eFederation, INTRUDER } from '../../support/e2e-federation.js';
import { eventually } from '../../support/eventually.js';
import { BAD_CASES, type BadCase } from '../../support/grpc-bad-cases.js';
import {
  runBadCase,
  violationsOf,
  type BadInputHarness,
  type CaseResult,
} from '../../support/grpc-bad-run.js';
import type { Experiment, ExperimentContext, ExperimentResult, ResultRow } from '../experiment.js';

const GDP = 'GlobalDeploymentPolicy';
const gdpKey = { namespace: AVI_SYSTEM, name: 'global-gdp' };
const LEADER = 'cluster1';
const FOLLOWER = 'cluster2';
const LEADER_EPOCH = 3;

/** The cases in an order drawn from `random` (Fisher–Yates). */
function shuffled(cases: readonly BadCase[], random: () => number): BadCase[] {
  const out = [...cases];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as BadCase, out[i] as BadCase];
  }
  return out;
}

/** Makes cluster1 a leader that resumes `epoch` when it starts. */
async function seedLeaderEpoch(f: E2eFederation, epoch: number): Promise<void> {
  const api = f.clusters.kubeConfig(LEADER).makeApiClient(CustomObjectsApi);
  const { group, version, plural } = AMKO_CLUSTER;
  await api.patchNamespacedCustomObjectStatus(
    {
      group,
      version,
      plural,
      namespace: AVI_SYSTEM,
      name: AMKO_CLUSTER_NAME,
      body: { status: { role: 'leader', epoch, leader: LEADER, highestEpochSeen: epoch } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

function running(f: E2eFederation, cluster: string): boolean {
  const child = f.run(cluster)?.child;
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

function harness(f: E2eFederation, floodHellos: number): BadInputHarness {
  const alive = (c: string): boolean => running(f, c);
  return {
    target: {
      proto: loadFederationProto(),
      certs: f.certs,
      address: f.federationAddress(FOLLOWER),
      follower: FOLLOWER,
      leader: LEADER,
      intruder: INTRUDER,
      version: E2E_VERSION,
      floodHellos,
    },
    observe: () => f.replicaState(FOLLOWER),
    leaderUpdate: (n) => leaderUpdate(f, n),
    alive: () => alive(FOLLOWER) && alive(LEADER),
  };
}

/** Sets the GDP's ttl on the leader; waits until the follower applied it and the leader saw the ack. */
async function leaderUpdate(f: E2eFederation, n: number, timeoutMs = 30_000): Promise<void> {
  const ttl = 100 + n;
  await f.patch(LEADER, GDP, gdpKey, { spec: { ttl } });
  const revision = await eventually(
    async () => {
      const replica = await f.get(FOLLOWER, GDP, gdpKey);
      if (replica?.spec?.['ttl'] !== ttl)
        throw new Error(`replica ttl ${String(replica?.spec?.['ttl'])}`);
      return Number(replica.metadata?.annotations?.[REPLICA_REVISION_ANNOTATION]);
    },
    { timeoutMs, what: `ttl ${ttl} replicated to ${FOLLOWER}` },
  );
  await eventually(
    async () => {
      const member = (await f.status(LEADER)).members?.find((m) => m.cluster === FOLLOWER);
      if ((member?.appliedRevision ?? 0) < revision)
        throw new Error(`acked ${String(member?.appliedRevision)}, want ${revision}`);
    },
    { timeoutMs, what: `revision ${revision} acked by ${FOLLOWER}` },
  );
}

function rowOf(r: CaseResult): ResultRow {
  return {
    case: r.case,
    code: r.code,
    expected: r.expected,
    applied: r.applied,
    followerServing: r.followerServing,
    attempts: r.attempts,
  };
}

async function runCases(
  f: E2eFederation,
  ctx: ExperimentContext,
): Promise<{ results: CaseResult[]; violations: string[] }> {
  const h = harness(f, ctx.short ? 100 : 1_000);
  await leaderUpdate(f, 0, 180_000);
  const results: CaseResult[] = [];
  const violations: string[] = [];
  for (const [i, c] of shuffled(BAD_CASES, ctx.random).entries()) {
    const r = await runBadCase(h, c, i + 1);
    ctx.log(
      `${c.name}: ${r.code} (want ${r.expected}), applied ${r.applied}, serving ${r.followerServing}`,
    );
    results.push(r);
    violations.push(...violationsOf(r));
  }
  if (violations.length > 0) ctx.log(f.logTails());
  return { results, violations };
}

export const experiment: Experiment = {
  name: 'grpc-bad-input',
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const f = await E2eFederation.start();
    try {
      await seedLeaderEpoch(f, LEADER_EPOCH);
      await f.createGslbConfig(LEADER);
      await f.create(LEADER, GDP, { metadata: gdpKey, spec: { ttl: 30 } });
      f.startAmko(LEADER);
      f.startAmko(FOLLOWER);
      const { results, violations } = await runCases(f, ctx);
      const crashes = [LEADER, FOLLOWER].filter((c) => !running(f, c)).length;
      const floodHellos = ctx.short ? 100 : 1_000;
      return {
        name: 'grpc-bad-input',
        description:
          `A real amko leader replicating to a real amko follower; ${results.length} kinds of bad ` +
          `gRPC input sent to the follower in seeded order, each followed by a leader update.`,
        figures: {
          invalidInputsTried: results.length,
          invalidInputsRefusedCleanly: results.filter((r) => violationsOf(r).length === 0).length,
          crashes,
          lostUpdates: results.filter((r) => !r.followerServing).length,
        },
        measures: {
          floodHellos,
          attempts: results.reduce((n, r) => n + r.attempts, 0),
        },
        injected: results.map((r) => {
          const c = BAD_CASES.find((x) => x.name === r.case);
          return `${r.case}: ${c?.what ?? ''}`;
        }),
        rows: results.map(rowOf),
        violations,
      };
    } finally {
      await f.stop();
    }
  },
};
