import assert from 'node:assert/strict';
import type { GslbService, HealthMonitor, Stored } from '../../shared/avi/types.js';
import { gslbKey } from '../../shared/keys.js';
import type { TrackedObject } from '../ingestion/tracked-object.js';
import { effectivePolicy } from '../policy/effective-policy.js';
import { desiredGslbService, type DesiredGs } from '../model/desired-gslb-service.js';
import { ControllerCache } from './controller-cache.js';
import { planGslbService, type GsPlan } from './plan-gs.js';

const UUID = '0b9c';
const CREATED_BY = `amko-${UUID}`;

const obj = (over: Partial<TrackedObject> = {}): TrackedObject => ({
  kind: 'INGRESS',
  cluster: 'c1',
  namespace: 'web',
  name: 'ing/shop.example.com',
  objectName: 'ing',
  hostname: 'shop.example.com',
  ip: '10.0.0.1',
  labels: {},
  paths: ['/'],
  tls: false,
  passthrough: false,
  vsUuid: 'vs-1',
  controllerUuid: 'ctl-1',
  tenant: undefined,
  ...over,
});

function desired(epoch: number, members: TrackedObject[] = [obj()]): DesiredGs | undefined {
  return desiredGslbService({
    tenant: 'admin',
    gsName: 'shop.example.com',
    members: members.map((o) => ({ obj: o, tls: o.tls, syncVipOnly: false })),
    policy: effectivePolicy({ namespace: 'avi-system', name: 'g', spec: { ttl: 30 } }, undefined),
    aliases: [],
    amkoUuid: UUID,
    epoch,
    exists: true,
  });
}

/** What the controller would store: uuids, refs by uuid with `#name`, its own fields. */
function storeHm(cache: ControllerCache, hm: HealthMonitor, uuid: string): void {
  const stored: Stored<HealthMonitor> = {
    ...hm,
    uuid,
    url: `https://ctl/api/healthmonitor/${uuid}#${hm.name}`,
    _last_modified: '1',
    tenant_ref: 'https://ctl/api/tenant/admin#admin',
  };
  cache.putHm(stored, 'admin');
}

function storeGs(cache: ControllerCache, gs: GslbService, contested = false): void {
  const refs = (gs.health_monitor_refs ?? []).map((r) => {
    const name = r.split('name=')[1] ?? '';
    return `https://ctl/api/healthmonitor/${cache.hm('admin', name)?.uuid ?? 'x'}`;
  });
  const stored: Stored<GslbService> = {
    ...gs,
    health_monitor_refs: refs,
    uuid: 'gslbservice-1',
    url: 'https://ctl/api/gslbservice/gslbservice-1',
    _last_modified: '2',
    tenant_ref: 'https://ctl/api/tenant/admin#admin',
    extra_controller_field: 'x',
  };
  cache.putGs(stored, 'admin', contested);
}

function plan(cache: ControllerCache, d: DesiredGs | undefined, epoch: number): GsPlan {
  return planGslbService({
    tenant: 'admin',
    gsName: 'shop.example.com',
    desired: d,
    cached: cache.gs(gslbKey('admin', 'shop.example.com')),
    epoch,
    createdBy: CREATED_BY,
    passthroughHm: `amko--passthrough-hm-tcp-${UUID}`,
    hm: (t, n) => cache.hm(t, n),
    ownedHmsOfGs: (t, g) => cache.ownedHmsOfGs(t, g),
    resolve: cache.resolve,
  });
}

function ops(p: GsPlan): string[] {
  assert.ok('ops' in p, `expected ops, got ${JSON.stringify(p)}`);
  return p.ops.map((o) => o.op);
}

function applied(epoch: number): ControllerCache {
  const cache = new ControllerCache(CREATED_BY);
  const d = desired(epoch)!;
  d.monitors.forEach((hm, i) => {
    storeHm(cache, hm, `healthmonitor-${i}`);
  });
  storeGs(cache, d.gs);
  return cache;
}

describe('planGslbService', () => {
  it('creates monitors before the GS that references them', () => {
    const cache = new ControllerCache(CREATED_BY);
    assert.deepEqual(ops(plan(cache, desired(1), 1)), ['create-hm', 'create-gs']);
  });

  it('plans nothing when the controller already holds the desired state', () => {
    assert.deepEqual(ops(plan(applied(1), desired(1), 1)), []);
  });

  it('does not rewrite unchanged objects for a new epoch (the marker is outside the checksum)', () => {
    assert.deepEqual(ops(plan(applied(1), desired(2), 2)), []);
  });

  it('restamps equal content read back after a conflict when a lower epoch wrote it', () => {
    const contested = (epoch: number): ControllerCache => {
      const cache = applied(epoch);
      storeGs(cache, desired(epoch)!.gs, true);
      return cache;
    };
    const p = plan(contested(1), desired(2), 2);
    assert.deepEqual(ops(p), ['update-gs']);
    assert.ok('ops' in p);
    const op = p.ops[0]!;
    assert.ok(op.op === 'update-gs');
    assert.deepEqual(op.body.markers?.find((m) => m.key === 'amko-epoch')?.values, ['2']);
    // Our own epoch, or content read back without a conflict, stays diff-free.
    assert.deepEqual(ops(plan(contested(2), desired(2), 2)), []);
    assert.deepEqual(ops(plan(applied(1), desired(2), 2)), []);
  });

  it('updates the GS on a change, and deletes a monitor only after the GS stops using it', () => {
    const cache = applied(1);
    const changed = desired(1, [obj({ ip: '10.0.0.9', paths: ['/new'] })]);
    assert.deepEqual(ops(plan(cache, changed, 1)), ['create-hm', 'update-gs', 'delete-hm']);
  });

  it('deletes the GS first, then its monitors, when it has no members left', () => {
    assert.deepEqual(ops(plan(applied(1), undefined, 1)), ['delete-gs', 'delete-hm']);
  });

  it('is fenced instead of overwriting an object stamped with a higher epoch', () => {
    const cache = applied(5);
    const changed = desired(3, [obj({ ip: '10.0.0.9' })]);
    const p = plan(cache, changed, 3);
    assert.ok('fenced' in p);
    assert.match(p.fenced, /amko-epoch 5, higher than ours \(3\)/);
    assert.ok('fenced' in plan(cache, undefined, 3));
  });

  it('sweeps monitors we own that name a GS without desired state, and leaves foreign ones', () => {
    const cache = new ControllerCache(CREATED_BY);
    const d = desired(1)!;
    storeHm(cache, d.monitors[0]!, 'healthmonitor-ours');
    const foreign = {
      ...d.monitors[0]!,
      name: 'amko--other',
      markers: [{ key: 'created-by', values: ['amko-zzz'] }],
    };
    storeHm(cache, foreign, 'healthmonitor-foreign');
    const p = plan(cache, undefined, 1);
    assert.ok('ops' in p);
    assert.deepEqual(p.ops, [
      { op: 'delete-hm', tenant: 'admin', uuid: 'healthmonitor-ours', name: d.monitors[0]!.name },
    ]);
  });
});
