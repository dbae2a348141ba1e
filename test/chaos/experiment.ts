/**
 * Fault experiments (`make chaos`): each one runs real amko processes against real
 * kube-apiservers and the Avi simulator on loopback, injects faults chosen by a seeded random
 * source, and reports what it injected and what was lost. Every loop is bounded in count and
 * in time. A short mode of each runs in `make test` (test/e2e/chaos-*.test.ts).
 *
 * An experiment module lives in `test/chaos/experiments/` and exports `experiment`.
 */
import { seededRandom } from '../../src/sim/avi-controller/seeded-random.js';

/** The figures the reliability table sums over every experiment (all optional per experiment). */
export const RELIABILITY_KEYS = Object.freeze([
  'leaderKills',
  'ackedUpdates',
  'lostUpdates',
  'partitionsHealed',
  'splitBrainSurvivingWrites',
  'controllerFaultsInjected',
  'finalDivergence',
  'invalidInputsTried',
  'invalidInputsRefusedCleanly',
  'crashes',
] as const);

export type ReliabilityKey = (typeof RELIABILITY_KEYS)[number];

/** Figures that must be zero for an experiment to pass. */
export const MUST_BE_ZERO: readonly ReliabilityKey[] = Object.freeze([
  'lostUpdates',
  'splitBrainSurvivingWrites',
  'finalDivergence',
  'crashes',
]);

export interface ExperimentContext {
  /** Seed of this run; every random choice comes from `random`. */
  readonly seed: number;
  /** Returns a float in [0, 1), deterministic for the seed. */
  readonly random: () => number;
  /** The short mode run by `make test`: fewer runs and updates, same checks. */
  readonly short: boolean;
  log(message: string): void;
}

/** One row of an experiment's own table (e.g. one leader kill, one invalid object). */
export type ResultRow = Readonly<Record<string, string | number | boolean>>;

export interface ExperimentResult {
  readonly name: string;
  /** What was done, in a sentence (the workload and the faults). */
  readonly description: string;
  /** The reliability figures this experiment contributes (summed over experiments). */
  readonly figures: Partial<Record<ReliabilityKey, number>>;
  /** Further figures of its own (times in ms, counts), reported as they are. */
  readonly measures?: Readonly<Record<string, number>>;
  /** What was injected, one line per kind of fault. */
  readonly injected: readonly string[];
  /** Rows of its own table (optional). */
  readonly rows?: readonly ResultRow[];
  /** Invariants that did not hold (empty when the experiment passed). */
  readonly violations: readonly string[];
}

export interface Experiment {
  readonly name: string;
  run(ctx: ExperimentContext): Promise<ExperimentResult>;
}

export { seededRandom };

/** An integer in [min, max], from `random`. */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** A context for one experiment (each gets its own random stream derived from the seed). */
export function contextFor(
  name: string,
  opts: { seed: number; short: boolean; log?: (m: string) => void },
): ExperimentContext {
  let h = opts.seed >>> 0;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return {
    seed: opts.seed,
    random: seededRandom(h),
    short: opts.short,
    log:
      opts.log ??
      ((m) => {
        console.log(`[${name}] ${m}`);
      }),
  };
}

/** Violations of the must-be-zero figures, plus the experiment's own. */
export function failuresOf(r: ExperimentResult): string[] {
  const out = [...r.violations];
  for (const k of MUST_BE_ZERO) {
    const v = r.figures[k];
    if (v !== undefined && v !== 0) out.push(`${k} = ${v} (must be 0)`);
  }
  return out;
}
