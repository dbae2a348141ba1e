/**
 * Memory and CPU of a leader amko per Ingress: starts the real `amko` (default V8 flags) against
 * 3 member clusters and the Avi simulator with N Ingresses for each N asked (0 = idle: GSLBConfig
 * in force, no Ingresses), waits for all GslbServices and the end of the bootup sync, lets the
 * process settle, then records
 *
 * - RSS (anonymous and file-backed) and peak RSS (/proc/<pid>/status) and CPU seconds
 *   (utime+stime of /proc/<pid>/stat, from process start until the settled point);
 * - RSS after it has then stayed idle for --idle-s seconds more (default 30; 0 skips it): the
 *   steady state, once V8 has returned the pages the sync's garbage took;
 * - v8.getHeapStatistics() before and after a full GC, and the top retainers by constructor
 *   (self size aggregated by node name) of a heap snapshot.
 *
 * The heap figures come from inside amko: this module is also loaded into the amko process with
 * `--import`; there, when AMKO_MEMPROFILE_DIR is set, SIGUSR2 writes the heap statistics and a
 * heap snapshot into that directory. Nothing of this is in amko itself.
 *
 * Under `make bench` (run(ctx)): 0 Ingresses and each of MEMPROFILE_SIZES (default 1000,5000),
 * BENCH_RUNS starts each, written as figures to memory-profile.json in the results folder.
 * From the command line, one start per N with every detail, printed and written to --out:
 *
 *     node dist/bench/memory-profile.js [N ...] [--out file.json] [--node-options "flags"]
 *                                      [--v8-flags "flags"] [--idle-s S]
 *
 * (default N: 0 1000 5000; --node-options: extra NODE_OPTIONS for amko; --v8-flags: V8 flags
 * that NODE_OPTIONS does not take, set in amko with v8.setFlagsFromString before it loads). With
 * AMKO_MEMPROFILE_KEEP=DIR each heap snapshot is kept as DIR/amko-N.heapsnapshot.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import type { BenchContext, BenchResult, Figure, FigureSpec } from './measure.js';
import { cpuSeconds, quiet } from './lib/proc.js';

const ENV_DIR = 'AMKO_MEMPROFILE_DIR';
const STATS_FILE = 'heap-stats.json';
const SNAPSHOT_FILE = 'amko.heapsnapshot';
const DONE_FILE = 'done';
const KEEP_ENV = 'AMKO_MEMPROFILE_KEEP';
const V8_FLAGS_ENV = 'AMKO_MEMPROFILE_V8_FLAGS';

const self = fileURLToPath(import.meta.url);
const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === self;

// ---- inside amko (loaded with --import) ----------------------------------------------------

function installHeapSignal(dir: string): void {
  process.on('SIGUSR2', () => {
    const beforeGc = v8.getHeapStatistics();
    const spaces = v8.getHeapSpaceStatistics();
    const usage = process.memoryUsage();
    rmSync(path.join(dir, DONE_FILE), { force: true });
    v8.writeHeapSnapshot(path.join(dir, SNAPSHOT_FILE));
    const afterGc = v8.getHeapStatistics();
    writeFileSync(path.join(dir, STATS_FILE), JSON.stringify({ beforeGc, afterGc, spaces, usage }));
    writeFileSync(path.join(dir, DONE_FILE), '');
  });
}

const preloadDir = process.env[ENV_DIR];
if (preloadDir && !isMain) installHeapSignal(preloadDir);
// V8 flags that NODE_OPTIONS refuses (--optimize-for-size and the like), set before amko loads.
const preloadFlags = process.env[V8_FLAGS_ENV];
if (preloadFlags && !isMain) v8.setFlagsFromString(preloadFlags);

// ---- the benchmark ---------------------------------------------------------------------------

const UUID = '44444444-5555-4666-8777-888888888888';
const NS = 'memprof';

interface ProcFigures {
  rssMb: number;
  /** The part of RSS that is anonymous memory (heaps) and the part mapped from files (code). */
  rssAnonMb: number;
  rssFileMb: number;
  peakRssMb: number;
  cpuS: number;
}

