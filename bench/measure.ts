/**
 * What every benchmark shares: the run context (short mode, number of runs, results folder), the
 * machine description, repeated runs with the 1-minute load average before and after each, and
 * the result file (one entry per figure: median, min, max over the runs that count, every sample
 * with its load).
 *
 * A run during which processes outside the benchmark used more than a quarter of the machine's
 * cores on average (lib/outside-cpu.ts) is marked `loaded` and left out of the median, min and
 * max unless every run was loaded. The 1-minute load average is recorded too, but it counts the
 * benchmark's own processes, so it cannot tell a quiet machine from a busy one.
 *
 * Before each run the machine's speed is taken (lib/speed-reference.ts: CPU milliseconds of a
 * fixed workload in a fresh Node process). A quiet machine is not always as fast as on another
 * day; figures are comparable between results only where their references are close.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuSnapshot, outsideCores } from './lib/outside-cpu.js';
import { speedReferenceRounds } from './lib/speed-reference.js';

/** What `bench/run.ts` hands each benchmark. */
export interface BenchContext {
  /** Tiny workloads and one run: checks that the benchmark works, measures nothing. */
  readonly short: boolean;
  /** Repetitions of each measurement (`BENCH_RUNS`, default 3; 1 in short mode). */
  readonly runs: number;
  /** Where result files go (`BENCH_RESULTS_DIR`, default bench/results). */
  readonly resultsDir: string;
}

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly node: string;
  readonly date: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    date: new Date().toISOString(),
  };
}

/** One figure a benchmark reports. */
export interface FigureSpec {
  /** Key in the values a run returns. */
  readonly key: string;
  /** What the figure is, as the results table shows it. */
  readonly label: string;
  readonly unit: string;
  /** The goal from DESIGN.md, where one exists. */
  readonly goal?: string;
  /** For figures measured at several sizes: the size, and the label without it. */
  readonly at?: number;
  readonly metric?: string;
}

export interface LoadAverage {
  readonly before: number;
  readonly after: number;
}

export interface Sample {
  readonly value: number;
  readonly loaded: boolean;
  readonly loadavg: LoadAverage;
  /** Cores used on average by processes outside the benchmark during the run (Linux). */
  readonly outsideCores?: number;
  /** The machine's speed reference taken just before the run (ms; lower is faster). */
  readonly speedRefMs?: number;
}

export interface Figure {
  readonly key: string;
  readonly figure: string;
  readonly unit: string;
  readonly goal: string | null;
  readonly at?: number;
  readonly metric?: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Runs that produced the figure. */
  readonly runs: number;
  /** Of those, runs during which processes outside the benchmark used over a quarter of the cores. */
  readonly loadedRuns: number;
  /** Whether median, min and max include loaded runs (only when every run was loaded). */
  readonly fromLoadedRuns: boolean;
  /** The 1-minute load average before and after each run, in run order. */
  readonly loadavg: readonly LoadAverage[];
  /** Median speed reference of the runs in median, min and max (ms; lower is faster). */
  readonly speedRefMs?: number;
  readonly samples: readonly Sample[];
}

export interface BenchResult {
  readonly benchmark: string;
  /** One sentence: what the benchmark does. */
  readonly workload: string;
  readonly short: boolean;
  readonly machine: Machine;
  readonly runs: number;
  readonly seconds: number;
  readonly figures: readonly Figure[];
  /** Per-run raw observations (not rendered; for whoever wants to look deeper). */
  readonly details?: unknown;
}

