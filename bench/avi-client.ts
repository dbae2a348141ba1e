/**
 * Benchmark: Avi client against the simulator process over HTTP. Measures the simulator's write
 * rate alone (GslbService creates/s at the leader's concurrency, 8) and GslbService create +
 * get-by-name pairs at 1, 8 and 32 requests in flight, with the client's own CPU time per request
 * (the simulator runs in its own process); writes avi-client.json.
 */
import { clientFor, gslbServiceBody, startAviSim } from '../test/support/avi-sim.js';
import {
  AVI_CLIENT_DEFAULT_CONCURRENCY,
  MIN_RATE_CREATES,
  simWriteRate,
  warmUpCreates,
} from './lib/sim-write-rate.js';
import {
  figures,
  percentile,
  repeat,
  writeResult,
  type BenchContext,
  type BenchResult,
  type FigureSpec,
} from './measure.js';

const LEVELS = [1, 8, 32] as const;
const PAIRS_PER_LEVEL = 600;
const WARMUP_PAIRS = 30;

interface LevelResult {
  concurrency: number;
  pairs: number;
  seconds: number;
  pairsPerSecond: number;
  requestsPerSecond: number;
  /** CPU time of this process (the client) per request, user + system. */
  clientCpuUsPerRequest: number;
  pairLatencyMs: { p50: number; p95: number; p99: number; max: number };
}

function pct(sorted: readonly number[], p: number): number {
  return Math.round(percentile(sorted, p) * 100) / 100;
}

async function measure(
  sim: Awaited<ReturnType<typeof startAviSim>>,
  concurrency: number,
  PAIRS_PER_LEVEL: number,
  WARMUP_PAIRS: number,
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
    const cpuBefore = process.cpuUsage();
    const worker = async (): Promise<void> => {
      for (let i = next++; i < PAIRS_PER_LEVEL; i = next++) {
        latencies.push(await pair(`gs-${i}.c${concurrency}.example.com`));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    latencies.sort((a, b) => a - b);
    return {
      concurrency,
      pairs: PAIRS_PER_LEVEL,
      seconds: Math.round(seconds * 1000) / 1000,
      pairsPerSecond: Math.round(PAIRS_PER_LEVEL / seconds),
      requestsPerSecond: Math.round((2 * PAIRS_PER_LEVEL) / seconds),
      clientCpuUsPerRequest: Math.round((cpu.user + cpu.system) / (2 * PAIRS_PER_LEVEL)),
      pairLatencyMs: {
        p50: pct(latencies, 50),
        p95: pct(latencies, 95),
        p99: pct(latencies, 99),
        max: pct(latencies, 100),
      },
    };
  } finally {
    await client.close();
  }
}

const FIGURES: FigureSpec[] = [
  {
    key: 'simWriteRate',
    label: `simulator write rate alone: GslbService creates/s at concurrency ${AVI_CLIENT_DEFAULT_CONCURRENCY} (the leader's)`,
    unit: '/s',
  },
  ...LEVELS.flatMap((c): FigureSpec[] => [
    { key: `pairsPerSecond.c${c}`, label: `create+get pairs/s, ${c} in flight`, unit: '/s' },
    { key: `p95.c${c}`, label: `create+get pair latency p95, ${c} in flight`, unit: 'ms' },
    { key: `p99.c${c}`, label: `create+get pair latency p99, ${c} in flight`, unit: 'ms' },
    {
      key: `clientCpu.c${c}`,
      label: `client CPU per request (the client's process only), ${c} in flight`,
      unit: 'µs',
    },
  ]),
];

/** Runs the benchmark and writes avi-client.json into the results folder. */
export async function run(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const pairs = ctx.short ? 20 : PAIRS_PER_LEVEL;
  const warmup = ctx.short ? 2 : WARMUP_PAIRS;
  const rateCreates = ctx.short ? 40 : MIN_RATE_CREATES;
  const sim = await startAviSim();
  try {
    const { records, details } = await repeat(ctx.runs, async () => {
      await sim.control.reset({ empty: true });
      const rate = await simWriteRate(sim, rateCreates);
      const values: Record<string, number> = { simWriteRate: rate.createsPerSecond };
      const levels: LevelResult[] = [];
      for (const concurrency of LEVELS) {
        const result = await measure(sim, concurrency, pairs, warmup);
        levels.push(result);
        values[`pairsPerSecond.c${concurrency}`] = result.pairsPerSecond;
        values[`p95.c${concurrency}`] = result.pairLatencyMs.p95;
        values[`p99.c${concurrency}`] = result.pairLatencyMs.p99;
        values[`clientCpu.c${concurrency}`] = result.clientCpuUsPerRequest;
      }
      return { values, details: { simWriteRate: rate, levels } };
    });
    return writeResult(ctx, {
      benchmark: 'avi-client',
      workload:
        `amko-avi-sim over HTTP: ${rateCreates} GslbService creates (POST, after ${warmUpCreates(rateCreates)} untimed) at the leader's ` +
        `concurrency, then ${pairs} create (POST) + get-by-name (GET ?name=) pairs at each of ` +
        `${LEVELS.join(', ')} requests in flight.`,
      seconds: (Date.now() - started) / 1000,
      figures: figures(FIGURES, records),
      details,
    });
  } finally {
    await sim.stop();
  }
}
