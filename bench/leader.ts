/**
 * Leader benchmark: 10,000 Ingresses (BENCH_LEADER_INGRESSES; distinct hosts) spread over 3
 * member clusters, the real `amko` binary and the Avi simulator.
 *
 * 1. initial sync: time from amko start to all GslbServices on the simulator, REST calls made,
 *    peak RSS of the amko process;
 * 2. resync with nothing changed: a restart (bootup re-reads everything) and a periodic full
 *    sync, each with the writes made (goal 0) and the time taken;
 * 3. 100 Ingress VIP changes: time until all are reflected on the simulator;
 * 4. before each run, the simulator's write rate alone (GslbService creates/s at the leader's
 *    concurrency, after an untimed warm-up), and the initial sync's write rate as a share of it
 *    (`syncShareOfSimRate`).
 *
 * The Ingresses are created once; every run starts from a reset simulator and a fresh amko.
 * Writes leader.json into the results folder.
 */
import { readFileSync } from 'node:fs';
import { eventually } from '../test/support/eventually.js';
import { LeaderFixture, type AmkoProcess } from '../test/support/leader-fixture.js';
import { pool } from '../test/support/pool.js';
import {
  AVI_CLIENT_DEFAULT_CONCURRENCY,
  MIN_RATE_CREATES,
  simWriteRate,
  warmUpCreates,
} from './lib/sim-write-rate.js';
import {
  envInt,
  figures,
  repeat,
  writeResult,
  type BenchContext,
  type BenchResult,
  type FigureSpec,
} from './measure.js';

const CHANGES = 100;
/**
 * refreshInterval (s) for the periodic full sync figure: a pass is only reported when it ends
 * before the next one starts, so the interval must exceed a pass even on a busy machine.
 */
const PERIODIC_REFRESH_S = 10;
/** NODE_OPTIONS amko runs with: none (its own start-up tuning only) unless BENCH_LEADER_NODE_OPTIONS. */
const NODE_OPTIONS = process.env['BENCH_LEADER_NODE_OPTIONS'] ?? '';
const FLAGS = NODE_OPTIONS === '' ? 'default V8 flags' : NODE_OPTIONS;
const UUID = '44444444-5555-4666-8777-888888888888';
const NS = 'bench';

interface Counts {
  total: number;
  writes: number;
  gsCreated: number;
  gsUpdated: number;
}

async function counts(f: LeaderFixture): Promise<Counts> {
  const stats = await f.sim.control.stats();
  const sum = (pred: (c: (typeof stats.counts)[number]) => boolean): number =>
    stats.counts.filter(pred).reduce((n, c) => n + c.count, 0);
  return {
    total: stats.total,
    writes: await f.writeCount(),
    gsCreated: sum(
      (c) => c.method === 'POST' && c.objectType === 'gslbservice' && c.status === 201,
    ),
    gsUpdated: sum((c) => c.method === 'PUT' && c.objectType === 'gslbservice' && c.status === 200),
  };
}

function peakRssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? '0');
  return Math.round(kb / 1024);
}

const hostOf = (i: number): string => `app${i}.${NS}.example.com`;
const clusterOf = (i: number): string => `cluster${(i % 3) + 1}`;
const ipOf = (i: number, gen: number): string => `10.${gen}.${Math.floor(i / 250)}.${i % 250}`;

async function createIngresses(f: LeaderFixture, INGRESSES: number): Promise<void> {
  for (const c of f.clusters.contexts) await f.objects.namespace(c, NS);
  const all = Array.from({ length: INGRESSES }, (_, i) => i);
  await pool(all, 48, (i) =>
    f.objects.ingress(clusterOf(i), NS, `ing${i}`, {
      hosts: [{ host: hostOf(i), ip: ipOf(i, 1) }],
      labels: { gslb: NS },
    }),
  );
}

async function waitSeconds(fn: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  await eventually(fn, { timeoutMs, intervalMs: 100 });
  return (Date.now() - started) / 1000;
}

