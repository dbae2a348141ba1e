/**
 * Benchmark: Avi client against the simulator process over HTTP. Measures GslbService
 * create + get-by-name pairs at 1, 8 and 32 requests in flight and writes
 * bench/results/avi-client.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { clientFor, gslbServiceBody, startAviSim } from '../test/support/avi-sim.js';
import { repoRoot } from '../test/support/tools.js';

const LEVELS = [1, 8, 32] as const;
const PAIRS_PER_LEVEL = 600;
const WARMUP_PAIRS = 30;

interface LevelResult {
  concurrency: number;
  pairs: number;
  seconds: number;
  pairsPerSecond: number;
  requestsPerSecond: number;
  pairLatencyMs: { p50: number; p95: number; p99: number; max: number };
}

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[i] ?? 0) * 100) / 100;
}

async function measure(
  sim: Awaited<ReturnType<typeof startAviSim>>,
  concurrency: number,
): Promise<LevelResult> {
  await sim.control.reset({ empty: true });
  const client = clientFor(sim, { concurrency });
  const pair = async (name: string): Promise<number> => {
    const start = performance.now();
    await client.gslbServices.create(gslbServiceBody(name));
    const found = await client.gslbServices.getByName(name);
    if (found === undefined) throw new Error(`${name} not found after create`);
    return performance.now() - start;
  };
  try {
    for (let i = 0; i < WARMUP_PAIRS; i++) await pair(`warm-${i}.c${concurrency}.example.com`);
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    const worker = async (): Promise<void> => {
      for (let i = next++; i < PAIRS_PER_LEVEL; i = next++) {
        latencies.push(await pair(`gs-${i}.c${concurrency}.example.com`));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      concurrency,
      pairs: PAIRS_PER_LEVEL,
      seconds: Math.round(seconds * 1000) / 1000,
      pairsPerSecond: Math.round(PAIRS_PER_LEVEL / seconds),
      requestsPerSecond: Math.round((2 * PAIRS_PER_LEVEL) / seconds),
      pairLatencyMs: {
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
        max: percentile(latencies, 100),
      },
    };
  } finally {
    await client.close();
  }
}

/** Runs the benchmark and writes bench/results/avi-client.json. */
export async function run(): Promise<void> {
  const sim = await startAviSim();
  const levels: LevelResult[] = [];
  try {
    for (const concurrency of LEVELS) {
      const result = await measure(sim, concurrency);
      levels.push(result);
      console.log(
        `avi-client: concurrency ${concurrency}: ${result.pairsPerSecond} create+get/s, ` +
          `p95 ${result.pairLatencyMs.p95} ms`,
      );
    }
  } finally {
    await sim.stop();
  }
  const dir = path.join(repoRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const report = {
    benchmark: 'avi-client',
    description:
      'GslbService create (POST) + get by name (GET ?name=) against amko-avi-sim over HTTP',
    node: process.version,
    date: new Date().toISOString(),
    levels: Object.fromEntries(levels.map((l) => [`c${l.concurrency}`, l])),
  };
  writeFileSync(path.join(dir, 'avi-client.json'), `${JSON.stringify(report, null, 2)}\n`);
}
