/**
 * The auto-failover-race experiment in its short mode: three rounds of a leader kill with both
 * followers of equal priority racing for the lease; exactly one wins each time and the other
 * follows it; the killed site returns and demotes itself.
 */
import assert from 'node:assert/strict';
import { contextFor, failuresOf } from '../chaos/experiment.js';
import { experiment } from '../chaos/experiments/auto-failover-race.js';

describe('chaos (short): two followers racing for the lease', function () {
  this.timeout(600_000);

  it('promotes exactly one follower per round, with no double leadership and no fenced writes', async () => {
    const result = await experiment.run(contextFor('auto-failover-race', { seed: 1, short: true }));
    assert.deepEqual(failuresOf(result), []);
    assert.equal(result.measures?.['rounds'], 3);
    assert.equal(result.measures?.['promotions'], 3);
    assert.equal(result.measures?.['maxWinnersPerRound'], 1);
    assert.equal(result.measures?.['doubleLeadershipIntervals'], 0);
    assert.equal(result.measures?.['fencedOrExpiredLeaderWrites'], 0);
    const epochs = (result.rows ?? []).map((r) => Number(r['epoch']));
    assert.deepEqual(epochs, [2, 3, 4], 'each round leads at the next epoch');
  });
});
