/**
 * The fencing token at the controller, against the real simulator process: an old leader at
 * epoch 1 meets objects a new leader stamped with epoch 2 on every path it has (list, create
 * after a 409, update after a 412, delete) and is fenced by the first answer that shows one,
 * before any write of its own reaches the controller.
 */
import assert from 'node:assert/strict';
import type { AviClient } from '../../src/shared/avi/avi-client.js';
import type { GslbService, HealthMonitor, Stored } from '../../src/shared/avi/types.js';
import { OperatorError } from '../../src/shared/errors.js';
import { gslbKey } from '../../src/shared/keys.js';
import { epochMarker } from '../../src/leader/model/names.js';
import { AviClientGslbApi } from '../../src/leader/sync/avi-client-api.js';
import { ControllerCache } from '../../src/leader/sync/controller-cache.js';
import { EpochFence } from '../../src/leader/sync/epoch-fence.js';
import { GsApplier } from '../../src/leader/sync/gs-applier.js';
import {
  clientFor,
  gslbServiceBody,
  healthMonitorBody,
  rejectionOf,
  startAviSim,
  type AviSimHandle,
} from '../support/avi-sim.js';

const OURS = 'amko-4f8e2a10-1c3b-11ef-9d2e-0242ac120002';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface Harness {
  readonly fence: EpochFence;
  readonly applier: GsApplier;
  readonly cache: ControllerCache;
  /** Reasons the fence was raised with, in order. */
  readonly fenced: string[];
}

function harness(client: AviClient, opts: { epoch: number; active?: boolean }): Harness {
  const fenced: string[] = [];
  const cache = new ControllerCache(OURS);
  const fence = new EpochFence({
    api: new AviClientGslbApi(client),
    createdBy: OURS,
    epoch: () => opts.epoch,
    writable: () => (opts.active ?? true) && fenced.length === 0,
    fence: (reason) => {
      fenced.push(reason);
    },
  });
  return { fence, applier: new GsApplier({ avi: fence, cache }), cache, fenced };
}

const stamped = <T extends GslbService | HealthMonitor>(body: T, epoch: number): T => ({
  ...body,
  markers: [...(body.markers ?? []), epochMarker(epoch)],
});

function fencedError(err: unknown): OperatorError {
  assert.ok(err instanceof OperatorError, `expected an OperatorError, got ${String(err)}`);
  return err;
}

