import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { figures, repeat, writeResult, type RunRecord } from '../measure.js';
import { writeResultsReadme } from '../results-readme.js';
import { measureRounds, speedReferenceRounds, workload } from './speed-reference.js';

const silent = (): void => undefined;

describe('benchmark speed reference', () => {
  it('takes the reference before each run and keeps it with the run', async () => {
    const refs = [210, 190, 205];
    const order: string[] = [];
    const { records } = await repeat(
      3,
      (run) => {
        order.push(`run ${run}`);
        return Promise.resolve({ values: { x: run } });
      },
      silent,
      () => {
        order.push('reference');
        return refs[order.filter((o) => o === 'reference').length - 1] as number;
      },
    );
    assert.deepEqual(order, ['reference', 'run 0', 'reference', 'run 1', 'reference', 'run 2']);
    assert.deepEqual(
      records.map((r) => r.speedRefMs),
      [210, 190, 205],
    );
  });

  it("gives each figure the median reference of the runs it counts, loaded runs' left out", () => {
    const record = (value: number, speedRefMs: number, loaded: boolean): RunRecord => ({
      values: { x: value },
      loadavg: { before: 0, after: 0 },
      speedRefMs,
      loaded,
    });
    const [f] = figures(
      [{ key: 'x', label: 'x', unit: 'ms' }],
      [record(1, 200, false), record(2, 900, true), record(3, 220, false), record(4, 210, false)],
    );
    assert.ok(f);
    assert.equal(f.speedRefMs, 210);
    assert.deepEqual(
      f.samples.map((s) => s.speedRefMs),
      [200, 900, 220, 210],
    );
  });

  it("shows the reference in the results table's machine column", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'amko-bench-ref-'));
    try {
      const record: RunRecord = {
        values: { x: 5 },
        loadavg: { before: 0.1, after: 0.2 },
        speedRefMs: 187.4,
        loaded: false,
      };
      writeResult(
        { short: true, runs: 1, resultsDir: dir },
        {
          benchmark: 'reftest',
          workload: 'a workload that is described in more than twenty characters',
          seconds: 1,
          figures: figures([{ key: 'x', label: 'the x figure', unit: 'ms' }], [record]),
        },
      );
      const readme = writeResultsReadme(dir);
      const row = readme.split('\n').find((l) => l.startsWith('| the x figure |'));
      assert.ok(row, readme);
      assert.match(row, /, speed ref 187 ms \|/);
      const json = JSON.parse(readFileSync(path.join(dir, 'reftest.json'), 'utf8')) as {
        figures: { speedRefMs: number }[];
      };
      assert.equal(json.figures[0]?.speedRefMs, 187.4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('works the same objects in every round', () => {
    assert.equal(workload(), workload());
    const rounds = measureRounds(2);
    assert.equal(rounds.length, 2);
    for (const r of rounds) assert.ok(r > 0, `round took ${r} ms`);
  });

  it('measures the reference in a fresh Node process', function () {
    this.timeout(120_000);
    const rounds = speedReferenceRounds();
    assert.equal(rounds.length, 4, 'five rounds, the first left out');
    for (const r of rounds) assert.ok(Number.isFinite(r) && r > 0, String(r));
  });
});
