/**
 * The results folder's README.md: per benchmark its workload and a table with one row per figure
 * (goal, median, spread, runs, loaded runs, machine, date); figures measured at several sizes also
 * as a growth table (sizes across). Then the reliability table that `make chaos` writes to
 * reliability.md.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchResult, Figure, Machine } from './measure.js';

const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

function num(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

const withUnit = (n: number, unit: string): string => (unit ? `${num(n)} ${unit}` : num(n));

function machineText(m: Machine): string {
  return `${m.cpus}× ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}`;
}

function isResult(v: unknown): v is BenchResult {
  const r = v as Partial<BenchResult> | null;
  return (
    r !== null &&
    typeof r === 'object' &&
    typeof r.benchmark === 'string' &&
    Array.isArray(r.figures) &&
    typeof r.machine === 'object'
  );
}

function figureRow(f: Figure, r: BenchResult): string {
  const spread = f.min === f.max ? num(f.min) : `${num(f.min)}–${num(f.max)}`;
  const loaded = f.fromLoadedRuns ? `${f.loadedRuns} (all: used)` : String(f.loadedRuns);
  return [
    '',
    cell(f.figure),
    cell(f.goal ?? ''),
    withUnit(f.median, f.unit),
    spread,
    String(f.runs),
    loaded,
    cell(
      f.speedRefMs === undefined
        ? machineText(r.machine)
        : `${machineText(r.machine)}, speed ref ${num(f.speedRefMs)} ms`,
    ),
    r.machine.date.slice(0, 10),
    '',
  ]
    .join(' | ')
    .trim();
}

/** Figures carrying a size, pivoted: one row per metric, one column per size (medians). */
function growthTable(figures: readonly Figure[]): string[] {
  const sized = figures.filter((f) => f.at !== undefined);
  if (sized.length === 0) return [];
  const sizes = [...new Set(sized.map((f) => f.at as number))].sort((a, b) => a - b);
  const metrics = [...new Set(sized.map((f) => f.metric ?? f.figure))];
  const lines = [
    '',
    'How it grows (medians):',
    '',
    `| figure | ${sizes.map((s) => s.toLocaleString('en-US')).join(' | ')} |`,
    `| --- | ${sizes.map(() => '---').join(' | ')} |`,
  ];
  for (const m of metrics) {
    const cells = sizes.map((s) => {
      const f = sized.find((x) => (x.metric ?? x.figure) === m && x.at === s);
      return f ? withUnit(f.median, f.unit) : '';
    });
    lines.push(`| ${cell(m)} | ${cells.join(' | ')} |`);
  }
  return lines;
}

function section(r: BenchResult): string[] {
  const lines = [
    `## ${r.benchmark}${r.short ? ' (short mode: tiny workload, figures mean nothing)' : ''}`,
    '',
    `Workload: ${r.workload}`,
    '',
    '| figure | goal | median | spread (min–max) | runs | loaded runs | machine | date |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const f of r.figures) lines.push(figureRow(f, r));
  lines.push(...growthTable(r.figures));
  return lines;
}

/** Renders `<results>/README.md` from every result file there; returns its text. */
export function writeResultsReadme(results: string): string {
  const lines = [
    '# Benchmark results',
    '',
    '`make bench` (all) or `make bench ONLY=name[,name]`. Each figure is the median over ' +
      '`BENCH_RUNS` runs (default 3) with its spread (min–max). During every run the CPU used by ' +
      "processes outside the benchmark is measured (machine busy time less the benchmark's own " +
      'process tree); a run where they used more than a quarter of the cores is "loaded" and left ' +
      'out of median and spread unless every run was loaded. The 1-minute load average is ' +
      "recorded too, but it counts the benchmark's own processes. Before every run the " +
      'machine\'s speed is taken: "speed ref" is the CPU time of a fixed JavaScript workload ' +
      '(`bench/lib/speed-reference.ts`) in a fresh Node process, median of the runs (lower is ' +
      'faster). The same machine kind is not always as fast: compare figures across dates only ' +
      'where their speed refs are close.',
    '',
    'Sizes: `BENCH_LEADER_INGRESSES` (leader, default 10,000; `BENCH_LEADER_NODE_OPTIONS` for amko, default none), `AMKO_BENCH_FAILOVER_SIZES` ' +
      '(failover, default 1000; `1000,10000` adds the 10,000 figures), `SCALE_SIZES` (scale, ' +
      'default 1000; `1000,10000,50000` for the full curve), `SCALE_CLUSTERS` (default 20), ' +
      '`SCALE_FOLLOWERS` (default 2, up to 5), `MEMPROFILE_SIZES` (memory-profile, default ' +
      '1000,5000; 0 is always measured). `make bench SHORT=1` checks every benchmark on tiny ' +
      'workloads (one run; the figures mean nothing).',
  ];
  const legacy: string[] = [];
  for (const f of readdirSync(results)
    .filter((n) => n.endsWith('.json') && n !== 'reliability.json')
    .sort()) {
    const parsed = JSON.parse(readFileSync(path.join(results, f), 'utf8')) as unknown;
    if (isResult(parsed)) lines.push('', ...section(parsed));
    else legacy.push(f);
  }
  if (legacy.length > 0) {
    lines.push(
      '',
      `Not yet in this format (taken before repeated runs; re-run \`make bench\`): ` +
        legacy.join(', ') +
        '.',
    );
  }
  const reliability = path.join(results, 'reliability.md');
  if (existsSync(reliability)) lines.push('', readFileSync(reliability, 'utf8').trimEnd());
  const text = lines.join('\n') + '\n';
  writeFileSync(path.join(results, 'README.md'), text);
  return text;
}
