/**
 * The federation simulation as fast-check sees it: the arbitrary of a run (a seed for the small
 * choices, one number per step) and the check of one run, which fails with the violations and
 * the numbered trace of actions that led there (shrunk by fast-check to a short one). Shared by
 * the property test and the chaos experiment; only they import this file.
 */
import fc from 'fast-check';
import { FederationSim } from './federation-sim.js';

export interface SimRun {
  readonly seed: number;
  readonly choices: readonly number[];
}

/** Runs of up to `maxSteps` steps. */
export function simRuns(maxSteps = 400): fc.Arbitrary<SimRun> {
  return fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    choices: fc.array(fc.nat({ max: 2 ** 20 }), {
      minLength: 1,
      maxLength: maxSteps,
      size: 'max',
    }),
  });
}

/** Runs the simulation; throws with the violations and the trace when an invariant broke. */
export function checkRun(r: SimRun): FederationSim {
  const sim = new FederationSim({ seed: r.seed });
  sim.run(r.choices);
  if (sim.violations.length > 0) {
    const trace = sim.trace.map((t, i) => `  ${i + 1}. ${t}`).join('\n');
    throw new Error(`${sim.violations.join('\n')}\ntrace (seed ${r.seed}):\n${trace}`);
  }
  return sim;
}
