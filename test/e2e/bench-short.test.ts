/**
 * `make bench` in its short mode: the real entry point (dist/bench/run.js --short) runs every
 * benchmark on tiny workloads into a temporary results folder. Checks the shape of what it
 * writes (every figure with median, min, max, runs and load averages; the README table), never
 * the figures themselves.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchResult } from '../../bench/measure.js';
import { repoRoot } from '../support/tools.js';

const RUN_JS = path.join(repoRoot(), 'dist', 'bench', 'run.js');
const BENCHMARKS = [
  'avi-client',
  'failover',
  'federation',
  'kube-list',
  'leader',
  'memory-profile',
  'scale',
];
const TABLE_HEADER =
  '| figure | goal | median | spread (min–max) | runs | loaded runs | machine | date |';

function runBench(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN_JS, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      resolve({ code, output });
    });
  });
}

function assertFigureShape(file: string, r: BenchResult): void {
  assert.ok(r.figures.length > 0, `${file}: no figures`);
  assert.equal(r.short, true, `${file}: not marked short`);
  assert.equal(typeof r.workload, 'string');
  assert.ok(r.workload.length > 20, `${file}: workload not described`);
  for (const key of ['cpus', 'cpuModel', 'memoryGb', 'node', 'date'] as const) {
    assert.ok(r.machine[key] !== undefined, `${file}: machine.${key} missing`);
  }
  for (const f of r.figures) {
    const what = `${file} ${f.key}`;
    for (const k of ['median', 'min', 'max', 'runs', 'loadedRuns'] as const) {
      assert.equal(typeof f[k], 'number', `${what}: ${k} is not a number`);
    }
    assert.ok(f.min <= f.median && f.median <= f.max, `${what}: min ≤ median ≤ max`);
    assert.equal(f.runs, 1, `${what}: short mode runs once`);
    assert.equal(f.loadavg.length, f.runs, `${what}: one load average per run`);
    for (const l of f.loadavg) {
      assert.equal(typeof l.before, 'number', `${what}: loadavg.before`);
      assert.equal(typeof l.after, 'number', `${what}: loadavg.after`);
    }
    assert.equal(f.samples.length, f.runs);
    assert.equal(typeof f.samples[0]?.loaded, 'boolean', `${what}: loaded flag`);
    const outside = f.samples[0]?.outsideCores;
    assert.ok(
      typeof outside === 'number' && outside >= 0,
      `${what}: CPU outside the benchmark measured (${String(outside)})`,
    );
    const ref = f.samples[0]?.speedRefMs;
    assert.ok(
      typeof ref === 'number' && ref > 0,
      `${what}: speed reference taken (${String(ref)})`,
    );
    assert.equal(f.speedRefMs, ref, `${what}: the figure's speed reference is its run's`);
  }
}

describe('make bench (short mode)', function () {
  this.timeout(1_800_000);
  let dir = '';

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'amko-bench-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an unknown benchmark name with the names there are', async () => {
    const { code, output } = await runBench(['--short', 'leader,no-such-bench'], {
      BENCH_RESULTS_DIR: dir,
    });
    assert.notEqual(code, 0);
    assert.match(output, /unknown benchmark no-such-bench; there are: .*leader/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('runs every benchmark and writes result files and the README table', async () => {
    writeFileSync(path.join(dir, 'reliability.md'), '## Reliability (`make chaos`)\n\nkept\n');
    const { code, output } = await runBench(['--short'], { BENCH_RESULTS_DIR: dir });
    assert.equal(code, 0, output.slice(-4000));
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.deepEqual(files.sort(), BENCHMARKS.map((b) => `${b}.json`).sort());
    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    for (const file of files) {
      const r = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as BenchResult;
      assert.equal(`${r.benchmark}.json`, file);
      assertFigureShape(file, r);
      assert.ok(readme.includes(`## ${r.benchmark} (short mode`), `README: no ${r.benchmark}`);
      assert.ok(readme.includes(`Workload: ${r.workload}`), `README: ${r.benchmark} workload`);
      for (const f of r.figures) {
        assert.ok(readme.includes(`| ${f.figure} |`), `README: no row for ${file} ${f.key}`);
      }
    }
    assert.ok(readme.includes(TABLE_HEADER));
    assert.ok(readme.includes('How it grows (medians):'), 'README: no growth table');
    assert.ok(readme.trimEnd().endsWith('kept'), 'README: reliability section not kept');
    const scale = JSON.parse(readFileSync(path.join(dir, 'scale.json'), 'utf8')) as BenchResult;
    const leader = JSON.parse(readFileSync(path.join(dir, 'leader.json'), 'utf8')) as BenchResult;
    assert.ok(leader.figures.some((f) => f.key === 'syncShareOfSimRate'));
    assert.ok(scale.figures.some((f) => f.at !== undefined));
    const memory = JSON.parse(
      readFileSync(path.join(dir, 'memory-profile.json'), 'utf8'),
    ) as BenchResult;
    for (const key of ['steadyRssMb@0', 'steadyRssMb@20', 'growthKb@20', 'cpuS@20']) {
      assert.ok(
        memory.figures.some((f) => f.key === key),
        `memory-profile: no ${key}`,
      );
    }
    const federation = JSON.parse(
      readFileSync(path.join(dir, 'federation.json'), 'utf8'),
    ) as BenchResult;
    for (const stage of ['watch', 'append', 'send', 'transfer', 'followerWrite', 'ack']) {
      assert.ok(
        federation.figures.some((f) => f.key === `stage.${stage}.p99`),
        `federation: no ${stage} stage`,
      );
    }
  });
});
