/**
 * Scale benchmark: SCALE_CLUSTERS member clusters (default 20 real kube-apiservers), Ingresses
 * spread over them at each size in SCALE_SIZES (default 1000; e.g. `1000,10000,50000`, each size
 * adds Ingresses to the previous one), amko on cluster1 (leader) and SCALE_FOLLOWERS hot-standby
 * followers (default 2, at most 5). Per size, BENCH_RUNS times from a fresh install (amko
 * stopped, roles and epochs forgotten, simulator reset):
 *
 * 1. first install: followers and leader start together over an empty controller → all
 *    GslbServices; then every amko settles (in sync, under 5% of a core);
 * 2. the simulator's write rate alone (GslbService creates/s at the leader's concurrency, after
 *    an untimed warm-up), the leader stopped and the controller emptied, the standbys settled
 *    beside it as in the full sync that follows;
 * 3. full sync: the leader is stopped, the controller emptied, and the leader started again
 *    while its hot standbys run settled (as they would at their own sites, not competing for
 *    this machine's cores) → all GslbServices; its write rate as a share of the simulator's; the
 *    leader's peak RSS (VmHWM) after it; then every amko settles again;
 * 4. replication fan-out: SCALE_EDITS (default 100) sequential edits of a GSLBHostRule on the
 *    leader (for an fqdn no GslbService has, so no controller writes follow), each until every
 *    follower's apiserver stored it (seen through a watch on each), p50/p99;
 * 5. hot-standby failover: the leader is SIGKILLed and cluster2 promoted (`isLeader: true`); time
 *    until its log says its first full sync pass as leader finished.
 *
 * The Ingresses of each size are created while no amko runs. SCALE_LOG_LEVEL=debug logs amko at
 * debug level; SCALE_KEEP_LOGS=1 keeps its log files and prints where. SCALE_PROFILE_DIR=DIR
 * writes a V8 CPU profile of the leader of each first install there (it stops with SIGTERM);
 * the full sync's leader is never profiled, so its figures stay comparable.
 *
 * Writes scale.json into the results folder; the README shows how each figure grows with size.
 */
import { readFileSync } from 'node:fs';
import { eventually } from '../test/support/eventually.js';
import { pool } from '../test/support/pool.js';
import { ScaleFederation, type LogLine, type SiteRun } from './lib/scale-federation.js';
import { MIN_RATE_CREATES, simWriteRate } from './lib/sim-write-rate.js';
import { cpuSeconds, quiet } from './lib/proc.js';
import {
  envInt,
  envInts,
  figures,
  percentile,
  repeat,
  writeResult,
  type BenchContext,
  type BenchResult,
  type FigureSpec,
  type RunRecord,
} from './measure.js';

const NS = 'scale';
const LABEL = { gslb: NS };
const LONG_MS = 60 * 60_000;
const CREATE_CONCURRENCY = 64;
const FANOUT_RULE = 'fanout';
/** amko's log level in this benchmark (SCALE_LOG_LEVEL=debug; SCALE_KEEP_LOGS=1 keeps the logs). */
const LOG_LEVEL = process.env['SCALE_LOG_LEVEL'] === 'debug' ? 'debug' : 'info';
const PROFILE_DIR = process.env['SCALE_PROFILE_DIR'];
/** Node's arguments for the first install's leader: a CPU profile when SCALE_PROFILE_DIR is set. */
const FIRST_LEADER_ARGS = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];

/** One progress line on stderr per phase: a long run shows where it is and how long each took. */
function progress(msg: string, since?: number): void {
  const took = since === undefined ? '' : ` (${((Date.now() - since) / 1000).toFixed(1)} s)`;
  process.stderr.write(`scale ${new Date().toISOString()}: ${msg}${took}\n`);
}

