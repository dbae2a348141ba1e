/**
 * Short mode of the controller-faults chaos experiment (test/chaos/experiments): a leader syncs
 * 200 GslbServices through 503s, slow replies, expired sessions, a controller restart and a 409
 * on create, and ends with exactly the desired state, every fault visible in its log and metrics.
 */
import assert from 'node:assert/strict';
import { contextFor, failuresOf, type ExperimentResult } from '../chaos/experiment.js';
import { experiment } from '../chaos/experiments/controller-faults.js';

describe('chaos (short): controller faults during a full sync', function () {
  this.timeout(600_000);
  let result: ExperimentResult;

  before(async function () {
    result = await experiment.run(contextFor(experiment.name, { seed: 1, short: true }));
  });

  it('converges to the desired state with no violation', function () {
    assert.deepEqual(failuresOf(result), []);
    assert.equal(result.figures.finalDivergence, 0);
    assert.equal(result.figures.crashes, 0);
    assert.equal(result.measures?.['duplicates'], 0);
    assert.equal(result.measures?.['orphans'], 0);
  });

  it('injected every kind of fault, and amko reported each in its log and metrics', function () {
    assert.ok((result.figures.controllerFaultsInjected ?? 0) > 0);
    const rows = result.rows ?? [];
    assert.deepEqual(
      rows.map((r) => r['fault']),
      ['503', 'latency', 'session-expiry', 'controller-down', '409-on-create'],
    );
    for (const r of rows) {
      assert.ok(Number(r['injected']) > 0, `${String(r['fault'])} injected`);
      assert.ok(Number(r['seenInLog']) > 0, `${String(r['fault'])} in the log`);
      assert.ok(Number(r['seenInMetrics']) > 0, `${String(r['fault'])} on /metrics`);
    }
  });
});
