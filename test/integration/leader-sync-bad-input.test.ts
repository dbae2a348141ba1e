/**
 * The leader's sync layer (reconciler, applier, controller cache over the real Avi client)
 * against creates whose answers are garbage on the real simulator: the pass fails with a
 * retryable error, the next pass's create meets 409 and reads the object back into the cache,
 * and the controller ends with exactly one of each object.
 */
import assert from 'node:assert/strict';
import type { AviClient } from '../../src/shared/avi/avi-client.js';
import { OperatorError } from '../../src/shared/errors.js';
import { gslbKey } from '../../src/shared/keys.js';
import type { TrackedObject } from '../../src/leader/ingestion/tracked-object.js';
import { desiredGslbService } from '../../src/leader/model/desired-gslb-service.js';
import { effectivePolicy } from '../../src/leader/policy/effective-policy.js';
import { AviClientGslbApi } from '../../src/leader/sync/avi-client-api.js';
import { ControllerCache } from '../../src/leader/sync/controller-cache.js';
import { ControllerReader } from '../../src/leader/sync/controller-reader.js';
import { GsApplier } from '../../src/leader/sync/gs-applier.js';
import { GsReconciler, type ReconcileResult } from '../../src/leader/sync/gs-reconciler.js';
import { type AviSimHandle, clientFor, startAviSim } from '../support/avi-sim.js';

const AMKO_UUID = '4f8e2a10-1c3b-11ef-9d2e-0242ac120002';
const GS = 'shop.example.com';
const CUT = '{"uuid": "gslbservice-6f1c';

const member: TrackedObject = {
  kind: 'INGRESS',
  cluster: 'c1',
  namespace: 'web',
  name: `ing/${GS}`,
  objectName: 'ing',
  hostname: GS,
  ip: '10.0.0.1',
  labels: {},
  paths: ['/cart'],
  tls: false,
  passthrough: false,
  vsUuid: 'virtualservice-1a2b3c4d-0000-4000-8000-00000000a001',
  controllerUuid: 'cluster-aaaa1111-2222-4333-8444-555566667777',
  tenant: undefined,
};

/** A reconciler for one GS over a fresh cache loaded from the controller. */
async function reconcilerFor(client: AviClient): Promise<GsReconciler> {
  const avi = new AviClientGslbApi(client);
  const cache = new ControllerCache(`amko-${AMKO_UUID}`);
  await new ControllerReader({ avi }).loadCache(cache);
  return new GsReconciler({
    cache,
    applier: new GsApplier({ avi, cache }),
    amkoUuid: AMKO_UUID,
    desired: (_key, exists) =>
      Promise.resolve(
        desiredGslbService({
          tenant: 'admin',
          gsName: GS,
          members: [{ obj: member, tls: false, syncVipOnly: false }],
          policy: effectivePolicy({ namespace: 'avi-system', name: 'g', spec: {} }, undefined),
          aliases: [],
          amkoUuid: AMKO_UUID,
          epoch: 1,
          exists,
        }),
      ),
    epoch: () => 1,
    writable: () => true,
    fence: () => undefined,
  });
}

/** Passes until one returns, as the worker queue would requeue; the errors met on the way. */
async function passes(r: GsReconciler): Promise<{ result: ReconcileResult; errors: string[] }> {
  const errors: string[] = [];
  for (let i = 0; i < 6; i++) {
    try {
      return { result: await r.reconcile(gslbKey('admin', GS)), errors };
    } catch (err) {
      assert.ok(err instanceof OperatorError, String(err));
      assert.notEqual(err.retry, 'never', err.message);
      errors.push(err.code);
    }
  }
  throw new Error(`no pass succeeded: ${errors.join(', ')}`);
}

describe('leader sync against garbled create answers from amko-avi-sim', function () {
  let sim: AviSimHandle;
  let client: AviClient;

  before(async function () {
    sim = await startAviSim();
  });
  after(async function () {
    await sim.stop();
  });
  beforeEach(async function () {
    await sim.control.reset({ empty: true });
    client = clientFor(sim);
  });
  afterEach(async function () {
    await client.close();
  });

  const names = async (type: string): Promise<string[]> =>
    ((await sim.control.objects({ type }))[type] ?? []).map((o) => String(o['name']));
  const posts = async (type: string): Promise<number[]> =>
    (await sim.control.journal({ method: 'POST', objectType: type })).map((e) => e.status);

  for (const [what, effect] of [
    ['cut-off JSON', { apply: true, rawBody: CUT, contentType: 'application/json' }],
    ['an HTML page', { apply: true, status: 200, rawBody: '<html>502 Bad Gateway</html>' }],
    ['no uuid', { dropField: 'uuid' }],
    ['50 MB', { bodyBytes: 50 * 1024 * 1024 }],
  ] as const) {
    it(`creates the GslbService once when its create is answered with ${what}`, async function () {
      await sim.control.faults({
        match: { method: 'POST', objectType: 'gslbservice' },
        effect,
        count: 1,
      });
      const { result, errors } = await passes(await reconcilerFor(client));
      assert.deepEqual(
        errors,
        [what === '50 MB' ? 'AVI_REPLY_TOO_LARGE' : 'AVI_BAD_REPLY', 'AVI_CONFLICT'],
        'reported, then the repeat met 409 and read the object back',
      );
      assert.equal(result, 'unchanged');
      assert.deepEqual(await names('gslbservice'), [GS]);
      assert.deepEqual(await posts('gslbservice'), [effect.status ?? 201, 409]);
      assert.equal((await names('healthmonitor')).length, 1);
      assert.equal(
        await (await reconcilerFor(client)).reconcile(gslbKey('admin', GS)),
        'unchanged',
      );
    });
  }

  it('creates the health monitor once when its create is answered with cut-off JSON', async function () {
    await sim.control.faults({
      match: { method: 'POST', objectType: 'healthmonitor' },
      effect: { apply: true, rawBody: CUT, contentType: 'application/json' },
      count: 1,
    });
    const { errors } = await passes(await reconcilerFor(client));
    assert.deepEqual(errors, ['AVI_BAD_REPLY'], 'the repeat met 409 and adopted the monitor');
    assert.equal((await names('healthmonitor')).length, 1);
    assert.deepEqual(await posts('healthmonitor'), [201, 409]);
    assert.deepEqual(await names('gslbservice'), [GS]);
    assert.equal(await (await reconcilerFor(client)).reconcile(gslbKey('admin', GS)), 'unchanged');
  });
});
