/**
 * The federation model-checked: thousands of seeded runs of test/sim/federation-sim.ts, where
 * three processes run the real leadership step, the real leader session step and the real
 * follower session step over a simulated network that loses what is in flight, duplicates,
 * reorders across reconnects, partitions and heals, crashes processes (their disk survives) and
 * has an operator promote and demote. Every invariant is checked after every step; a failing run
 * is shrunk by fast-check to a short trace, which is reported as the violation.
 *
 * No servers: this experiment is fast, and runs many more interleavings than the real ones can.
 */
import fc from 'fast-check';
import { emptyStats, type SimStats } from '../../sim/federation-sim.js';
import { checkRun, simRuns } from '../../sim/federation-sim-check.js';
import type { Experiment, ExperimentContext, ExperimentResult } from '../experiment.js';

function add(total: SimStats, s: SimStats): void {
  for (const k of Object.keys(total) as (keyof SimStats)[]) total[k] += s[k];
}

export const experiment: Experiment = {
  name: 'federation-sim',
  run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const seeds = ctx.short ? 200 : 5_000;
    const total = emptyStats();
    let runs = 0;
    let failed = false;
    const started = Date.now();
    const details = fc.check(
      fc.property(simRuns(), (r) => {
        // Runs while shrinking a failure are not counted: the figures are of the seeds run.
        if (failed) return checkRun(r) !== undefined;
        try {
          add(total, checkRun(r).stats);
          runs++;
          return true;
        } catch (err) {
          failed = true;
          throw err;
        }
      }),
      { numRuns: seeds, seed: ctx.seed },
    );
    const failure = details.errorInstance;
    const violations = details.failed
      ? [failure instanceof Error ? failure.message : JSON.stringify(details.counterexample)]
      : [];
    const seconds = (Date.now() - started) / 1000;
    ctx.log(`${runs} runs, ${total.steps} steps in ${seconds.toFixed(1)} s`);
    return Promise.resolve({
      name: 'federation-sim',
      description:
        `${seeds} seeded runs of three processes on the real leadership, leader session and ` +
        'follower session steps, over a simulated network with faults; every invariant after every step',
      figures: {
        lostUpdates: violations.length > 0 && /lost/.test(violations[0] ?? '') ? 1 : 0,
        splitBrainSurvivingWrites: violations.length > 0 && /W1/.test(violations[0] ?? '') ? 1 : 0,
        partitionsHealed: total.heals,
      },
      measures: { runs, seconds: Math.round(seconds * 10) / 10, ...total },
      injected: [
        `${total.drops} losses of what was in flight, ${total.duplicates} duplicated messages, ${total.breaks} broken streams`,
        `${total.partitions} partitions (${total.heals} healed), ${total.crashes} process crashes`,
        `${total.writeFailures} failed replica writes, ${total.effectFailures} failed role effects`,
        `${total.promotions} promotions and ${total.demotions} demotions by the operator`,
      ],
      violations,
    });
  },
};
