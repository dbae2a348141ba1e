/**
 * The auto-failover-skew experiment in its short mode: the auto-failover scenarios with the
 * sites' clocks 10 s apart (--clock-offset-ms): no promotion on a partition, one follower takes
 * over a killed leader, no double leadership and no write by a fenced or expired leader.
 */
import assert from 'node:assert/strict';
import { contextFor, failuresOf } from '../chaos/experiment.js';
import { experiment } from '../chaos/experiments/auto-failover-skew.js';

describe('chaos (short): automatic failover with skewed clocks', function () {
  this.timeout(600_000);

  it('promotes one follower after a leader kill, none on a partition, whatever the skew', async () => {
    const result = await experiment.run(contextFor('auto-failover-skew', { seed: 1, short: true }));
    assert.deepEqual(failuresOf(result), []);
    assert.match(
      result.injected.join('\n'),
      /clock skew through --clock-offset-ms: cluster1 [+-]10 s/,
    );
    assert.equal(result.measures?.['promotions'], 1);
    assert.equal(result.measures?.['doubleLeadershipIntervals'], 0);
    assert.equal(result.measures?.['fencedOrExpiredLeaderWrites'], 0);
    const kill = result.rows?.find((r) => r['scenario'] === 'leader SIGKILL');
    assert.equal(kill?.['to'], 'cluster2', 'cluster2 goes first by priority');
  });
});
