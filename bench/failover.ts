/**
 * Failover benchmark on a real three-site federation (three kube-apiservers, the Avi simulator,
 * three `amko` processes with mutual TLS), for each size in AMKO_BENCH_FAILOVER_SIZES (GslbServices,
 * default `1000`; `1000,10000` adds the 10,000 figures, ~3 min more per run), BENCH_RUNS times. Every host has an Ingress in all three clusters, so each GslbService has
 * three members. Per size, on one federation:
 *
 * 1. cold standby: cluster1 (leader) is SIGKILLed and cluster2 (`--standby cold`) promoted with
 *    `isLeader: true`; time until its first complete sync pass (bootup pass) finished;
 * 2. fencing: cluster1 returns still saying `isLeader: true`; time until its status says `fenced`;
 *    then it is demoted and follows cluster2;
 * 3. hot standby: cluster2 is SIGKILLed and cluster3 (hot standby, the default) promoted; time
 *    until the full sync pass that promotion starts finished.
 *
 * The end of a failover is the promoted amko's own log line for the end of that pass ("bootup sync
 * finished" cold, "full sync finished" hot: every GslbService key passed over once, with the
 * number still failing), taken from the line's timestamp. The controller writes made by the new
 * leader (simulator journal, User-Agent `cluster/<context>`) say whether it was diff-free. Writes
 * failover.json into the results folder; asserts nothing about speed.
 */
import os from 'node:os';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { AMKO_CLUSTER, type AmkoClusterStatus } from '../src/shared/crd/amko-cluster.js';
import { AMKO_CLUSTER_NAME, AVI_SYSTEM } from '../src/shared/crd/common.js';
import { E2eFederation, type AmkoRun } from '../test/support/e2e-federation.js';
import { eventually } from '../test/support/eventually.js';
import {
  envInt,
  envInts,
  figures,
  repeat,
  writeResult,
  type BenchContext,
  type BenchResult,
  type FigureSpec,
  type RunRecord,
} from './measure.js';

const NS = 'bench';
const CONCURRENCY = 16;
const LOG_ARGS = Object.freeze(['--log-level', 'info']);
const WRITES = Object.freeze(['POST', 'PUT', 'PATCH', 'DELETE']);
const SESSION_CALLS = Object.freeze(['login', 'logout']);
const LONG_MS = 30 * 60_000;
const SIGNAL =
  'end = timestamp of the promoted amko log line that closes its first complete pass over every ' +
  'GslbService key: "bootup sync finished" (cold standby: the pipeline starts on promotion) or ' +
  '"full sync finished" (hot standby: promotion passes over the keys whose last read-only plan ' +
  'no longer holds, and every other key stays as that plan found it; the controller view is then ' +
  'verified beside the writes, versions only, and what changed is planned again: its time is ' +
  'phasesMsFromPatch.controllerViewVerified); ' +
  'start = just before the merge patch isLeader: true is sent to the API server. Diff-free = ' +
  'controllerWrites.inPass is 0 (simulator journal, User-Agent cluster/<context>). ' +
  'amko.leader SERVING is recorded too but is not the signal: a hot standby was booted before ' +
  'promotion, so it turns SERVING before its first pass as leader ends.';

interface LogLine {
  readonly time: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

function logLines(run: AmkoRun): LogLine[] {
  const out: LogLine[] = [];
  for (const text of run.log().split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const line = JSON.parse(text) as Partial<LogLine>;
      if (typeof line.time === 'number' && typeof line.msg === 'string') out.push(line as LogLine);
    } catch {
      // a line cut short by a kill
    }
  }
  return out;
}

function firstLine(run: AmkoRun, re: RegExp, after: number): LogLine | undefined {
  return logLines(run).find((l) => l.time >= after && re.test(l.msg));
}

async function waitLine(run: AmkoRun, re: RegExp, after: number, timeoutMs = LONG_MS) {
  const line = await eventually(() => firstLine(run, re, after) ?? false, {
    timeoutMs,
    intervalMs: 50,
    what: `${run.cluster} log ${re.source}`,
  });
  return line as LogLine;
}

