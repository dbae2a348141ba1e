/**
 * controller-faults: a real amko leader syncs 2,000 GslbServices (short: 200) from Ingresses in
 * two member clusters while the simulator answers 10% of requests with 503, delays a share of
 * them by 500 ms, expires every session twice, goes down for 5 s (short: 2 s) and comes back with
 * its state, and holds a GslbService of this amko the leader does not know of, so that its
 * create meets 409 and must adopt it. Checks: the controller ends exactly as the Ingresses say,
 * without duplicates or orphans, and every fault shows in amko's log and on its /metrics.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JournalEntry } from '../../../src/sim/avi-controller/journal.js';
import type { FaultSpec } from '../../support/avi-sim.js';
import { eventually } from '../../support/eventually.js';
import { LeaderFixture, type AmkoProcess } from '../../support/leader-fixture.js';
import type { Experiment, ExperimentContext, ExperimentResult, ResultRow } from '../experiment.js';
import {
  crashed,
  describeDivergence,
  divergence,
  divergenceCount,
  gsCreated,
  isClean,
  metricsPort,
  type Divergence,
  planHosts,
  writeIngresses,
  type HostPlan,
} from '../leader-workload.js';
import { faultsSeen, type FaultKind } from '../fault-evidence.js';

const UUID = '5a5a5a5a-6b6b-4c7c-8d8d-9e9e9e9e9e9e';
const NS = 'chaosctl';
const ERROR_RATE = 0.1;
const SLOW_MS = 500;

/** The fault rules; added at start and again after the simulator restarts. */
function rules(slowShare: number): { kind: FaultKind; spec: FaultSpec }[] {
  return [
    {
      kind: '503',
      spec: { effect: { status: 503, body: { error: 'injected: busy' } }, probability: ERROR_RATE },
    },
    { kind: 'latency', spec: { effect: { latencyMs: SLOW_MS }, probability: slowShare } },
  ];
}

/** What the simulator reported injecting, summed over its processes. */
class Injected {
  readonly counts: Record<FaultKind, number> = {
    '503': 0,
    latency: 0,
    'session-expiry': 0,
    'controller-down': 0,
    '409-on-create': 0,
  };
  readonly #ruleKinds = new Map<string, FaultKind>();

  async addRules(f: LeaderFixture, slowShare: number): Promise<void> {
    const wanted = rules(slowShare);
    const added = await f.sim.control.faults(wanted.map((r) => r.spec));
    added.forEach((r, i) => this.#ruleKinds.set(r.id, wanted[i]?.kind ?? '503'));
  }

  /** Reads the journal of the current simulator process (it is lost with the process). */
  async collect(f: LeaderFixture, adoptHost: string): Promise<void> {
    const entries: JournalEntry[] = await f.sim.control.journal();
    for (const e of entries) {
      const kind = e.fault === undefined ? undefined : this.#ruleKinds.get(e.fault);
      if (kind !== undefined) this.counts[kind]++;
      const name = (e.body as { name?: string } | undefined)?.name;
      if (e.method === 'POST' && e.status === 409 && name === adoptHost)
        this.counts['409-on-create']++;
    }
    this.#ruleKinds.clear();
  }
}

/** A GslbService of this amko for `host`, with a stale member, as an earlier run left it. */
function leftBehind(host: string): Record<string, unknown> {
  return {
    name: host,
    created_by: `amko-${UUID}`,
    description: `INGRESS/cluster1/${NS}/gone/${host}`,
    domain_names: [host],
    is_federated: true,
    groups: [
      {
        name: 'amko-gs-group-10',
        priority: 10,
        algorithm: 'GSLB_ALGORITHM_ROUND_ROBIN',
        members: [{ ip: { addr: '10.77.7.7', type: 'V4' }, ratio: 1, enabled: true }],
      },
    ],
  };
}

type Event = 'expire' | 'down' | 'adopt' | 'none';

/** Splits the plans: half before amko starts, the rest in 5 batches, one event per batch. */
function schedule(ctx: ExperimentContext, plans: HostPlan[]) {
  const half = Math.floor(plans.length / 2);
  const rest = plans.slice(half);
  const size = Math.ceil(rest.length / 5);
  const batches = Array.from({ length: 5 }, (_, i) => rest.slice(i * size, (i + 1) * size));
  const events: Event[] = ['expire', 'expire', 'down', 'adopt', 'none'];
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(ctx.random() * (i + 1));
    [events[i], events[j]] = [events[j] as Event, events[i] as Event];
  }
  const adoptBatch = batches[events.indexOf('adopt')] ?? [];
  const adopt = adoptBatch[Math.floor(ctx.random() * adoptBatch.length)] ?? rest[0];
  return { first: plans.slice(0, half), batches, events, adoptHost: adopt?.host ?? '' };
}

async function runEvents(
  ctx: ExperimentContext,
  f: LeaderFixture,
  plan: ReturnType<typeof schedule> & {
    downMs: number;
    slowShare: number;
    injected: Injected;
    downFor: { ms: number };
  },
): Promise<void> {
  for (const [i, batch] of plan.batches.entries()) {
    const event = plan.events[i] ?? 'none';
    ctx.log(`batch ${i + 1}: ${batch.length} hosts, ${event}`);
    if (event === 'expire')
      plan.injected.counts['session-expiry'] += await f.sim.control.expireSessions();
    if (event === 'adopt')
      await f.sim.control.seed({ objects: { gslbservice: [leftBehind(plan.adoptHost)] } });
    if (event !== 'down') {
      await writeIngresses(f, NS, batch);
      continue;
    }
    await plan.injected.collect(f, plan.adoptHost);
    // the rules go back as soon as the simulator is up, not once the batch is written
    const restarted = f.sim.restart(plan.downMs).then(async (ms) => {
      await plan.injected.addRules(f, plan.slowShare);
      return ms;
    });
    await writeIngresses(f, NS, batch);
    plan.downFor.ms = await restarted;
    ctx.log(`controller unreachable for ${plan.downFor.ms} ms`);
    plan.injected.counts['controller-down']++;
  }
}

