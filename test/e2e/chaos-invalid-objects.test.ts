/**
 * The short mode of the invalid-objects chaos experiment (`make chaos` runs the full table):
 * invalid objects applied through the real API servers of a running federation are refused by
 * the API server or by amko, change nothing on the controller, and crash nothing.
 */
import assert from 'node:assert/strict';
import { contextFor, failuresOf } from '../chaos/experiment.js';
import { experiment } from '../chaos/experiments/invalid-objects.js';
import { configCases } from '../chaos/invalid-objects/config-cases.js';
import { GDP_CASES } from '../chaos/invalid-objects/gdp-cases.js';
import { GHR_CASES } from '../chaos/invalid-objects/ghr-cases.js';

describe('chaos: invalid objects (short)', function () {
  this.timeout(600_000);

  it('holds at least 40 invalid objects over the four kinds in its full table', () => {
    const base = { gc: {}, gcAnnotations: {}, amko: {} };
    const all = [...GDP_CASES, ...GHR_CASES, ...configCases(base)];
    assert.ok(all.length >= 40, `${all.length} cases`);
    const kinds = new Set(all.map((c) => c.kind));
    assert.deepEqual([...kinds].sort(), [
      'AMKOCluster',
      'GSLBConfig',
      'GSLBHostRule',
      'GlobalDeploymentPolicy',
    ]);
  });

  it('refuses every invalid object cleanly, with the controller unchanged and amko up', async () => {
    const result = await experiment.run(contextFor('invalid-objects', { seed: 1, short: true }));
    assert.deepEqual(failuresOf(result), []);
    const tried = result.figures.invalidInputsTried ?? 0;
    assert.ok(tried > 0, 'cases were run');
    assert.equal(result.figures.invalidInputsRefusedCleanly, tried);
    assert.equal(result.figures.crashes, 0);
    assert.equal(result.figures.finalDivergence, 0);
    for (const row of result.rows ?? []) {
      assert.notEqual(row['refusedBy'], 'none', `${String(row['case'])} was refused`);
      assert.notEqual(row['message'], '', `${String(row['case'])} has a message`);
    }
  });
});