const hostOf = (i: number): string => `app${i}.${NS}.example.com`;
const ipOf = (i: number): string =>
  `10.${Math.floor(i / 62_500) + 1}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;

async function createIngresses(f: ScaleFederation, from: number, to: number): Promise<number> {
  const started = Date.now();
  const all = Array.from({ length: to - from }, (_, k) => from + k);
  const contexts = f.clusters.contexts;
  await pool(all, CREATE_CONCURRENCY, (i) =>
    f.objects.ingress(contexts[i % contexts.length] as string, NS, `ing${i}`, {
      hosts: [{ host: hostOf(i), ip: ipOf(i) }],
      labels: LABEL,
    }),
  );
  return (Date.now() - started) / 1000;
}

async function controllerCounts(
  f: ScaleFederation,
): Promise<{ gsCreated: number; writes: number }> {
  const stats = await f.sim.control.stats();
  let gsCreated = 0;
  let writes = 0;
  for (const c of stats.counts) {
    if (c.objectType === 'gslbservice' && c.method === 'POST' && c.status === 201)
      gsCreated += c.count;
    if (
      ['POST', 'PUT', 'PATCH', 'DELETE'].includes(c.method) &&
      (c.objectType === 'gslbservice' || c.objectType === 'healthmonitor')
    )
      writes += c.count;
  }
  return { gsCreated, writes };
}

function peakRssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 'NaN') / 1024;
}

async function waitLine(
  run: SiteRun,
  re: RegExp,
  after: number,
  timeoutMs = LONG_MS,
): Promise<LogLine> {
  return eventually<LogLine | false>(
    () => run.lines().find((l) => l.time >= after && re.test(l.msg)) ?? false,
    {
      timeoutMs,
      intervalMs: 50,
      what: `${run.site} log ${re.source}`,
    },
  ) as Promise<LogLine>;
}

/** Waits until the amkos of `runs` use at most 5% of a core in the same second. */
async function settled(runs: readonly SiteRun[], what: string): Promise<void> {
  const pids = runs.map((r) => r.child.pid ?? 0);
  await quiet(pids, { maxCpuS: 0.05, timeoutMs: LONG_MS, what });
}

async function waitInSync(f: ScaleFederation): Promise<void> {
  const want = `${f.followers.length}/${f.followers.length}`;
  await eventually(async () => (await f.status(f.leader)).inSync === want, {
    timeoutMs: LONG_MS,
    intervalMs: 100,
    what: `leader status inSync ${want}`,
  });
}

/** Starts amko on the leader; returns when the controller holds `n` GslbServices more than before. */
async function leaderSync(f: ScaleFederation, n: number, nodeArgs: readonly string[] = []) {
  const before = await controllerCounts(f);
  const started = Date.now();
  const leader = f.startAmko(f.leader, LOG_LEVEL, nodeArgs);
  let firstWriteAt = 0;
  let writes = 0;
  await eventually(
    async () => {
      const c = await controllerCounts(f);
      if (firstWriteAt === 0 && c.writes > before.writes) firstWriteAt = Date.now();
      writes = c.writes - before.writes;
      return c.gsCreated - before.gsCreated >= n;
    },
    { timeoutMs: LONG_MS, intervalMs: 100, what: `${n} GslbServices on the controller` },
  );
  const seconds = (Date.now() - started) / 1000;
  // Writing window: first controller write seen (polled every 100 ms) → all GslbServices there.
  const writingS = Math.max(0.1, (Date.now() - firstWriteAt) / 1000);
  await waitLine(leader, /^bootup sync finished$/, 0);
  return { leader, seconds, writingS, writes, peakRssMb: peakRssMb(leader.child.pid) };
}

/**
 * A first install: the followers and the leader start together over an empty controller, and
 * the hot standbys ingest every member cluster while the leader syncs. Returns once the leader
 * wrote all `n` GslbServices, every follower is in sync and every amko is quiet.
 */
async function firstInstall(f: ScaleFederation, n: number) {
  const started = Date.now();
  const followers = f.followers.map((s) => f.startAmko(s, LOG_LEVEL));
  const sync = await leaderSync(f, n, FIRST_LEADER_ARGS);
  await waitInSync(f);
  await settled([sync.leader, ...followers], 'leader and followers after the first install');
  return { ...sync, followers, settledS: (Date.now() - started) / 1000 };
}

/**
 * The measured full sync: the leader starts again over an emptied controller while its hot
 * standbys run, settled, as they would at their own sites. Returns once the controller holds all
 * `n` GslbServices, the followers are in sync and every amko is quiet again.
 */
async function restartSync(f: ScaleFederation, n: number, followers: readonly SiteRun[]) {
  await settled(followers, 'followers before the leader starts');
  const followerCpu = (): number =>
    followers.reduce((sum, r) => sum + cpuSeconds(r.child.pid ?? 0), 0);
  const before = { sim: cpuSeconds(f.sim.pid), followers: followerCpu() };
  const sync = await leaderSync(f, n);
  // Where the cores went from the leader's start to the last GslbService written.
  const cpuS = {
    leader: cpuSeconds(sync.leader.child.pid ?? 0),
    followers: followerCpu() - before.followers,
    simulator: cpuSeconds(f.sim.pid) - before.sim,
  };
  await waitInSync(f);
  const t = Date.now();
  await settled([sync.leader, ...followers], 'leader and followers after the full sync');
  return { ...sync, cpuS, quietAfterS: (Date.now() - t) / 1000 };
}

/**
 * `edits` sequential edits of a GSLBHostRule whose fqdn no GslbService has (so the leader writes
 * nothing to the controller for them); per edit the time until every follower's apiserver holds it.
 */
async function fanOut(f: ScaleFederation, edits: number, run: number): Promise<number[]> {
  const samples: number[] = [];
  const seen = await f.watchHostRule(f.followers, FANOUT_RULE);
  try {
    for (let i = 1; i <= edits; i++) {
      const ttl = ((run * edits + i) % 3000) + 2;
      const t0 = performance.now();
      await f.patchHostRule(FANOUT_RULE, { ttl });
      await eventually(() => f.followers.every((s) => seen.ttlOf(s) === ttl), {
        timeoutMs: 60_000,
        intervalMs: 1,
        what: `GSLBHostRule ttl ${ttl} on every follower`,
      });
      samples.push(performance.now() - t0);
    }
  } finally {
    seen.stop();
  }
  return samples.sort((a, b) => a - b);
}

async function hotFailover(f: ScaleFederation, leader: SiteRun, promoted: SiteRun) {
  await leader.kill('SIGKILL');
  const before = await controllerCounts(f);
  const t0 = Date.now();
  await f.setLeader(promoted.site, true);
  const done = await waitLine(promoted, /^full sync finished$/, t0);
  const after = await controllerCounts(f);
  // The controller view is verified beside the writes once the pass is queued; the keys whose
  // objects it found changed are planned again.
  const verified = await waitLine(promoted, /^controller view verified$/, t0);
  await settled([promoted], 'the promoted leader after its view check');
  const checked = await controllerCounts(f);
  return {
    failoverMs: done.time - t0,
    writesInPass: after.writes - before.writes,
    viewVerifiedMs: verified.time - t0,
    viewCheck: {
      listed: verified['listed'],
      changed: verified['changed'],
      gone: verified['gone'],
      keysPlannedAgain: verified['keys'],
      writesAfter: checked.writes - after.writes,
    },
  };
}

function hotGoal(n: number): string | undefined {
  if (n === 1_000) return '≤ 1 s with 1,000';
  if (n === 10_000) return '≤ 3 s with 10,000';
  return undefined;
}

function figuresAt(n: number, followers: number): FigureSpec[] {
  const size = `${n.toLocaleString('en-US')} Ingresses`;
  const spec = (key: string, metric: string, unit: string, goal?: string): FigureSpec => ({
    key: `${key}@${n}`,
    label: `${metric}, ${size}`,
    metric,
    at: n,
    unit,
    ...(goal !== undefined ? { goal } : {}),
  });
  return [
    spec('simWriteRate', 'simulator write rate alone (GslbService creates/s, 8 in flight)', '/s'),
    spec(
      'firstInstallS',
      'first install: leader and followers start together → all GslbServices',
      's',
    ),
    spec('fullSyncS', 'full sync: leader start (standbys settled) → all GslbServices', 's'),
    spec(
      'syncShareOfSimRate',
      'full sync write rate (first write → all GslbServices) ÷ simulator write rate',
      '',
      '≥ 0.8',
    ),
    spec(
      'leaderPeakRssMb',
      'leader peak RSS (VmHWM) after the full sync',
      'MB',
      n === 50_000 && followers === 5 ? '≤ 1 GB (20 clusters, 5 followers)' : undefined,
    ),
    spec('fanOutP50', `replication fan-out to ${followers} followers p50`, 'ms'),
    spec('fanOutP99', `replication fan-out to ${followers} followers p99`, 'ms'),
    spec(
      'hotFailoverMs',
      'hot-standby failover: isLeader: true → full sync pass finished',
      'ms',
      hotGoal(n),
    ),
    spec('hotFailoverWrites', 'hot-standby failover: controller writes in that pass', '', '0'),
  ];
}

/** Runs the benchmark. */
export async function run(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const sizes = (ctx.short ? [20] : envInts('SCALE_SIZES', [1_000])).sort((a, b) => a - b);
  const clusters = ctx.short ? 2 : envInt('SCALE_CLUSTERS', 20);
  const followers = ctx.short ? 1 : envInt('SCALE_FOLLOWERS', 2);
  if (followers > 5) throw new Error(`SCALE_FOLLOWERS must be 1..5, got ${followers}`);
  const edits = ctx.short ? 5 : envInt('SCALE_EDITS', 100);
  // As many creates as the size's GslbServices: the ceiling is taken over a store of the same size.
  const rateCreates = (n: number): number => (ctx.short ? 40 : Math.max(MIN_RATE_CREATES, n));
  const setupStarted = Date.now();
  const f = await ScaleFederation.start({ clusters, followers: Math.min(followers, clusters - 1) });
  try {
    const clustersStartS = (Date.now() - setupStarted) / 1000;
    progress(
      `${clusters} member clusters, simulator and ${f.followers.length} followers up`,
      setupStarted,
    );
    for (const c of f.clusters.contexts) await f.objects.namespace(c, NS);
    await f.installGslbObjects(LABEL);
    await f.createHostRule(FANOUT_RULE, `fanout.${NS}.example.com`, 1);
    const specs: FigureSpec[] = [];
    const records: RunRecord[] = [];
    const details: Record<string, unknown> = { clustersStartS };
    // A profiled first install is slower than a plain one: its figures say so.
    if (PROFILE_DIR) details['firstInstallCpuProfiled'] = true;
    let created = 0;
    for (const n of sizes) {
      // No amko runs while the Ingresses are made: the machine's cores go to the apiservers.
      await f.stopAmkos();
      progress(`creating Ingresses ${created + 1}..${n}`);
      const createS = await createIngresses(f, created, n);
      progress(`${n} Ingresses in the member clusters (${createS.toFixed(1)} s)`);
      created = n;
      specs.push(...figuresAt(n, f.followers.length));
      const out = await repeat(ctx.runs, async (runIndex) => {
        const at = `${n}, run ${runIndex + 1}`;
        let t = Date.now();
        await f.reset();
        const install = await firstInstall(f, n);
        progress(`${at}: first install synced and settled in ${install.settledS.toFixed(1)} s`, t);
        await install.leader.kill('SIGTERM');
        await f.sim.control.reset();
        // The ceiling, taken where the full sync runs: the same simulator, as warm, with the
        // same settled standbys beside it.
        t = Date.now();
        const rate = await simWriteRate(f.sim, rateCreates(n), `scale${n}r${runIndex}`);
        progress(`${at}: simulator alone ${Math.round(rate.createsPerSecond)} creates/s`, t);
        await f.sim.control.reset();
        t = Date.now();
        const sync = await restartSync(f, n, install.followers);
        progress(
          `${at}: full sync ${sync.seconds.toFixed(1)} s (writing ${sync.writingS.toFixed(1)} s, ` +
            `${sync.writes} writes), CPU s leader ${sync.cpuS.leader.toFixed(1)} / followers ` +
            `${sync.cpuS.followers.toFixed(1)} / simulator ${sync.cpuS.simulator.toFixed(1)}, ` +
            `peak RSS ${sync.peakRssMb.toFixed(0)} MB, quiet ${sync.quietAfterS.toFixed(1)} s after`,
          t,
        );
        t = Date.now();
        const fan = await fanOut(f, edits, runIndex);
        progress(
          `${at}: ${fan.length} edits fanned out, p99 ${percentile(fan, 99).toFixed(1)} ms`,
          t,
        );
        const promoted = install.followers[0];
        if (!promoted) throw new Error('no follower to promote');
        t = Date.now();
        const failover = await hotFailover(f, sync.leader, promoted);
        progress(
          `${at}: hot failover ${failover.failoverMs} ms, ${failover.writesInPass} writes`,
          t,
        );
        const writeRate = sync.writes / sync.writingS;
        return {
          values: {
            [`simWriteRate@${n}`]: rate.createsPerSecond,
            [`firstInstallS@${n}`]: install.seconds,
            [`fullSyncS@${n}`]: sync.seconds,
            [`syncShareOfSimRate@${n}`]: writeRate / rate.createsPerSecond,
            [`leaderPeakRssMb@${n}`]: sync.peakRssMb,
            [`fanOutP50@${n}`]: percentile(fan, 50),
            [`fanOutP99@${n}`]: percentile(fan, 99),
            [`hotFailoverMs@${n}`]: failover.failoverMs,
            [`hotFailoverWrites@${n}`]: failover.writesInPass,
          },
          details: {
            firstInstall: {
              seconds: install.seconds,
              settledS: install.settledS,
              peakRssMb: install.peakRssMb,
            },
            fullSyncWrites: sync.writes,
            fullSyncWritingS: sync.writingS,
            fullSyncCpuS: sync.cpuS,
            quietAfterFullSyncS: sync.quietAfterS,
            simRate: rate,
            fanOutEdits: fan.length,
            failover,
          },
        };
      });
      records.push(...out.records);
      details[String(n)] = { createIngressesS: createS, runs: out.details };
    }
    return writeResult(ctx, {
      benchmark: 'scale',
      workload:
        `${clusters} member clusters (real kube-apiservers), ${sizes.map((n) => n.toLocaleString('en-US')).join(' → ')} ` +
        `Ingresses (one host each) spread over them, amko-avi-sim, amko leader on cluster1 and ` +
        `${f.followers.length} hot-standby followers; per size and run from a fresh install: ` +
        'a first install (leader and followers start together); the leader stopped, the ' +
        "simulator's create rate alone (after an untimed warm-up, the standbys settled beside it); " +
        'the full sync of the leader started again over an emptied controller with its standbys ' +
        `settled; ${edits} GSLBHostRule edits fanned out to every settled follower; SIGKILL of the ` +
        'leader and promotion of cluster2. Ingresses are created while no amko runs.',
      seconds: (Date.now() - started) / 1000,
      figures: figures(specs, records),
      details,
    });
  } catch (err) {
    process.stderr.write(f.logTails());
    throw err;
  } finally {
    await f.stop();
  }
}
