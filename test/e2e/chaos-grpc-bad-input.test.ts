/**
 * The short mode of the `grpc-bad-input` chaos experiment: a real amko follower serving a real
 * amko leader is sent every kind of bad gRPC input (100 hellos in the floods) and must refuse
 * each with its status, change nothing, and keep serving the leader.
 */
import assert from 'node:assert/strict';
import { contextFor, failuresOf } from '../chaos/experiment.js';
import { experiment } from '../chaos/experiments/grpc-bad-input.js';

describe('chaos (short): grpc-bad-input', function () {
  this.timeout(600_000);

  it('refuses every bad input with its status, applies nothing and keeps serving the leader', async () => {
    const result = await experiment.run(contextFor('grpc-bad-input', { seed: 1, short: true }));
    assert.deepEqual(failuresOf(result), [], JSON.stringify(result.rows, null, 1));
    assert.equal(result.figures.invalidInputsRefusedCleanly, result.figures.invalidInputsTried);
    assert.ok(result.rows?.every((r) => r['applied'] === false && r['followerServing'] === true));
  });
});
