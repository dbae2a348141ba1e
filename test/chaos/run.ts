/**
 * `make chaos`: runs every experiment in test/chaos/experiments (or those named on the command
 * line), prints the seed, and writes bench/results/reliability.json and the reliability table in
 * bench/results/README.md. `--seed N` repeats a run; `--short` runs the short mode (printed, not
 * recorded). Experiments named on the command line replace their own entries in the recorded
 * results; each entry keeps the seed it ran with.
 * Exits non-zero when any experiment reports a violation.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { writeResultsReadme } from '../../bench/results-readme.js';
import { repoRoot } from '../support/tools.js';
import {
  contextFor,
  failuresOf,
  RELIABILITY_KEYS,
  type Experiment,
  type ExperimentResult,
} from './experiment.js';
import { reliabilityTable } from './report.js';

const { values, positionals } = parseArgs({
  options: { seed: { type: 'string' }, short: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
console.log(`== chaos: seed ${seed}${values.short ? ' (short)' : ''}`);

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'experiments');
const files = (existsSync(dir) ? readdirSync(dir) : [])
  .filter((f) => f.endsWith('.js'))
  .filter((f) => positionals.length === 0 || positionals.includes(path.basename(f, '.js')))
  .sort();

/** One experiment's result as recorded: with its seed, duration and the load around it. */
type Recorded = ExperimentResult & {
  readonly seed: number;
  readonly seconds: number;
  readonly loadAverage1m: { readonly before: number; readonly after: number };
};

const results: Recorded[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as {
    experiment?: Experiment;
  };
  const exp = mod.experiment;
  if (!exp) continue;
  const started = Date.now();
  const loadBefore = os.loadavg()[0] ?? 0;
  console.log(`== chaos ${exp.name}`);
  const ran = await exp.run(contextFor(exp.name, { seed, short: values.short }));
  const result: Recorded = {
    ...ran,
    seed,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    loadAverage1m: { before: loadBefore, after: os.loadavg()[0] ?? 0 },
  };
  const failures = failuresOf(result);
  console.log(
    `== chaos ${exp.name}: ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
      (failures.length === 0 ? 'passed' : `FAILED: ${failures.join('; ')}`),
  );
  results.push(result);
}

const resultsDir = path.join(repoRoot(), 'bench', 'results');
const jsonPath = path.join(resultsDir, 'reliability.json');
/** Experiments named on the command line replace their entries in the recorded results. */
function merged(): Recorded[] {
  if (positionals.length === 0 || !existsSync(jsonPath)) return results;
  const before = (JSON.parse(readFileSync(jsonPath, 'utf8')) as { experiments?: Recorded[] })
    .experiments;
  const fresh = new Set(results.map((r) => r.name));
  return [...(before ?? []).filter((r) => !fresh.has(r.name)), ...results].sort((a, b) =>
    a.name.localeCompare(b.name),
  );
}
const all = values.short ? results : merged();

const totals: Record<string, number> = {};
for (const k of RELIABILITY_KEYS) {
  totals[k] = all.reduce((sum, r) => sum + (r.figures[k] ?? 0), 0);
}
const load = os.loadavg();
const doc = {
  ...totals,
  seed,
  date: new Date().toISOString(),
  short: values.short,
  machine: { cpus: os.cpus().length, node: process.version, loadAverage1m: load[0] ?? 0 },
  experiments: all,
};
mkdirSync(resultsDir, { recursive: true });
if (!values.short) {
  writeFileSync(jsonPath, JSON.stringify(doc, null, 2) + '\n');
  writeFileSync(path.join(resultsDir, 'reliability.md'), reliabilityTable(doc));
  writeResultsReadme(resultsDir);
  console.log('results in bench/results/reliability.json and bench/results/README.md');
} else {
  console.log(reliabilityTable(doc));
}
const failed = results.filter((r) => failuresOf(r).length > 0);
if (failed.length > 0) {
  console.error(
    `== chaos: ${failed.length} experiment(s) failed: ${failed.map((r) => r.name).join(', ')}`,
  );
  process.exitCode = 1;
}
