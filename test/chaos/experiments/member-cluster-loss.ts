/**
 * member-cluster-loss: while a real amko leader syncs 2,000 GslbServices (short: 200) from
 * Ingresses in two member clusters, cluster2's kube-apiserver stops and returns 30 s later
 * (short: 10 s) with nothing changed. Checks: no GslbService loses cluster2's members and
 * nothing is deleted while it is away, no write but the creates the sync still owed, a clear log
 * line and event about the lost cluster, and no write at all once it is back and re-listed.
 * The simulator delays every POST a little (the sync lasts long enough to be interrupted).
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { JournalEntry } from '../../../src/sim/avi-controller/journal.js';
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
  logLines,
  metricsPort,
  planHosts,
  scrape,
  sumOf,
  writeIngresses,
  type HostPlan,
} from '../leader-workload.js';

const UUID = '6b6b6b6b-7c7c-4d8d-8e9e-afafafafafaf';
const NS = 'chaosmember';
const LOST = 'cluster2';
const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'];

const isWrite = (e: JournalEntry): boolean =>
  WRITES.includes(e.method) && ['gslbservice', 'healthmonitor'].includes(e.objectType);

/** Writes journalled after `since`: all of them, successful creates, deletes and the rest. */
async function writesSince(f: LeaderFixture, since: number) {
  const writes = (await f.sim.control.journal({ since })).filter(isWrite);
  const creates = writes.filter((e) => e.method === 'POST' && e.status === 201).length;
  return {
    all: writes.length,
    creates,
    deletes: writes.filter((e) => e.method === 'DELETE').length,
    churn: writes.length - creates,
  };
}

const journalMark = async (f: LeaderFixture): Promise<number> =>
  (await f.sim.control.stats()).total;

/** GslbServices on the controller that should carry a member of `LOST` and do not. */
async function lostMembers(f: LeaderFixture, plans: readonly HostPlan[]): Promise<string[]> {
  const gss = await f.gslbServices();
  const out: string[] = [];
  for (const p of plans) {
    const ip = p.members.find((m) => m.cluster === LOST)?.ip;
    const gs = gss.get(p.host);
    if (ip === undefined || gs === undefined) continue;
    if (!JSON.stringify(gs['groups'] ?? []).includes(`"${ip}"`)) out.push(p.host);
  }
  return out;
}

