/**
 * The short mode of the 'follower-etcd-restart' chaos experiment (seed 1):
 * a follower’s etcd stopped and started under edits.
 */
import assert from 'node:assert/strict';
import { contextFor, failuresOf } from '../chaos/experiment.js';
import { experiment } from '../chaos/experiments/follower-etcd-restart.js';

describe('chaos (short): follower-etcd-restart', function () {
  this.timeout(420_000);

  it('a follower’s etcd stopped and started under edits, losing nothing', async () => {
    const result = await experiment.run(contextFor(experiment.name, { seed: 1, short: true }));
    assert.deepEqual(failuresOf(result), []);
    assert.ok((result.figures.ackedUpdates ?? 0) > 0, 'updates acked');
    assert.equal(result.measures?.['acksWhileDown'], 0, 'no ack while etcd was down');
    assert.equal(result.figures.lostUpdates, 0, 'lost updates');
    assert.equal(result.figures.crashes, 0, 'amko exits');
  });
});