async function initialSync(f: LeaderFixture, INGRESSES: number) {
  await f.sim.control.clearJournal();
  const before = await counts(f);
  const started = Date.now();
  const amko = f.startAmko(['--log-level', 'info'], NODE_OPTIONS || undefined);
  let firstWriteAt = 0;
  let writesAtAll = 0;
  await waitSeconds(async () => {
    const c = await counts(f);
    if (firstWriteAt === 0 && c.writes > before.writes) firstWriteAt = Date.now();
    writesAtAll = c.writes - before.writes;
    return c.gsCreated - before.gsCreated >= INGRESSES;
  }, 900_000);
  const allPresentS = (Date.now() - started) / 1000;
  // Writing window: first controller write seen (polled every 100 ms) → all GslbServices there.
  const writingS = Math.max(0.1, (Date.now() - firstWriteAt) / 1000);
  await amko.waitForLog(/bootup sync finished/, 300_000);
  const after = await counts(f);
  const present = (await f.gslbServices()).size;
  return {
    ingresses: INGRESSES,
    memberClusters: 3,
    gslbServicesPresent: present,
    secondsToAllGslbServices: allPresentS,
    secondsToFirstWrite: (firstWriteAt - started) / 1000,
    writingSeconds: writingS,
    writesInWindow: writesAtAll,
    secondsToBootupSyncFinished: (Date.now() - started) / 1000,
    restCalls: after.total - before.total,
    writes: after.writes - before.writes,
    peakRssMb: peakRssMb(amko.child.pid),
  };
}

async function restartResync(f: LeaderFixture) {
  await f.stopAmko();
  const before = await counts(f);
  const started = Date.now();
  const amko = f.startAmko(['--log-level', 'info'], NODE_OPTIONS || undefined);
  await amko.waitForLog(/bootup sync finished/, 600_000);
  const after = await counts(f);
  return {
    seconds: (Date.now() - started) / 1000,
    writes: after.writes - before.writes,
    restCalls: after.total - before.total,
  };
}

async function periodicResync(f: LeaderFixture, amko: AmkoProcess) {
  const before = await counts(f);
  const finished = (): number => (amko.log().match(/full sync finished/g) ?? []).length;
  const start = finished();
  await f.putGslbConfig(
    { refreshInterval: PERIODIC_REFRESH_S },
    { 'amko.vmware.com/amko-uuid': UUID },
  );
  await amko.waitForLog(/bootup sync finished[\s\S]*bootup sync finished/, 600_000);
  const mark = await counts(f);
  await eventually(() => finished() > start, { timeoutMs: 600_000, intervalMs: 250 });
  const line =
    amko
      .log()
      .split('\n')
      .filter((l) => l.includes('full sync finished'))
      .pop() ?? '{}';
  const after = await counts(f);
  return {
    secondsForOneFullSync: ((JSON.parse(line) as { ms?: number }).ms ?? 0) / 1000,
    writesDuringFullSync: after.writes - mark.writes,
    writesAfterConfigReload: mark.writes - before.writes,
  };
}

async function ipChanges(f: LeaderFixture, INGRESSES: number, changeCount: number, gen: number) {
  const before = await counts(f);
  const step = Math.floor(INGRESSES / changeCount);
  const changed = Array.from({ length: changeCount }, (_, i) => i * step);
  const started = Date.now();
  await pool(changed, 20, (i) =>
    f.objects.ingress(clusterOf(i), NS, `ing${i}`, {
      hosts: [{ host: hostOf(i), ip: ipOf(i, gen) }],
      labels: { gslb: NS },
    }),
  );
  const writtenS = (Date.now() - started) / 1000;
  await waitSeconds(
    async () => (await counts(f)).gsUpdated - before.gsUpdated >= changeCount,
    300_000,
  );
  const seconds = (Date.now() - started) / 1000;
  const gs = await f.gslbServices();
  const reflected = changed.filter((i) =>
    JSON.stringify(gs.get(hostOf(i)) ?? {}).includes(`"${ipOf(i, gen)}"`),
  );
  return {
    changes: changeCount,
    secondsToWriteIngresses: writtenS,
    secondsUntilAllReflected: seconds,
    reflected: reflected.length,
  };
}

