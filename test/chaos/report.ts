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
    `Seed ${doc.seed}${doc.short ? ' (short mode)' : ''}, ${doc.date}. Repeat with ` +
      `\`make chaos SEED=${doc.seed}\`.`,
    '',
    '| figure | total |',
    '| --- | --- |',
    ...RELIABILITY_KEYS.map((k) => `| ${k} | ${cell(doc[k])} |`),
    '',
    '| experiment | workload and faults | figures | result |',
    '| --- | --- | --- | --- |',
  ];
  for (const r of doc.experiments) {
    const figures = Object.entries({ ...r.figures, ...r.measures })
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const failures = failuresOf(r);
    const result = failures.length === 0 ? 'passed' : `failed: ${failures.join('; ')}`;
    lines.push(
      `| ${cell(r.name)} | ${cell(`${r.description} Injected: ${r.injected.join('; ')}.`)} | ` +
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
