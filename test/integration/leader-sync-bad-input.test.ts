/**
 * The leader's sync layer (reconciler, applier, controller cache over the real Avi client)
 * against creates whose answers are garbage on the real simulator: the pass fails with a
 * retryable error, the next pass's create meets 409 and reads the object back into the cache,
 * and the controller ends with exactly one of each object.
 */
import assert from 'node:assert/strict';
import type { AviClient } from '../../src/shared/avi/avi-client.js';
import { gslbKey } from '../../src/shared/keys.js';
import { useEmptyAviSim } from '../support/avi-sim.js';
import { gsSyncFor, type SyncOutcome, syncPasses } from '../support/gs-sync.js';

const GS = 'shop.example.com';
const CUT = '{"uuid": "gslbservice-6f1c';

/** Passes until one returns; fails on a terminal or untyped error. */
async function passes(client: AviClient): Promise<SyncOutcome> {
  const outcome = await syncPasses(await gsSyncFor(client, GS), GS);
  assert.equal(outcome.fatal, undefined, String(outcome.fatal));
  return outcome;
}

const reconcileAgain = async (client: AviClient): Promise<string> =>
  (await gsSyncFor(client, GS)).reconcile(gslbKey('admin', GS));

describe('leader sync against garbled create answers from amko-avi-sim', function () {
  const avi = useEmptyAviSim();

  const names = async (type: string): Promise<string[]> =>
    ((await avi.sim.control.objects({ type }))[type] ?? []).map((o) => String(o['name']));
  const posts = async (type: string): Promise<number[]> =>
    (await avi.sim.control.journal({ method: 'POST', objectType: type })).map((e) => e.status);

  for (const [what, effect] of [
    ['cut-off JSON', { apply: true, rawBody: CUT, contentType: 'application/json' }],
    ['an HTML page', { apply: true, status: 200, rawBody: '<html>502 Bad Gateway</html>' }],
    ['no uuid', { dropField: 'uuid' }],
    ['50 MB', { bodyBytes: 50 * 1024 * 1024 }],
  ] as const) {
    it(`creates the GslbService once when its create is answered with ${what}`, async function () {
      await avi.sim.control.faults({
        match: { method: 'POST', objectType: 'gslbservice' },
        effect,
        count: 1,
      });
      const { result, errors } = await passes(avi.client);
      assert.deepEqual(
        errors,
        [what === '50 MB' ? 'AVI_REPLY_TOO_LARGE' : 'AVI_BAD_REPLY'],
        'reported; the repeat met 409, read the object back and planned again in its pass',
      );
      assert.equal(result, 'unchanged');
      assert.deepEqual(await names('gslbservice'), [GS]);
      assert.deepEqual(await posts('gslbservice'), [effect.status ?? 201, 409]);
      assert.equal((await names('healthmonitor')).length, 1);
      assert.equal(await reconcileAgain(avi.client), 'unchanged');
    });
  }

  it('creates the health monitor once when its create is answered with cut-off JSON', async function () {
    await avi.sim.control.faults({
      match: { method: 'POST', objectType: 'healthmonitor' },
      effect: { apply: true, rawBody: CUT, contentType: 'application/json' },
      count: 1,
    });
    const { errors } = await passes(avi.client);
    assert.deepEqual(errors, ['AVI_BAD_REPLY'], 'the repeat met 409 and adopted the monitor');
    assert.equal((await names('healthmonitor')).length, 1);
    assert.deepEqual(await posts('healthmonitor'), [201, 409]);
    assert.deepEqual(await names('gslbservice'), [GS]);
    assert.equal(await reconcileAgain(avi.client), 'unchanged');
  });
});
