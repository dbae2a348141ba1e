/**
 * Short mode of the `avi-bad-input` chaos experiment: every bad answer is tried once against the
 * real simulator, and each is retried or reported without crash, hang or duplicate object.
 */
import assert from 'node:assert/strict';
import { contextFor, type ExperimentResult, failuresOf } from '../chaos/experiment.js';
import { experiment } from '../chaos/experiments/avi-bad-input.js';

describe('chaos: avi-bad-input (short)', function () {
  this.timeout(300_000);

  it('retries or reports every bad answer cleanly, with no duplicate on the controller', async function () {
    const result: ExperimentResult = await experiment.run(
      contextFor('avi-bad-input', { seed: 1, short: true, log: () => undefined }),
    );
    assert.deepEqual(failuresOf(result), []);
    const rows = result.rows ?? [];
    assert.deepEqual(rows.map((r) => r['case']).sort(), [
      'body-50mb-create',
      'body-50mb-read',
      'html-200-create',
      'html-200-read',
      'malformed-json-create',
      'malformed-json-read',
      'next-loop-first',
      'next-loop-self',
      'no-uuid-create',
      'no-uuid-list',
    ]);
    assert.ok(
      rows.every((r) => r['runs'] === 1),
      'every case tried once',
    );
    assert.deepEqual(
      Object.fromEntries(
        rows.map((r) => [r['case'], `${String(r['outcome'])} ${String(r['error'])}`]),
      ),
      {
        'malformed-json-read': 'retried AVI_BAD_REPLY',
        'malformed-json-create': 'reported AVI_BAD_REPLY',
        'html-200-read': 'retried AVI_BAD_REPLY',
        'html-200-create': 'reported AVI_BAD_REPLY',
        'no-uuid-create': 'reported AVI_BAD_REPLY',
        'no-uuid-list': 'reported AVI_BAD_REPLY',
        'next-loop-self': 'reported AVI_BAD_REPLY',
        'next-loop-first': 'reported AVI_BAD_REPLY',
        'body-50mb-read': 'reported AVI_REPLY_TOO_LARGE',
        'body-50mb-create': 'reported AVI_REPLY_TOO_LARGE',
      },
    );
    assert.deepEqual(result.figures, {
      invalidInputsTried: 10,
      invalidInputsRefusedCleanly: 10,
      crashes: 0,
      finalDivergence: 0,
    });
  });
});