describe('epoch fence at the controller', function () {
  this.timeout(60_000);
  let sim: AviSimHandle;
  let client: AviClient;
  /** A second client: the new leader, writing at epoch 2. */
  let newLeader: AviClient;

  before(async () => {
    sim = await startAviSim({ autoCreateTenants: true });
  });
  after(async () => {
    await sim?.stop();
  });
  beforeEach(async () => {
    await sim.control.reset();
    client = clientFor(sim);
    newLeader = clientFor(sim);
  });
  afterEach(async () => {
    await client.close();
    await newLeader.close();
  });

  async function writesSince(seq: number): Promise<string[]> {
    const journal = await sim.control.journal();
    return journal
      .filter((e) => e.seq > seq && WRITES.has(e.method) && e.objectType !== 'login')
      .map((e) => `${e.method} ${e.path} ${e.status}`);
  }

  async function lastSeq(): Promise<number> {
    const journal = await sim.control.journal();
    return journal.at(-1)?.seq ?? 0;
  }

  it('fences on a health monitor read back after a 409 and never overwrites it', async () => {
    const hm = healthMonitorBody('amko--hm-shop', 'admin');
    await newLeader.healthMonitors.create(stamped(hm, 2), { tenant: 'admin' });
    const h = harness(client, { epoch: 1 });
    const since = await lastSeq();
    const err = fencedError(
      await rejectionOf(
        h.applier.apply([{ op: 'create-hm', tenant: 'admin', body: stamped(hm, 1) }]),
      ),
    );
    assert.equal(err.code, 'AVI_FENCED');
    assert.equal(h.fenced.length, 1);
    assert.match(h.fenced[0] ?? '', /amko--hm-shop .*amko-epoch 2, higher than ours \(1\)/);
    assert.deepEqual(await writesSince(since), ['POST /api/healthmonitor 409']);
    const stored = await newLeader.healthMonitors.getByName('amko--hm-shop', { tenant: 'admin' });
    assert.deepEqual(stored?.markers?.at(-1), epochMarker(2), 'still the new leader’s monitor');
  });

  it('fences on a GslbService read back after a 409, even when its content equals ours', async () => {
    const gs = gslbServiceBody('shop.example.com', { created_by: OURS });
    await newLeader.gslbServices.create(stamped(gs, 2), { tenant: 'admin' });
    const h = harness(client, { epoch: 1 });
    const since = await lastSeq();
    await rejectionOf(
      h.applier.apply([{ op: 'create-gs', tenant: 'admin', body: stamped(gs, 1) }]),
    );
    assert.equal(h.fenced.length, 1);
    assert.deepEqual(await writesSince(since), ['POST /api/gslbservice 409']);
    const next = fencedError(
      await rejectionOf(h.fence.create('gslbservice', gslbServiceBody('new.example.com'), 'admin')),
    );
    assert.equal(next.code, 'AVI_FENCED', 'a create of a new object after the fence is refused');
    assert.deepEqual(await writesSince(since), ['POST /api/gslbservice 409']);
  });

  it('fences on a GslbService read back after a 412 and makes no further write', async () => {
    const gs = gslbServiceBody('cart.example.com', { created_by: OURS });
    const h = harness(client, { epoch: 1 });
    await h.applier.apply([{ op: 'create-gs', tenant: 'admin', body: stamped(gs, 1) }]);
    const cached = h.cache.gs(gslbKey('admin', 'cart.example.com'));
    assert.ok(cached);
    await newLeader.gslbServices.update(
      { ...stamped(gs, 2), uuid: cached.uuid, ttl: 99 },
      { tenant: 'admin' },
    );
    const since = await lastSeq();
    const update = {
      op: 'update-gs' as const,
      tenant: 'admin',
      uuid: cached.uuid,
      lastModified: cached.lastModified,
      body: stamped({ ...gs, ttl: 5 }, 1),
    };
    await rejectionOf(h.applier.apply([update]));
    assert.equal(h.fenced.length, 1);
    assert.deepEqual(await writesSince(since), [`PUT /api/gslbservice/${cached.uuid} 412`]);
    const [after] = await newLeader.gslbServices.list({ tenant: 'admin' });
    assert.equal(after?.ttl, 99);
  });

  it('reads before a delete: an object stamped higher is not deleted, and fences', async () => {
    const gs = gslbServiceBody('gone.example.com', { created_by: OURS });
    const created = await newLeader.gslbServices.create(stamped(gs, 2), { tenant: 'admin' });
    const h = harness(client, { epoch: 1 });
    const since = await lastSeq();
    const op = { op: 'delete-gs' as const, tenant: 'admin', uuid: created.uuid, name: gs.name };
    const err = fencedError(await rejectionOf(h.applier.apply([op])));
    assert.equal(err.code, 'AVI_FENCED');
    assert.equal(h.fenced.length, 1);
    assert.deepEqual(await writesSince(since), []);
    assert.equal((await newLeader.gslbServices.list({ tenant: 'admin' })).length, 1);
  });

  it('deletes an object at its own epoch', async () => {
    const gs = gslbServiceBody('old.example.com', { created_by: OURS });
    const created = await newLeader.gslbServices.create(stamped(gs, 1), { tenant: 'admin' });
    const h = harness(client, { epoch: 1 });
    const op = { op: 'delete-gs' as const, tenant: 'admin', uuid: created.uuid, name: gs.name };
    await h.applier.apply([op]);
    assert.deepEqual(h.fenced, []);
    assert.equal((await newLeader.gslbServices.list({ tenant: 'admin' })).length, 0);
  });

  it('fences on a list (bootup, full sync), but not on objects of another amko', async () => {
    await newLeader.gslbServices.create(
      stamped(gslbServiceBody('foreign.example.com', { created_by: 'amko-other' }), 9),
      { tenant: 'admin' },
    );
    const h = harness(client, { epoch: 1 });
    await h.fence.list<GslbService>('gslbservice', { tenant: '*' });
    assert.deepEqual(h.fenced, [], 'another amko’s epochs are not ours');
    await newLeader.gslbServices.create(
      stamped(gslbServiceBody('mine.example.com', { created_by: OURS }), 2),
      { tenant: 'admin' },
    );
    const listed: Stored<GslbService>[] = await h.fence.list('gslbservice', { tenant: '*' });
    assert.equal(listed.length, 2, 'the caller still sees what was read');
    assert.equal(h.fenced.length, 1);
  });

  it('a process that may not write (hot standby) is never fenced by what it reads', async () => {
    await newLeader.gslbServices.create(
      stamped(gslbServiceBody('standby.example.com', { created_by: OURS }), 2),
      { tenant: 'admin' },
    );
    const h = harness(client, { epoch: 1, active: false });
    await h.fence.list('gslbservice', { tenant: '*' });
    assert.deepEqual(h.fenced, []);
    const err = fencedError(
      await rejectionOf(h.fence.create('gslbservice', gslbServiceBody('x.example.com'), 'admin')),
    );
    assert.equal(err.code, 'AVI_FENCED');
  });
});
