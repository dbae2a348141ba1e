/**
 * The split-brain experiment in its short mode: two leaders reach the controller at once, and
 * nothing the old one writes survives.
 */
import assert from 'node:assert/strict';
import { contextFor, failuresOf } from '../chaos/experiment.js';
import { experiment } from '../chaos/experiments/split-brain.js';

describe('chaos (short): split brain', function () {
  this.timeout(600_000);

  it('fences the old leader by the controller marker; none of its writes survive', async () => {
    const result = await experiment.run(contextFor('split-brain', { seed: 1, short: true }));
    assert.deepEqual(failuresOf(result), []);
    assert.equal(result.figures.splitBrainSurvivingWrites, 0);
    assert.equal(result.figures.finalDivergence, 0);
    assert.equal(result.measures?.['oldLeaderWritesAfterFence'], 0);
    const rows = new Map(result.rows?.map((r) => [r['site'], r]));
    assert.equal(rows.get('cluster1')?.['ROLE'], 'fenced');
    assert.equal(rows.get('cluster2')?.['ROLE'], 'leader');
    assert.equal(rows.get('cluster2')?.['EPOCH'], '2');
  });
});
