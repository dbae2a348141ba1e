/**
 * `make bench`: runs every benchmark module in this folder (each exports `run()` and writes its
 * JSON into bench/results/), then writes bench/results/README.md as a table of all results.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { repoRoot } from '../test/support/tools.js';

interface BenchModule {
  run?: () => Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const modules = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'run.js')
  .filter((f) => only.length === 0 || only.includes(path.basename(f, '.js')))
  .sort();
const results = path.join(repoRoot(), 'bench', 'results');
mkdirSync(results, { recursive: true });

for (const file of modules) {
  const mod = (await import(pathToFileURL(path.join(here, file)).href)) as BenchModule;
  if (typeof mod.run !== 'function') continue;
  console.log(`== bench ${file}`);
  const start = Date.now();
  await mod.run();
  console.log(`== bench ${file}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
}

function flatten(prefix: string, value: unknown, out: [string, string][]): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(prefix ? `${prefix}.${k}` : k, v, out);
  } else {
    out.push([prefix, JSON.stringify(value)]);
  }
}

const lines = ['# Benchmark results', '', '| file | metric | value |', '| --- | --- | --- |'];
for (const f of readdirSync(results)
  .filter((n) => n.endsWith('.json'))
  .sort()) {
  const rows: [string, string][] = [];
  const file = path.join(results, f);
  if (!existsSync(file)) continue;
  flatten('', JSON.parse(readFileSync(file, 'utf8')), rows);
  for (const [k, v] of rows) lines.push(`| ${f} | ${k} | ${v} |`);
}
writeFileSync(path.join(results, 'README.md'), lines.join('\n') + '\n');
console.log(`results in ${path.relative(process.cwd(), results)}`);
