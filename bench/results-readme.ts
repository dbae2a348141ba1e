/**
 * bench/results/README.md: the benchmark results (every JSON file but reliability.json, one row
 * per figure) followed by the reliability table that `make chaos` writes to reliability.md.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function flatten(prefix: string, value: unknown, out: [string, string][]): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(prefix ? `${prefix}.${k}` : k, v, out);
  } else {
    out.push([prefix, JSON.stringify(value)]);
  }
}

export function writeResultsReadme(results: string): void {
  const lines = ['# Benchmark results', '', '| file | metric | value |', '| --- | --- | --- |'];
  for (const f of readdirSync(results)
    .filter((n) => n.endsWith('.json') && n !== 'reliability.json')
    .sort()) {
    const rows: [string, string][] = [];
    flatten('', JSON.parse(readFileSync(path.join(results, f), 'utf8')), rows);
    for (const [k, v] of rows) lines.push(`| ${f} | ${k} | ${v} |`);
  }
  const reliability = path.join(results, 'reliability.md');
  if (existsSync(reliability)) lines.push('', readFileSync(reliability, 'utf8').trimEnd());
  writeFileSync(path.join(results, 'README.md'), lines.join('\n') + '\n');
}