function procFigures(pid: number): ProcFigures {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number =>
    Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? '0');
  return {
    rssMb: round(kb('VmRSS') / 1024),
    rssAnonMb: round(kb('RssAnon') / 1024),
    rssFileMb: round(kb('RssFile') / 1024),
    peakRssMb: round(kb('VmHWM') / 1024),
    cpuS: cpuSeconds(pid),
  };
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));
const mb = (bytes: number): number => round(bytes / 1024 / 1024);

interface Retainer {
  name: string;
  count: number;
  selfMb: number;
}

/**
 * Self size aggregated by node name (constructor for objects and closures, the node type in
 * parentheses for strings, arrays, code and the rest), largest first.
 */
export function topRetainers(snapshotFile: string, top = 15): Retainer[] {
  const snap = JSON.parse(readFileSync(snapshotFile, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const byName = new Map<string, { count: number; size: number }>();
  const nodes = snap.nodes;
  const nameOf = (i: number): string => {
    const type = types[nodes[i + typeAt] ?? 0] ?? '?';
    if (type !== 'object' && type !== 'closure' && type !== 'native') return `(${type})`;
    return snap.strings[nodes[i + nameAt] ?? 0] ?? '?';
  };
  for (let i = 0; i < nodes.length; i += width) {
    const name = nameOf(i);
    const agg = byName.get(name) ?? { count: 0, size: 0 };
    agg.count++;
    agg.size += nodes[i + sizeAt] ?? 0;
    byName.set(name, agg);
  }
  return [...byName.entries()]
    .sort((a, b) => b[1].size - a[1].size)
    .slice(0, top)
    .map(([name, a]) => ({ name: name.slice(0, 60), count: a.count, selfMb: mb(a.size) }));
}

export interface MemoryProfile {
  ingresses: number;
  gslbServices: number;
  secondsToBootupSyncFinished: number;
  settled: ProcFigures;
  /** RSS after `afterS` more seconds idle, and the lowest seen on the way. */
  idle?: { afterS: number; rssMb: number; minRssMb: number };
  heapUsedMb: number;
  heapUsedAfterGcMb: number;
  heapTotalMb: number;
  /** Committed size of each V8 heap space before the GC. */
  spacesMb: Record<string, number>;
  externalMb: number;
  arrayBuffersMb: number;
  topRetainers: Retainer[];
}

/**
 * Waits until amko has written `n` GslbServices and logged the end of its bootup sync; an amko
 * that exits first (a flag its Node refuses, a crash) fails the run at once with its log.
 */
async function syncedOrExited(
  amko: {
    child: ChildProcess;
    log: () => string;
    waitForLog: (re: RegExp, ms: number) => Promise<void>;
  },
  n: number,
  count: () => Promise<number>,
): Promise<void> {
  const { eventually } = await import('../test/support/eventually.js');
  const exit = once(amko.child, 'exit').then(() => {
    throw new Error(`amko exited before its sync finished:\n${amko.log().slice(-2000)}`);
  });
  exit.catch(() => undefined); // the normal stop later on
  await Promise.race([
    exit,
    (async () => {
      await eventually(async () => (await count()) >= n, {
        timeoutMs: 900_000,
        intervalMs: 500,
        what: `${n} GslbServices`,
      });
      await amko.waitForLog(/bootup sync finished/, 600_000);
    })(),
  ]);
}

/** RSS sampled once a second over `seconds` of idling (undefined for 0). */
async function idleRss(pid: number, seconds: number): Promise<MemoryProfile['idle'] | undefined> {
  if (seconds <= 0) return undefined;
  let min = Infinity;
  let rss = 0;
  for (let s = 0; s < seconds; s++) {
    await sleep(1000);
    rss = procFigures(pid).rssMb;
    min = Math.min(min, rss);
  }
  return { afterS: seconds, rssMb: rss, minRssMb: min };
}

interface ProfileOptions {
  nodeOptions?: string;
  v8Flags?: string;
  idleS?: number;
}

type Measure = (n: number) => Promise<MemoryProfile>;

/**
 * Starts 3 member clusters and the simulator with the GSLBConfig and GDP in force, and hands
 * `body` a `measure(n)` that creates Ingresses up to `n` (never fewer than before) and profiles
 * one amko start.
 */
async function withProfiler<T>(
  opts: ProfileOptions,
  body: (measure: Measure, nodeOptions: string) => Promise<T>,
): Promise<T> {
  const { LeaderFixture } = await import('../test/support/leader-fixture.js');
  const { pool } = await import('../test/support/pool.js');
  const work = mkdtempSync(path.join(tmpdir(), 'amko-memprof-'));
  process.env[ENV_DIR] = work;
  process.env[V8_FLAGS_ENV] = opts.v8Flags ?? '';
  const nodeOptions = [`--import=${pathToFileURL(self).href}`, opts.nodeOptions ?? '']
    .join(' ')
    .trim();
  const f = await LeaderFixture.start({ n: 3 });
  let created = 0;
  const measure: Measure = async (n) => {
    const todo = Array.from({ length: Math.max(0, n - created) }, (_, i) => created + i);
    await pool(todo, 48, (i) =>
      f.objects.ingress(`cluster${(i % 3) + 1}`, NS, `ing${i}`, {
        hosts: [
          { host: `app${i}.${NS}.example.com`, ip: `10.1.${Math.floor(i / 250)}.${i % 250}` },
        ],
        labels: { gslb: NS },
      }),
    );
    created = Math.max(created, n);
    await f.resetScenario();
    const started = Date.now();
    const amko = f.startAmko(['--log-level', 'info'], nodeOptions);
    const pid = amko.child.pid ?? 0;
    await syncedOrExited(amko, n, async () => (await f.gslbServices()).size);
    const syncS = (Date.now() - started) / 1000;
    // Settled: no more than 0.03 s of CPU over one second.
    await quiet([pid], { maxCpuS: 0.03, timeoutMs: 120_000, what: 'amko idle' });
    const settled = procFigures(pid);
    const idle = await idleRss(pid, opts.idleS ?? 30);
    const heap = await heapOf(pid, work, n);
    const result: MemoryProfile = {
      ingresses: n,
      gslbServices: (await f.gslbServices()).size,
      secondsToBootupSyncFinished: round(syncS, 1),
      settled,
      ...(idle ? { idle } : {}),
      ...heap,
    };
    await f.stopAmko();
    return result;
  };
  try {
    await f.putGslbConfig({ refreshInterval: 3600 }, { 'amko.vmware.com/amko-uuid': UUID });
    await f.putGdp({
      matchRules: { appSelector: { label: { gslb: NS } } },
      matchClusters: f.clusters.contexts.map((cluster) => ({ cluster })),
    });
    for (const c of f.clusters.contexts) await f.objects.namespace(c, NS);
    return await body(measure, nodeOptions);
  } finally {
    await f.stop();
    rmSync(work, { recursive: true, force: true });
    Reflect.deleteProperty(process.env, ENV_DIR);
    Reflect.deleteProperty(process.env, V8_FLAGS_ENV);
  }
}

/** The heap statistics and top retainers amko writes on SIGUSR2 (the preload above). */
async function heapOf(
  pid: number,
  work: string,
  n: number,
): Promise<
  Omit<
    MemoryProfile,
    'ingresses' | 'gslbServices' | 'secondsToBootupSyncFinished' | 'settled' | 'idle'
  >
> {
  const { eventually } = await import('../test/support/eventually.js');
  rmSync(path.join(work, DONE_FILE), { force: true });
  process.kill(pid, 'SIGUSR2');
  await eventually(() => existsSync(path.join(work, DONE_FILE)), {
    timeoutMs: 300_000,
    intervalMs: 250,
    what: 'heap snapshot',
  });
  const stats = JSON.parse(readFileSync(path.join(work, STATS_FILE), 'utf8')) as {
    beforeGc: v8.HeapInfo;
    afterGc: v8.HeapInfo;
    spaces: v8.HeapSpaceInfo[];
    usage: NodeJS.MemoryUsage;
  };
  const retainers = topRetainers(path.join(work, SNAPSHOT_FILE));
  const keep = process.env[KEEP_ENV];
  if (keep) {
    mkdirSync(keep, { recursive: true });
    renameSync(path.join(work, SNAPSHOT_FILE), path.join(keep, `amko-${n}.heapsnapshot`));
  } else rmSync(path.join(work, SNAPSHOT_FILE), { force: true });
  return {
    heapUsedMb: mb(stats.beforeGc.used_heap_size),
    heapUsedAfterGcMb: mb(stats.afterGc.used_heap_size),
    heapTotalMb: mb(stats.beforeGc.total_heap_size),
    spacesMb: Object.fromEntries(stats.spaces.map((sp) => [sp.space_name, mb(sp.space_size)])),
    externalMb: mb(stats.usage.external),
    arrayBuffersMb: mb(stats.usage.arrayBuffers),
    topRetainers: retainers,
  };
}

/** One amko start per count of Ingresses, every detail written to `out` (the command line). */
export async function profile(
  opts: ProfileOptions & { counts?: number[]; out?: string } = {},
): Promise<MemoryProfile[]> {
  const counts = (opts.counts ?? [0, 1000, 5000]).slice().sort((a, b) => a - b);
  const { results, nodeOptions } = await withProfiler(opts, async (measure, nodeOptions) => {
    const all: MemoryProfile[] = [];
    for (const n of counts) {
      const r = await measure(n);
      console.log(JSON.stringify(r, null, 2));
      all.push(r);
    }
    return { results: all, nodeOptions };
  });
  if (opts.out) {
    mkdirSync(path.dirname(opts.out), { recursive: true });
    const v8Flags = opts.v8Flags ?? '';
    writeFileSync(opts.out, `${JSON.stringify({ nodeOptions, v8Flags, results }, null, 2)}\n`);
  }
  return results;
}

/** Goals of the memory and CPU figures, by count of Ingresses. */
const RSS_GOALS: Readonly<Record<number, string>> = {
  0: '≤ 130 MB',
  1000: '≤ 150 MB',
  5000: '≤ 190 MB',
  10000: '≤ 260 MB',
};
const CPU_GOALS: Readonly<Record<number, string>> = { 1000: '≤ 1.5 s' };

/** AMKO's growth per Ingress: its peak RSS from 1,000 Ingresses (72 MB) to 5,000 (123 MB). */
const AMKO_GROWTH_GOAL = '≤ 12.7 KB (AMKO, peak RSS 1,000 → 5,000)';

/** `prev`: the size measured before `n` (its peak RSS is the base of the growth between sizes). */
function specsAt(n: number, prev: number): FigureSpec[] {
  const at = (key: string, metric: string, unit: string, goal?: string): FigureSpec => ({
    key: `${key}@${n}`,
    label: `${metric}, ${n.toLocaleString('en-US')} Ingresses`,
    unit,
    at: n,
    metric,
    ...(goal ? { goal } : {}),
  });
  const specs = [
    at('steadyRssMb', `RSS after ${IDLE_S} s idle (steady state)`, 'MB', RSS_GOALS[n]),
    at('settledRssMb', 'RSS when the sync has settled (CPU quiet for 1 s)', 'MB'),
    at('peakRssMb', 'peak RSS (VmHWM)', 'MB'),
    at('cpuS', 'CPU seconds, start → settled', 's', CPU_GOALS[n]),
    at('liveHeapMb', 'live heap (after a full GC)', 'MB'),
    at('syncS', 'start → bootup sync finished', 's'),
  ];
  if (n > 0) specs.push(at('growthKb', 'RSS growth per Ingress over idle (steady state)', 'KB'));
  if (prev > 0)
    specs.push(
      at(
        'peakGrowthKb',
        `peak RSS growth per Ingress from ${prev.toLocaleString('en-US')} Ingresses`,
        'KB',
        prev === 1000 && n === 5000 ? AMKO_GROWTH_GOAL : undefined,
      ),
    );
  return specs;
}

const IDLE_S = 30;

/**
 * `make bench`: for 0 Ingresses (idle: GSLBConfig in force) and each of MEMPROFILE_SIZES
 * (default 1000,5000; short mode 20), BENCH_RUNS amko starts each.
 */
export async function run(ctx: BenchContext): Promise<BenchResult> {
  const { envInts, figures, median, repeat, writeResult } = await import('./measure.js');
  const started = Date.now();
  const sizes = [0, ...(ctx.short ? [20] : envInts('MEMPROFILE_SIZES', [1000, 5000]))];
  const idleS = ctx.short ? 1 : IDLE_S;
  const all: Figure[] = [];
  const details: Record<number, MemoryProfile[]> = {};
  let idleRssMb = 0;
  let prev = 0;
  let prevPeakMb = 0;
  await withProfiler({ idleS }, async (measure) => {
    for (const n of sizes) {
      const { records, details: runs } = await repeat(ctx.runs, async () => {
        const p = await measure(n);
        const steady = p.idle?.rssMb ?? p.settled.rssMb;
        const values: Record<string, number> = {
          [`steadyRssMb@${n}`]: steady,
          [`settledRssMb@${n}`]: p.settled.rssMb,
          [`peakRssMb@${n}`]: p.settled.peakRssMb,
          [`cpuS@${n}`]: p.settled.cpuS,
          [`liveHeapMb@${n}`]: p.heapUsedAfterGcMb,
          [`syncS@${n}`]: p.secondsToBootupSyncFinished,
        };
        if (n > 0) values[`growthKb@${n}`] = ((steady - idleRssMb) * 1024) / n;
        if (prev > 0)
          values[`peakGrowthKb@${n}`] = ((p.settled.peakRssMb - prevPeakMb) * 1024) / (n - prev);
        return { values, details: p };
      });
      if (n === 0) idleRssMb = median(records.map((r) => r.values['steadyRssMb@0'] ?? 0));
      all.push(...figures(specsAt(n, prev), records));
      prev = n;
      prevPeakMb = median(records.map((r) => r.values[`peakRssMb@${n}`] ?? 0));
      details[n] = runs;
    }
  });
  return writeResult(ctx, {
    benchmark: 'memory-profile',
    workload:
      `the amko binary (default V8 flags) with 3 member clusters (real kube-apiservers) and ` +
      `amko-avi-sim, one start per run with ${sizes.map((n) => n.toLocaleString('en-US')).join(', ')} ` +
      `Ingresses (0: GSLBConfig and GDP in force, nothing to sync); measured when its CPU has been ` +
      `quiet for 1 s after the bootup sync, again after ${idleS} s more idle, then a heap snapshot. ` +
      'Growth per Ingress is over the idle figure, and in peak RSS from the size before ' +
      "(the median of its runs), as AMKO's 12.7 KB was measured.",
    seconds: (Date.now() - started) / 1000,
    figures: all,
    details,
  });
}

if (isMain) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      'node-options': { type: 'string' },
      'v8-flags': { type: 'string' },
      'idle-s': { type: 'string' },
    },
  });
  const counts = positionals.map(Number);
  const idleS = Number(values['idle-s'] ?? '30');
  if (counts.some((c) => !Number.isInteger(c) || c < 0) || !(idleS >= 0)) {
    process.stderr.write(
      'usage: memory-profile.js [N ...] [--out file.json] [--node-options flags] [--v8-flags flags] [--idle-s S]\n',
    );
    process.exit(2);
  }
  await profile({
    ...(counts.length > 0 ? { counts } : {}),
    ...(values.out ? { out: path.resolve(values.out) } : {}),
    ...(values['node-options'] ? { nodeOptions: values['node-options'] } : {}),
    ...(values['v8-flags'] ? { v8Flags: values['v8-flags'] } : {}),
    idleS,
  });
}