async function converge(
  f: LeaderFixture,
  amko: AmkoProcess,
  plans: readonly HostPlan[],
  timeoutMs: number,
): Promise<void> {
  await eventually(
    async () => crashed(amko) || isClean(await divergence(f, { ns: NS, uuid: UUID, plans })),
    { timeoutMs, intervalMs: 1000, what: 'controller state equal to the Ingresses' },
  ).catch(() => undefined);
}

async function setUp(f: LeaderFixture): Promise<void> {
  await f.putGslbConfig({}, { 'amko.vmware.com/amko-uuid': UUID });
  await f.putGdp({
    matchRules: { appSelector: { label: { gslb: NS } } },
    matchClusters: f.clusters.contexts.map((cluster) => ({ cluster })),
  });
  for (const c of f.clusters.contexts) await f.objects.namespace(c, NS);
}

function violationsOf(final: Divergence, rows: readonly ResultRow[]): string[] {
  const out: string[] = [];
  if (!isClean(final))
    out.push(`controller differs from the Ingresses: ${describeDivergence(final)}`);
  for (const r of rows) {
    const fault = String(r['fault']);
    if (r['injected'] === 0) out.push(`${fault}: nothing injected`);
    else if (r['seenInLog'] === 0) out.push(`${fault}: not in amko's log`);
    else if (r['seenInMetrics'] === 0) out.push(`${fault}: not on /metrics`);
  }
  return out;
}

interface Outcome {
  n: number;
  downMs: number;
  slowShare: number;
  syncMs: number;
  unreachableMs: number;
  final: Divergence;
  crashes: number;
  injected: Readonly<Record<FaultKind, number>>;
  rows: ResultRow[];
}

function result(o: Outcome): ExperimentResult {
  return {
    name: 'controller-faults',
    description:
      `amko leader full sync of ${o.n} GslbServices from Ingresses in 2 member clusters; the ` +
      `simulator answers ${ERROR_RATE * 100}% of requests 503, delays ` +
      `${(o.slowShare * 100).toFixed(1)}% by ${SLOW_MS} ms, expires sessions twice, is stopped ` +
      `for ${o.downMs / 1000} s and restarted with its state (unreachable ` +
      `${(o.unreachableMs / 1000).toFixed(1)} s in all) and holds one GslbService of this amko unknown to it ` +
      `(409 on create, adopted)`,
    figures: {
      controllerFaultsInjected: Object.values(o.injected).reduce((a, b) => a + b, 0),
      finalDivergence: divergenceCount(o.final),
      crashes: o.crashes,
    },
    measures: {
      gslbServices: o.n,
      fullSyncMsWithFaults: o.syncMs,
      controllerUnreachableMs: o.unreachableMs,
      duplicates: o.final.duplicates.length,
      orphans: o.final.orphans.length,
    },
    injected: o.rows.map((r) => `${String(r['fault'])}: ${String(r['injected'])}`),
    rows: o.rows,
    violations: violationsOf(o.final, o.rows),
  };
}

async function run(ctx: ExperimentContext): Promise<ExperimentResult> {
  const n = ctx.short ? 200 : 2000;
  const downMs = ctx.short ? 2000 : 5000;
  const slowShare = 0.05 + ctx.random() * 0.05;
  const stateDir = mkdtempSync(path.join(tmpdir(), 'chaos-ctl-'));
  const f = await LeaderFixture.start({
    n: 2,
    sim: { statePath: path.join(stateDir, 'state.json'), faultSeed: ctx.seed },
  });
  try {
    await setUp(f);
    const plans = planHosts(n, NS, (i) =>
      i % 4 === 0 ? ['cluster1', 'cluster2'] : [i % 2 === 0 ? 'cluster1' : 'cluster2'],
    );
    const downFor = { ms: 0 };
    const plan = { ...schedule(ctx, plans), downMs, slowShare, injected: new Injected(), downFor };
    ctx.log(`${n} hosts; events per batch: ${plan.events.join(', ')}; adopt ${plan.adoptHost}`);
    await writeIngresses(f, NS, plan.first);
    await plan.injected.addRules(f, slowShare);
    const started = Date.now();
    const amko = f.startAmko(['--metrics-listen', '127.0.0.1:0']);
    const port = await metricsPort(amko);
    await eventually(async () => (await gsCreated(f)) > 0, {
      timeoutMs: 180_000,
      intervalMs: 250,
      what: 'the first GslbService created',
    });
    ctx.log(`first create at ${Date.now() - started} ms`);
    await runEvents(ctx, f, plan);
    ctx.log(`events done at ${Date.now() - started} ms`);
    await converge(f, amko, plans, ctx.short ? 120_000 : 900_000);
    const syncMs = Date.now() - started;
    await plan.injected.collect(f, plan.adoptHost);
    const final = await divergence(f, { ns: NS, uuid: UUID, plans });
    const crashes = crashed(amko) ? 1 : 0;
    const rows = await faultsSeen(amko, port, plan.injected.counts);
    ctx.log(`synced in ${syncMs} ms; ${JSON.stringify(rows)}`);
    return result({
      n,
      downMs,
      slowShare,
      syncMs,
      unreachableMs: downFor.ms,
      final,
      crashes,
      injected: plan.injected.counts,
      rows,
    });
  } finally {
    await f.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export const experiment: Experiment = { name: 'controller-faults', run };
