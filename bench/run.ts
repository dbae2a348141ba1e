/**
 * `make bench`: runs every benchmark module in this folder (each exports `run()` and writes its
 * JSON into bench/results/), then writes bench/results/README.md as a table of all results.
 */
import { readdirSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { repoRoot } from '../test/support/tools.js';
import { writeResultsReadme } from './results-readme.js';

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

writeResultsReadme(results);
console.log(`results in ${path.relative(process.cwd(), results)}`);
