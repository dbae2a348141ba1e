/**
 * The auto-failover experiment in its short mode: no promotion while the leader only loses its
 * followers; one follower takes over a killed leader by the lease; the old leader returns fenced,
 * demotes itself and writes nothing.
 */
import assert from 'node:assert/strict';
import { contextFor, failuresOf } from '../chaos/experiment.js';
import { experiment } from '../chaos/experiments/auto-failover.js';

describe('chaos (short): automatic failover', function () {
  this.timeout(600_000);

  it('promotes exactly one follower after a leader kill, none on a partition, and demotes the returning leader', async () => {
    const result = await experiment.run(contextFor('auto-failover', { seed: 1, short: true }));
    assert.deepEqual(failuresOf(result), []);
    assert.equal(result.measures?.['promotions'], 1);
    assert.equal(result.measures?.['doubleLeadershipIntervals'], 0);
    assert.equal(result.measures?.['fencedOrExpiredLeaderWrites'], 0);
    const kill = result.rows?.find((r) => r['scenario'] === 'leader SIGKILL');
    assert.equal(kill?.['to'], 'cluster2', 'cluster2 goes first by priority');
    assert.ok(Number(kill?.['recoveryMs']) <= (4 + 5) * 1000);
  });
});