const FIGURES = (n: number, changes: number): FigureSpec[] => [
  {
    key: 'simWriteRate',
    label: `simulator write rate alone: GslbService creates/s at concurrency ${AVI_CLIENT_DEFAULT_CONCURRENCY} (the leader's ceiling)`,
    unit: '/s',
  },
  {
    key: 'initialSyncS',
    label: `initial sync: amko start → all ${n.toLocaleString('en-US')} GslbServices on the controller`,
    unit: 's',
  },
  {
    key: 'syncWriteRate',
    label: 'initial sync: controller writes/s (first write → all GslbServices)',
    unit: '/s',
  },
  {
    key: 'syncShareOfSimRate',
    label: 'initial sync write rate ÷ simulator write rate (syncShareOfSimRate)',
    unit: '',
    goal: '≥ 0.8',
  },
  {
    key: 'peakRssMb',
    label: `amko peak RSS (VmHWM) after the initial sync (${FLAGS})`,
    unit: 'MB',
    ...(n === 10_000 ? { goal: '≤ 260 MB at 10,000 (default V8 flags)' } : {}),
    ...(n === 1_000 ? { goal: '≤ 150 MB at 1,000 (default V8 flags)' } : {}),
  },
  { key: 'restartResyncS', label: 'resync by restart, nothing changed: time', unit: 's' },
  {
    key: 'restartResyncWrites',
    label: 'resync by restart, nothing changed: controller writes',
    unit: '',
    goal: '0',
  },
  { key: 'periodicFullSyncS', label: 'periodic full sync, nothing changed: time', unit: 's' },
  {
    key: 'periodicFullSyncWrites',
    label: 'periodic full sync, nothing changed: controller writes',
    unit: '',
    goal: '0',
  },
  {
    key: 'ipChangesS',
    label: `${changes} Ingress VIP changes → all reflected on the controller`,
    unit: 's',
  },
];

/** Runs the benchmark (BENCH_LEADER_INGRESSES, default 10,000; 30 in short mode). */
export async function run(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const ingresses = ctx.short ? 30 : envInt('BENCH_LEADER_INGRESSES', 10_000);
  const changes = Math.min(CHANGES, Math.max(1, Math.floor(ingresses / 3)));
  // As many creates as the sync writes GslbServices: the ceiling over a store of the same size.
  const rateCreates = ctx.short ? 40 : Math.max(MIN_RATE_CREATES, ingresses);
  const f = await LeaderFixture.start({ n: 3 });
  try {
    const createStarted = Date.now();
    await createIngresses(f, ingresses);
    const setupS = (Date.now() - createStarted) / 1000;
    const { records, details } = await repeat(ctx.runs, async (runIndex) => {
      await f.resetScenario();
      const rate = await simWriteRate(f.sim, rateCreates, `rate${runIndex}`);
      await f.sim.control.reset();
      await f.putGslbConfig({ refreshInterval: 3600 }, { 'amko.vmware.com/amko-uuid': UUID });
      await f.putGdp({
        matchRules: { appSelector: { label: { gslb: NS } } },
        matchClusters: f.clusters.contexts.map((cluster) => ({ cluster })),
      });
      const initial = await initialSync(f, ingresses);
      const restart = await restartResync(f);
      const amko = f.amko;
      if (!amko) throw new Error('amko is not running after the restart');
      const periodic = await periodicResync(f, amko);
      await f.putGslbConfig({ refreshInterval: 3600 }, { 'amko.vmware.com/amko-uuid': UUID });
      const ipc = await ipChanges(f, ingresses, changes, runIndex + 2);
      const syncWriteRate = initial.writesInWindow / initial.writingSeconds;
      return {
        values: {
          simWriteRate: rate.createsPerSecond,
          initialSyncS: initial.secondsToAllGslbServices,
          syncWriteRate,
          syncShareOfSimRate: syncWriteRate / rate.createsPerSecond,
          peakRssMb: initial.peakRssMb,
          restartResyncS: restart.seconds,
          restartResyncWrites: restart.writes,
          periodicFullSyncS: periodic.secondsForOneFullSync,
          periodicFullSyncWrites: periodic.writesDuringFullSync,
          ipChangesS: ipc.secondsUntilAllReflected,
        },
        details: {
          simWriteRate: rate,
          initialSync: initial,
          resyncByRestart: restart,
          periodicFullSync: periodic,
          ipChanges: ipc,
          peakRssMbOverall: peakRssMb(f.amko?.child.pid),
        },
      };
    });
    return writeResult(ctx, {
      benchmark: 'leader',
      workload:
        `${ingresses.toLocaleString('en-US')} Ingresses (one host each) over 3 member clusters ` +
        `(real kube-apiservers), the amko binary (${FLAGS}) and amko-avi-sim; per run: ` +
        `the simulator's create rate alone (${rateCreates} GslbServices after ${warmUpCreates(rateCreates)} untimed), initial sync from an ` +
        `empty controller, a restart and a periodic full sync with nothing changed, ${changes} ` +
        'VIP changes.',
      seconds: (Date.now() - started) / 1000,
      figures: figures(FIGURES(ingresses, changes), records),
      details: { secondsToCreateIngresses: setupS, runs: details },
    });
  } finally {
    await f.stop();
  }
}
