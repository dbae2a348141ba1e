/** The reliability table (markdown) from a reliability document. Pure. */
import { failuresOf, RELIABILITY_KEYS, type ExperimentResult } from './experiment.js';

export interface ReliabilityDoc {
  readonly seed: number;
  readonly date: string;
  readonly short: boolean;
  readonly experiments: readonly ExperimentResult[];
  readonly [key: string]: unknown;
}

const cell = (v: unknown): string => String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function reliabilityTable(doc: ReliabilityDoc): string {
  const lines = [
    '## Reliability (`make chaos`)',
    '',
    `Last run ${doc.date}${doc.short ? ' (short mode)' : ''}. Each experiment names its seed; ` +
      'repeat one with `make chaos SEED=<seed> ONLY=<experiment>`.',
    '',
    '| figure | total |',
    '| --- | --- |',
    ...RELIABILITY_KEYS.map((k) => `| ${k} | ${cell(doc[k])} |`),
    '',
    '| experiment | seed | workload and faults | figures | result |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const r of doc.experiments) {
    const figures = Object.entries({ ...r.figures, ...r.measures })
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const failures = failuresOf(r);
    const result = failures.length === 0 ? 'passed' : `failed: ${failures.join('; ')}`;
    const seed = (r as { seed?: number }).seed ?? doc.seed;
    lines.push(
      `| ${cell(r.name)} | ${seed} | ${cell(`${r.description} Injected: ${r.injected.join('; ')}.`)} | ` +
        `${cell(figures)} | ${cell(result)} |`,
    );
  }
  for (const r of doc.experiments) {
    const rows = r.rows ?? [];
    const first = rows[0];
    if (!first) continue;
    const cols = Object.keys(first);
    lines.push(
      '',
      `### ${r.name}`,
      '',
      `| ${cols.join(' | ')} |`,
      `| ${cols.map(() => '---').join(' | ')} |`,
    );
    for (const row of rows) lines.push(`| ${cols.map((c) => cell(row[c] ?? '')).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}
