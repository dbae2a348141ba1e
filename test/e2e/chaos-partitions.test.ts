/**
 * The short mode of the 'partitions' chaos experiment (seed 1):
 * a leader→follower link dropped, stalled and reset under edits.
 */
import assert from 'node:assert/strict';
import { contextFor, failuresOf } from '../chaos/experiment.js';
import { experiment } from '../chaos/experiments/partitions.js';

describe('chaos (short): partitions', function () {
  this.timeout(420_000);

  it('a leader→follower link dropped, stalled and reset under edits, losing nothing', async () => {
    const result = await experiment.run(contextFor(experiment.name, { seed: 1, short: true }));
    assert.deepEqual(failuresOf(result), []);
    assert.ok((result.figures.partitionsHealed ?? 0) > 0, 'partitions healed');
    assert.equal(result.figures.partitionsHealed, result.rows?.length, 'every fault healed');
    assert.equal(result.figures.lostUpdates, 0, 'lost updates');
    assert.equal(result.figures.crashes, 0, 'amko exits');
  });
});
