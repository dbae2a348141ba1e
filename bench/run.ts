/**
 * `make bench`: runs every benchmark module in this folder (each exports `run(ctx)` and writes
 * `<name>.json` into the results folder), then renders the results folder's README.md.
 *
 *   node dist/bench/run.js [--short] [name[,name…] …]
 *
 * Names (comma or space separated) choose benchmarks; none means all. `--short` or BENCH_SHORT=1:
 * tiny workloads and one run each (checks the benchmarks work; the figures mean nothing).
 * BENCH_RUNS: runs per figure (default 3). BENCH_RESULTS_DIR: results folder (default
 * bench/results).
 */
import { readdirSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { repoRoot } from '../test/support/tools.js';
import { envInt, type BenchContext } from './measure.js';
import { writeResultsReadme } from './results-readme.js';

interface BenchModule {
  run?: (ctx: BenchContext) => Promise<unknown>;
}

const NOT_BENCHMARKS = new Set(['run.js', 'measure.js', 'results-readme.js']);

const { values, positionals } = parseArgs({
  options: { short: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const short = values.short || ['1', 'true', 'yes'].includes(process.env['BENCH_SHORT'] ?? '');
const ctx: BenchContext = {
  short,
  runs: short ? 1 : envInt('BENCH_RUNS', 3),
  resultsDir: path.resolve(
    process.env['BENCH_RESULTS_DIR'] ?? path.join(repoRoot(), 'bench', 'results'),
  ),
};

const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.js') && !NOT_BENCHMARKS.has(f))
  .map((f) => path.basename(f, '.js'))
  .sort();
const only = positionals.flatMap((p) => p.split(/[\s,]+/)).filter((p) => p !== '');
const unknown = only.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; there are: ${available.join(', ')}`);
  process.exit(2);
}
const chosen = only.length === 0 ? available : available.filter((n) => only.includes(n));
mkdirSync(ctx.resultsDir, { recursive: true });
console.log(
  `== bench ${chosen.join(', ')}${short ? ' (short)' : ''}: ${ctx.runs} run(s) each, ` +
    `results in ${ctx.resultsDir}`,
);

const total = Date.now();
for (const name of chosen) {
  const mod = (await import(pathToFileURL(path.join(here, `${name}.js`)).href)) as BenchModule;
  if (typeof mod.run !== 'function') continue;
  console.log(`== bench ${name}`);
  const start = Date.now();
  await mod.run(ctx);
  console.log(`== bench ${name}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
}

writeResultsReadme(ctx.resultsDir);
console.log(
  `== bench done in ${((Date.now() - total) / 1000).toFixed(1)} s; ` +
    `results in ${path.join(ctx.resultsDir, 'README.md')}`,
);