/** While away: the controller is checked every second for GslbServices that lost LOST. */
async function whileAway(f: LeaderFixture, plans: readonly HostPlan[], awayMs: number) {
  const until = Date.now() + awayMs;
  const lost = new Set<string>();
  let checks = 0;
  while (Date.now() < until) {
    for (const h of await lostMembers(f, plans)) lost.add(h);
    checks++;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return { lost: [...lost], checks };
}

/** Waits until the GslbService queue is empty and no reconcile happened for 3 scrapes. */
async function settled(port: number): Promise<void> {
  let last = -1;
  let quiet = 0;
  await eventually(
    async () => {
      const s = await scrape(port);
      const passes = sumOf(s, 'amko_gslb_reconciles_total');
      const depth = sumOf(s, 'amko_queue_depth', { queue: 'gslbservice' });
      quiet = passes === last && depth === 0 ? quiet + 1 : 0;
      last = passes;
      return quiet >= 3;
    },
    { timeoutMs: 90_000, intervalMs: 1000, what: 'the leader idle' },
  );
}

async function events(f: LeaderFixture, re: RegExp): Promise<number> {
  const list = await f.leaderKube
    .makeApiClient(CoreV1Api)
    .listNamespacedEvent({ namespace: 'avi-system' });
  return list.items.filter(
    (e) => e.reason === 'MemberClusterValidation' && re.test(e.message ?? ''),
  ).length;
}

function healthLines(amko: AmkoProcess, healthy: boolean): number {
  return logLines(amko).filter(
    (l) =>
      l['msg'] === 'member cluster health' && l['cluster'] === LOST && l['healthy'] === healthy,
  ).length;
}

async function signals(f: LeaderFixture, amko: AmkoProcess): Promise<ResultRow[]> {
  const relists = logLines(amko).filter(
    (l) => l['msg'] === 'list/watch failed, restarting' && String(l['informer']).startsWith(LOST),
  ).length;
  return [
    { signal: 'log: member cluster health, healthy false', count: healthLines(amko, false) },
    {
      signal: `event MemberClusterValidation: cluster ${LOST} is unhealthy`,
      count: await events(f, new RegExp(`cluster ${LOST} is unhealthy`)),
    },
    { signal: 'log: list/watch failed, restarting', count: relists },
    { signal: 'log: member cluster health, healthy true', count: healthLines(amko, true) },
    {
      signal: `event MemberClusterValidation: cluster ${LOST} is healthy`,
      count: await events(f, new RegExp(`cluster ${LOST} is healthy`)),
    },
  ];
}

async function setUp(f: LeaderFixture, n: number): Promise<HostPlan[]> {
  await f.putGslbConfig({}, { 'amko.vmware.com/amko-uuid': UUID });
  await f.putGdp({
    matchRules: { appSelector: { label: { gslb: NS } } },
    matchClusters: f.clusters.contexts.map((cluster) => ({ cluster })),
  });
  for (const c of f.clusters.contexts) await f.objects.namespace(c, NS);
  const plans = planHosts(
    n,
    NS,
    (i) => [['cluster1'], [LOST], ['cluster1', LOST]][i % 3] ?? ['cluster1'],
  );
  await writeIngresses(f, NS, plans);
  return plans;
}

async function run(ctx: ExperimentContext): Promise<ExperimentResult> {
  const n = ctx.short ? 200 : 2000;
  const awayMs = ctx.short ? 10_000 : 30_000;
  const slowMs = Math.max(10, Math.round(30_000 / n));
  const stopAt = Math.round(n * (0.15 + ctx.random() * 0.2));
  const f = await LeaderFixture.start({ n: 2 });
  try {
    const plans = await setUp(f, n);
    await f.sim.control.faults({ match: { method: 'POST' }, effect: { latencyMs: slowMs } });
    const started = Date.now();
    const amko = f.startAmko(['--metrics-listen', '127.0.0.1:0']);
    const port = await metricsPort(amko);
    await eventually(async () => (await gsCreated(f)) >= stopAt, {
      timeoutMs: 300_000,
      intervalMs: 100,
      what: `${stopAt} GslbServices created`,
    });
    const awayMark = await journalMark(f);
    const createdAtLoss = await gsCreated(f);
    await f.clusters.stopApiServer(LOST);
    ctx.log(`${LOST} stopped after ${createdAtLoss} of ${n} GslbServices`);
    const away = await whileAway(f, plans, awayMs);
    await amko.waitForLog(/bootup sync finished/, 300_000);
    const syncMs = Date.now() - started;
    await f.sim.control.clearFaults();
    const duringAway = await writesSince(f, awayMark);
    const returnMark = await journalMark(f);
    await f.clusters.startApiServer(LOST);
    await eventually(() => healthLines(amko, true) > 0, {
      timeoutMs: 120_000,
      intervalMs: 250,
      what: `${LOST} healthy again`,
    });
    await settled(port);
    const afterReturn = await writesSince(f, returnMark);
    const final = await divergence(f, { ns: NS, uuid: UUID, plans });
    const rows = await signals(f, amko);
    ctx.log(`away: ${JSON.stringify(duringAway)}; after return: ${JSON.stringify(afterReturn)}`);
    const violations: string[] = [];
    if (duringAway.churn > 0)
      violations.push(`${duringAway.churn} writes other than owed creates while ${LOST} was away`);
    if (away.lost.length > 0)
      violations.push(`GslbServices lost ${LOST}'s members: ${away.lost.slice(0, 5).join(', ')}`);
    if (afterReturn.all > 0) violations.push(`${afterReturn.all} writes after ${LOST} returned`);
    if (!isClean(final)) violations.push(`final state: ${describeDivergence(final)}`);
    for (const r of rows.slice(0, 2))
      if (r['count'] === 0) violations.push(`no ${String(r['signal'])}`);
    return {
      name: 'member-cluster-loss',
      description:
        `amko leader syncing ${n} GslbServices from Ingresses in 2 member clusters (POSTs ` +
        `delayed ${slowMs} ms); ${LOST}'s kube-apiserver stops after ${createdAtLoss} ` +
        `GslbServices and returns ${awayMs / 1000} s later with nothing changed`,
      figures: { finalDivergence: divergenceCount(final), crashes: crashed(amko) ? 1 : 0 },
      measures: {
        gslbServices: n,
        createdAtLoss,
        syncMs,
        writesWhileAway: duringAway.all,
        createsOwedWhileAway: duringAway.creates,
        churnWhileAway: duringAway.churn,
        deletesWhileAway: duringAway.deletes,
        lostMemberGslbServices: away.lost.length,
        controllerChecksWhileAway: away.checks,
        writesAfterReturn: afterReturn.all,
      },
      injected: [`${LOST} kube-apiserver stopped for ${awayMs / 1000} s during the sync`],
      rows,
      violations,
    };
  } finally {
    await f.stop();
  }
}

export const experiment: Experiment = { name: 'member-cluster-loss', run };
