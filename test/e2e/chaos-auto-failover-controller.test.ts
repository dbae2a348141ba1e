/**
 * The auto-failover-controller experiment in its short mode: a controller restart under a leader
 * keeps the lease and promotes nobody; with the controller and the leader lost together the
 * followers ask for a manual site failover and nothing promotes until the controller is back.
 */
import assert from 'node:assert/strict';
import { contextFor, failuresOf } from '../chaos/experiment.js';
import { experiment } from '../chaos/experiments/auto-failover-controller.js';

describe('chaos (short): the lease when the controller goes away', function () {
  this.timeout(600_000);

  it('keeps the lease across a controller restart and promotes nobody without a controller', async () => {
    const result = await experiment.run(
      contextFor('auto-failover-controller', { seed: 1, short: true }),
    );
    assert.deepEqual(failuresOf(result), []);
    const [restart, site] = result.rows ?? [];
    assert.equal(restart?.['leaseAfterRestart'], 'cluster1@1');
    assert.equal(site?.['promotionsWhileControllerDown'], 0);
    assert.equal(site?.['leaderAfterControllerReturned'], 'cluster2', 'first by priority');
    assert.equal(result.measures?.['promotions'], 1);
    assert.equal(result.measures?.['doubleLeadershipIntervals'], 0);
    assert.equal(result.measures?.['fencedOrExpiredLeaderWrites'], 0);
  });
});