const round = (n: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export function loadAverage1m(): number {
  return round(os.loadavg()[0] ?? 0, 2);
}

/** Value at percentile `p` (nearest rank) of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** One run's figures (by FigureSpec key) with the load around it. */
export interface RunRecord {
  readonly values: Readonly<Record<string, number>>;
  readonly loadavg: LoadAverage;
  readonly outsideCores?: number;
  readonly speedRefMs?: number;
  readonly loaded: boolean;
}

/** Outside CPU above which a run counts as loaded: a quarter of the cores. */
export const loadedAbove = (cores: number): number => cores / 4;

/**
 * Runs `once` `runs` times, recording the machine's speed reference before each, the 1-minute load
 * average before and after each and the CPU used outside the benchmark during it. `once` returns
 * the run's figures and optionally raw details. `reference` takes the speed reference (tests
 * pass their own).
 */
export async function repeat<D>(
  runs: number,
  once: (run: number) => Promise<{ values: Record<string, number>; details?: D }>,
  log: (msg: string) => void = (m) => {
    console.log(m);
  },
  reference: () => number = () => round(median(speedReferenceRounds()), 1),
): Promise<{ records: RunRecord[]; details: D[] }> {
  const cores = os.cpus().length;
  const records: RunRecord[] = [];
  const details: D[] = [];
  for (let run = 0; run < runs; run++) {
    const speedRefMs = reference();
    const before = loadAverage1m();
    const cpuBefore = cpuSnapshot();
    const out = await once(run);
    const outside = outsideCores(cpuBefore, cpuSnapshot());
    const after = loadAverage1m();
    const loaded = outside === undefined ? before > cores : outside > loadedAbove(cores);
    records.push({
      values: out.values,
      loadavg: { before, after },
      ...(outside === undefined ? {} : { outsideCores: round(outside, 2) }),
      speedRefMs,
      loaded,
    });
    if (out.details !== undefined) details.push(out.details);
    const shown = outside === undefined ? '' : `, outside ${outside.toFixed(2)} cores`;
    log(
      `  run ${run + 1}/${runs}: speed ref ${speedRefMs} ms, load ${before} → ${after}${shown}` +
        `${loaded ? ' (loaded)' : ''}: ` +
        Object.entries(out.values)
          .map(([k, v]) => `${k}=${round(v)}`)
          .join(' '),
    );
  }
  return { records, details };
}

/** Summarises `records` into figures (a figure no run produced is left out). */
export function figures(specs: readonly FigureSpec[], records: readonly RunRecord[]): Figure[] {
  const out: Figure[] = [];
  for (const spec of specs) {
    const samples: Sample[] = records
      .filter((r) => typeof r.values[spec.key] === 'number' && Number.isFinite(r.values[spec.key]))
      .map((r) => ({
        value: round(r.values[spec.key] as number),
        loaded: r.loaded,
        loadavg: r.loadavg,
        ...(r.outsideCores === undefined ? {} : { outsideCores: r.outsideCores }),
        ...(r.speedRefMs === undefined ? {} : { speedRefMs: r.speedRefMs }),
      }));
    if (samples.length === 0) continue;
    const quiet = samples.filter((s) => !s.loaded);
    const used = quiet.length > 0 ? quiet : samples;
    const values = used.map((s) => s.value);
    const refs = used.flatMap((s) => (s.speedRefMs === undefined ? [] : [s.speedRefMs]));
    out.push({
      key: spec.key,
      figure: spec.label,
      unit: spec.unit,
      goal: spec.goal ?? null,
      ...(spec.at !== undefined ? { at: spec.at, metric: spec.metric ?? spec.label } : {}),
      median: round(median(values)),
      min: Math.min(...values),
      max: Math.max(...values),
      runs: samples.length,
      loadedRuns: samples.length - quiet.length,
      fromLoadedRuns: quiet.length === 0,
      loadavg: samples.map((s) => s.loadavg),
      ...(refs.length > 0 ? { speedRefMs: round(median(refs), 1) } : {}),
      samples,
    });
  }
  return out;
}

/** Writes `<resultsDir>/<benchmark>.json` and returns the result. */
export function writeResult(
  ctx: BenchContext,
  r: Omit<BenchResult, 'machine' | 'short' | 'runs'> & { machine?: Machine; runs?: number },
): BenchResult {
  const result: BenchResult = {
    benchmark: r.benchmark,
    workload: r.workload,
    short: ctx.short,
    machine: r.machine ?? machine(),
    runs: r.runs ?? ctx.runs,
    seconds: round(r.seconds, 1),
    figures: r.figures,
    ...(r.details !== undefined ? { details: r.details } : {}),
  };
  mkdirSync(ctx.resultsDir, { recursive: true });
  writeFileSync(
    path.join(ctx.resultsDir, `${r.benchmark}.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  return result;
}

/** A positive integer from the environment, or `fallback`; anything else is a clear error. */
export function envInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${name} must be a positive integer, got ${text}`);
  return n;
}

/** A comma-separated list of positive integers from the environment, or `fallback`. */
export function envInts(name: string, fallback: readonly number[]): number[] {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return [...fallback];
  const list = text
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map(Number);
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new Error(`${name} must be a comma-separated list of positive integers, got ${text}`);
  }
  return list;
}
