/**
 * The leader-kills chaos experiment in its short mode: two leader kills during a stream of
 * updates (one with hot standbys, one with cold ones), each followed by a kubectl promotion and
 * the killed amko's return as a follower. Nothing a follower held may be lost, the new leader
 * writes exactly the GslbServices whose desired state changed, and nothing diverges at the end.
 */
import assert from 'node:assert/strict';
import { contextFor, failuresOf } from '../chaos/experiment.js';
import { experiment } from '../chaos/experiments/leader-kills.js';

describe('chaos: leader kills (short mode)', function () {
  this.timeout(600_000);

  it('loses no held update across two leader kills and promotions, hot and cold', async () => {
    const result = await experiment.run(contextFor('leader-kills', { seed: 1, short: true }));
    assert.deepEqual(failuresOf(result), []);
    assert.equal(result.figures.leaderKills, 2);
    assert.deepEqual(
      result.rows?.map((r) => r['standby']),
      ['hot', 'cold'],
    );
  });
});
