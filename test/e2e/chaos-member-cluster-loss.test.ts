/**
 * Short mode of the member-cluster-loss chaos experiment (test/chaos/experiments): a member
 * cluster's kube-apiserver stops for 10 s during a sync of 200 GslbServices and returns with
 * nothing changed; the leader keeps its members, says so, and writes nothing it need not.
 */
import assert from 'node:assert/strict';
import { contextFor, failuresOf, type ExperimentResult } from '../chaos/experiment.js';
import { experiment } from '../chaos/experiments/member-cluster-loss.js';

describe('chaos (short): a member cluster lost during a sync', function () {
  this.timeout(600_000);
  let result: ExperimentResult;

  before(async function () {
    result = await experiment.run(contextFor(experiment.name, { seed: 1, short: true }));
  });

  it('keeps every member, makes no churn and rewrites nothing on return', function () {
    assert.deepEqual(failuresOf(result), []);
    assert.equal(result.figures.finalDivergence, 0);
    assert.equal(result.figures.crashes, 0);
    assert.equal(result.measures?.['churnWhileAway'], 0);
    assert.equal(result.measures?.['deletesWhileAway'], 0);
    assert.equal(result.measures?.['lostMemberGslbServices'], 0);
    assert.equal(result.measures?.['writesAfterReturn'], 0);
  });

  it('reports the lost cluster in its log and as an event, and its return', function () {
    for (const r of result.rows ?? []) assert.ok(Number(r['count']) > 0, String(r['signal']));
  });
});