async function pool<T>(items: readonly T[], width: number, fn: (t: T) => Promise<void>) {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

const hostOf = (i: number): string => `app${i}.${NS}.example.com`;
const ipOf = (cluster: string, i: number): string =>
  `10.${cluster.slice(-1)}.${Math.floor(i / 250)}.${(i % 250) + 1}`;

/** The same `n` hosts in every cluster, `perIngress` hosts to an Ingress, 16 calls in flight. */
async function createIngresses(f: E2eFederation, n: number, perIngress: number): Promise<void> {
  for (const c of f.contexts) await f.objects.namespace(c, NS);
  const jobs: { cluster: string; from: number }[] = [];
  for (const cluster of f.contexts) {
    for (let from = 0; from < n; from += perIngress) jobs.push({ cluster, from });
  }
  await pool(jobs, CONCURRENCY, async ({ cluster, from }) => {
    const hosts = [];
    for (let i = from; i < Math.min(n, from + perIngress); i++) {
      hosts.push({ host: hostOf(i), ip: ipOf(cluster, i) });
    }
    await f.objects.ingress(cluster, NS, `apps-${from}`, { hosts, labels: { gslb: NS } });
  });
}

async function setLeader(f: E2eFederation, cluster: string, isLeader: boolean): Promise<void> {
  await f.api(cluster).patchNamespacedCustomObject(
    {
      group: AMKO_CLUSTER.group,
      version: AMKO_CLUSTER.version,
      plural: AMKO_CLUSTER.plural,
      namespace: AVI_SYSTEM,
      name: AMKO_CLUSTER_NAME,
      body: { spec: { isLeader } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

async function statusHolds(
  f: E2eFederation,
  cluster: string,
  ok: (s: AmkoClusterStatus) => boolean,
  opts: { what: string; timeoutMs?: number },
): Promise<void> {
  const { what, timeoutMs = 300_000 } = opts;
  await eventually(async () => ok(await f.status(cluster)), {
    timeoutMs,
    intervalMs: 20,
    what: `${cluster} ${what}`,
  });
}

/** Controller calls journalled from `cluster` after entry `since`. */
async function callsFrom(f: E2eFederation, cluster: string, since: number) {
  const ua = new RegExp(`cluster/${cluster}$`);
  const all = (await f.sim.control.journal({ since })).filter((e) => ua.test(e.userAgent ?? ''));
  const writes = all.filter(
    (e) => WRITES.includes(e.method) && !SESSION_CALLS.includes(e.objectType),
  );
  return { all, writes };
}

async function gslbServiceCount(f: E2eFederation): Promise<number> {
  const objs = await f.sim.control.objects({ type: 'gslbservice' });
  return (objs['gslbservice'] ?? []).filter((o) => String(o['name']).endsWith(`.${NS}.example.com`))
    .length;
}

const since0 = (line: LogLine | undefined, t0: number): number | null =>
  line ? line.time - t0 : null;

function phases(run: AmkoRun, t0: number, standby: 'hot' | 'cold') {
  const at = (re: RegExp): number | null => since0(firstLine(run, re, t0), t0);
  return {
    isLeaderSeen: at(/isLeader: true; leading$/),
    epochPersisted: at(/^promoted: epoch \d+ persisted$/),
    epochSurveyDone: at(/^epoch survey/),
    pipelineWriting: at(standby === 'hot' ? /^leader activated$/ : /^leader started$/),
    gslbPipelineStarting: at(/^starting the GSLB pipeline$/),
    controllerViewVerified: at(/^controller view verified$/),
    keysQueued: at(/^(full sync: controller re-read|activation: )/),
    leading: at(/^leading$/),
    leaderHealthServing: at(/^leader in sync: amko\.leader SERVING$/),
  };
}

/** Kills `kill`'s amko, promotes `promote` and times its first complete pass as leader. */
async function failover(
  f: E2eFederation,
  o: { kill: string; promote: string; standby: 'hot' | 'cold' },
) {
  const run = f.run(o.promote);
  if (!run) throw new Error(`no amko on ${o.promote}`);
  await f.run(o.kill)?.kill('SIGKILL');
  const since = (await f.sim.control.stats()).total;
  const load = os.loadavg()[0] ?? 0;
  const t0 = Date.now();
  await setLeader(f, o.promote, true);
  const patchMs = Date.now() - t0;
  const done = await waitLine(
    run,
    o.standby === 'hot' ? /^full sync finished$/ : /^bootup sync finished$/,
    t0,
  );
  const calls = await callsFrom(f, o.promote, since);
  const verified =
    o.standby === 'hot' ? await waitLine(run, /^controller view verified$/, t0) : undefined;
  await statusHolds(f, o.promote, (s) => s.role === 'leader', { what: 'role leader' });
  const roleLeaderMs = Date.now() - t0;
  await waitLine(run, /^leader in sync: amko\.leader SERVING$/, t0, 120_000);
  const inPass = calls.writes.filter((e) => Date.parse(e.time) <= done.time);
  const byOp: Record<string, number> = {};
  for (const w of inPass)
    byOp[`${w.method} ${w.objectType}`] = (byOp[`${w.method} ${w.objectType}`] ?? 0) + 1;
  return {
    standby: o.standby,
    promoted: o.promote,
    killedLeader: o.kill,
    failoverMs: done.time - t0,
    patchRoundTripMs: patchMs,
    statusRoleLeaderObservedMs: roleLeaderMs,
    phasesMsFromPatch: phases(run, t0, o.standby),
    // What the promoted standby found when it verified its view (hot only): objects listed,
    // new or changed since its last read, gone, and whether it read the whole mirror instead.
    viewCheck: verified
      ? {
          listed: verified['listed'],
          changed: verified['changed'],
          gone: verified['gone'],
          reread: verified['reread'],
        }
      : null,
    pass: {
      gslbServicesInCache: done['gslbServices'],
      failing: done['failing'],
      passMs: done['ms'],
      memoryMb: done['memoryMb'],
    },
    controllerWrites: { inPass: inPass.length, byOp, totalSincePromotion: calls.writes.length },
    controllerCallsByNewLeader: calls.all.length,
    diffFree: inPass.length === 0,
    gslbServicesOnController: await gslbServiceCount(f),
    loadAverage1mAtStart: Math.round(load * 100) / 100,
  };
}

/** The old leader returns still saying isLeader: true; time until its status says fenced. */
async function oldLeaderReturns(f: E2eFederation, cluster: string) {
  const since = (await f.sim.control.stats()).total;
  const t0 = Date.now();
  const run = f.startAmko(cluster, LOG_ARGS);
  await statusHolds(f, cluster, (s) => s.role === 'fenced', {
    what: 'role fenced',
    timeoutMs: 120_000,
  });
  const statusMs = Date.now() - t0;
  const fenced = await waitLine(run, /^fenced: /, t0, 60_000);
  const started = await waitLine(run, /^amko starting$/, t0, 60_000);
  const { writes } = await callsFrom(f, cluster, since);
  return {
    returnToStatusFencedMs: statusMs,
    returnToFencedLogMs: fenced.time - t0,
    processStartToFencedLogMs: fenced.time - started.time,
    controllerWritesSinceReturn: writes.length,
  };
}

async function demote(f: E2eFederation, cluster: string, leader: string): Promise<void> {
  await setLeader(f, cluster, false);
  await statusHolds(f, cluster, (s) => s.role === 'follower', { what: 'role follower' });
  await statusHolds(f, leader, (s) => s.inSync === '2/2', { what: 'both followers in sync' });
}

async function install(f: E2eFederation, n: number, perIngress: number) {
  await f.createGslbConfig('cluster1');
  await f.create('cluster1', 'GlobalDeploymentPolicy', {
    metadata: { namespace: AVI_SYSTEM, name: 'global-gdp' },
    spec: {
      matchRules: { appSelector: { label: { gslb: NS } } },
      matchClusters: f.contexts.map((cluster) => ({ cluster })),
    },
  });
  const t0 = Date.now();
  await createIngresses(f, n, perIngress);
  return {
    ingressesPerCluster: Math.ceil(n / perIngress),
    createSeconds: (Date.now() - t0) / 1000,
  };
}

/** cluster1 leads, cluster2 is a cold standby, cluster3 a hot one; all synced. */
async function startAmkos(f: E2eFederation, n: number) {
  const t0 = Date.now();
  const leader = f.startAmko('cluster1', LOG_ARGS);
  f.startAmko('cluster2', [...LOG_ARGS, '--standby', 'cold']);
  const hot = f.startAmko('cluster3', LOG_ARGS);
  const boot = await waitLine(leader, /^bootup sync finished$/, 0);
  await waitLine(hot, /^bootup sync finished$/, 0);
  await statusHolds(f, 'cluster1', (s) => s.inSync === '2/2', { what: 'both followers in sync' });
  const present = await gslbServiceCount(f);
  if (present !== n)
    throw new Error(`expected ${n} GslbServices on the controller, found ${present}`);
  return { leaderBootupSyncSeconds: (boot.time - t0) / 1000, gslbServicesOnController: present };
}

async function oneSize(n: number, perIngress: number) {
  const t0 = Date.now();
  const f = await E2eFederation.start();
  try {
    const clustersSeconds = (Date.now() - t0) / 1000;
    const objects = await install(f, n, perIngress);
    const initial = await startAmkos(f, n);
    const cold = await failover(f, { kill: 'cluster1', promote: 'cluster2', standby: 'cold' });
    const fencing = await oldLeaderReturns(f, 'cluster1');
    await demote(f, 'cluster1', 'cluster2');
    await statusHolds(f, 'cluster3', (s) => s.role === 'follower' && s.leader === 'cluster2', {
      what: 'following cluster2',
    });
    const hot = await failover(f, { kill: 'cluster2', promote: 'cluster3', standby: 'hot' });
    return {
      setup: {
        gslbServices: n,
        membersPerGslbService: f.contexts.length,
        hostsPerIngress: perIngress,
        ...objects,
        clustersStartSeconds: clustersSeconds,
        ...initial,
      },
      hotStandby: hot,
      coldStandby: cold,
      oldLeaderReturnToFenced: fencing,
      seconds: (Date.now() - t0) / 1000,
    };
  } catch (err) {
    process.stderr.write(f.logTails(4000));
    throw err;
  } finally {
    await f.stop();
  }
}

function hotGoal(n: number): string | undefined {
  if (n === 1_000) return '≤ 1 s with 1,000';
  if (n === 10_000) return '≤ 3 s with 10,000';
  return undefined;
}

function figuresAt(n: number): FigureSpec[] {
  const size = `${n.toLocaleString('en-US')} GslbServices`;
  const spec = (key: string, metric: string, unit: string, goal?: string): FigureSpec => ({
    key: `${key}@${n}`,
    label: `${metric}, ${size}`,
    metric,
    at: n,
    unit,
    ...(goal !== undefined ? { goal } : {}),
  });
  return [
    spec(
      'hotFailoverMs',
      'hot standby: isLeader: true → first complete diff-free pass',
      'ms',
      hotGoal(n),
    ),
    spec('hotWritesInPass', 'hot standby: controller writes in that pass', '', '0'),
    spec('coldFailoverMs', 'cold standby: isLeader: true → bootup pass finished', 'ms'),
    spec('coldWritesInPass', 'cold standby: controller writes in that pass', '', '0'),
    spec('fencedMs', 'old leader returns: start → status fenced', 'ms'),
    spec('leaderBootupSyncS', 'leader bootup sync (3 members per GslbService)', 's'),
  ];
}

/** Runs the benchmark: BENCH_RUNS federations per size (AMKO_BENCH_FAILOVER_SIZES, default 1000). */
export async function run(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const sizes = ctx.short ? [20] : envInts('AMKO_BENCH_FAILOVER_SIZES', [1_000]);
  const perIngress = ctx.short ? 5 : envInt('AMKO_BENCH_FAILOVER_HOSTS_PER_INGRESS', 10);
  const specs: FigureSpec[] = [];
  const records: RunRecord[] = [];
  const details: Record<string, unknown[]> = {};
  for (const n of sizes) {
    specs.push(...figuresAt(n));
    const out = await repeat(ctx.runs, async () => {
      const r = await oneSize(n, perIngress);
      return {
        values: {
          [`hotFailoverMs@${n}`]: r.hotStandby.failoverMs,
          [`hotWritesInPass@${n}`]: r.hotStandby.controllerWrites.inPass,
          [`coldFailoverMs@${n}`]: r.coldStandby.failoverMs,
          [`coldWritesInPass@${n}`]: r.coldStandby.controllerWrites.inPass,
          [`fencedMs@${n}`]: r.oldLeaderReturnToFenced.returnToStatusFencedMs,
          [`leaderBootupSyncS@${n}`]: r.setup.leaderBootupSyncSeconds,
        },
        details: r,
      };
    });
    records.push(...out.records);
    details[String(n)] = out.details;
  }
  return writeResult(ctx, {
    benchmark: 'failover',
    workload:
      `a three-site federation per run (3 kube-apiservers, amko-avi-sim, 3 amko processes with ` +
      `mutual TLS; cluster2 cold standby, cluster3 hot) with ${sizes.map((n) => n.toLocaleString('en-US')).join(' / ')} ` +
      `hosts (${perIngress} per Ingress) in every cluster; the leader is SIGKILLed and the cold ` +
      'standby promoted, the old leader returns and is fenced, then the new leader is killed and ' +
      `the hot standby promoted. ${SIGNAL}`,
    seconds: (Date.now() - started) / 1000,
    figures: figures(specs, records),
    details,
  });
}
