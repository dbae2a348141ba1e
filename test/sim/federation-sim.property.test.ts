import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkRun, simRuns } from './federation-sim-check.js';
import { emptyStats } from './federation-sim.js';

describe('federation simulation: the real steps together under faults', () => {
  it('holds every invariant after every step, over 300 seeded runs', function () {
    this.timeout(120_000);
    fc.assert(
      fc.property(simRuns(), (r) => {
        checkRun(r);
      }),
      // A failure is shrunk for up to a minute: the report shows the shortest trace found.
      {
        numRuns: 300,
        seed: 20261130,
        interruptAfterTimeLimit: 60_000,
        markInterruptAsFailure: true,
      },
    );
  });

  it('injects every kind of fault, promotes, fails over and replicates', () => {
    const total = emptyStats();
    fc.assert(
      fc.property(simRuns(), (r) => {
        const s = checkRun(r).stats;
        for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += s[k];
      }),
      { numRuns: 40, seed: 7 },
    );
    const must = ['drops', 'duplicates', 'breaks', 'partitions', 'heals', 'crashes'] as const;
    const progress = [
      ...['promotions', 'demotions', 'edits', 'controllerWrites', 'delivered'],
      ...['witnessedWrites', 'witnessAnswers'],
    ] as const;
    for (const k of [...must, ...progress]) assert.ok(total[k] > 0, `${k}: ${total[k]}`);
  });
});
