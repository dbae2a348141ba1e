import assert from 'node:assert/strict';
import type { HealthMonitor, Stored } from '../../shared/avi/types.js';
import { gslbKey, parseGslbKey } from '../../shared/keys.js';
import { precedence } from '../rules/rules-deps.js';
import type { GslbService } from '../../shared/avi/types.js';
import {
  cachedGsChecksum,
  cachedGsMonitors,
  ControllerCache,
  tenantOfRef,
  writtenGs,
  writtenHm,
} from './controller-cache.js';
import {
  deletedObject,
  fromWireWritten,
  toWireWritten,
  type WrittenObject,
} from '../../shared/federation/controller-view.js';
import type { ControllerObject__Output } from '../../shared/federation/gen/amko/federation/v1/ControllerObject.js';
import { gslbServiceChecksum, refToName } from './projection.js';

const hm = (name: string, uuid: string, createdBy: string, gs?: string): Stored<HealthMonitor> => ({
  name,
  uuid,
  url: `https://ctl/api/healthmonitor/${uuid}`,
  _last_modified: '1',
  type: 'HEALTH_MONITOR_HTTP',
  tenant_ref: 'https://ctl/api/tenant/tenant-1#retail',
  ...(gs ? { description: `created by: amko, gsname: ${gs}, path: /, protocol: http` } : {}),
  markers: [
    { key: 'created-by', values: [createdBy] },
    { key: 'amko-epoch', values: ['4'] },
  ],
});

describe('controller cache', () => {
  it('reads tenants from refs with a name, a name query, or only a uuid', () => {
    assert.equal(tenantOfRef('https://ctl/api/tenant/tenant-1#retail', 'x'), 'retail');
    assert.equal(tenantOfRef('/api/tenant/?name=retail', 'x'), 'retail');
    assert.equal(tenantOfRef('https://ctl/api/tenant/admin', 'x'), 'admin');
    assert.equal(tenantOfRef(undefined, 'fallback'), 'fallback');
  });

  it('resolves references by name query, known uuid, or the #name suffix', () => {
    const known = (u: string): string | undefined => (u === 'healthmonitor-1' ? 'hm-a' : undefined);
    assert.equal(refToName('/api/healthmonitor?name=hm-b', 'healthmonitor', known), 'hm-b');
    assert.equal(
      refToName('https://ctl/api/healthmonitor/healthmonitor-1', 'healthmonitor', known),
      'hm-a',
    );
    assert.equal(
      refToName('https://ctl/api/healthmonitor/healthmonitor-2#hm-c', 'healthmonitor', known),
      'hm-c',
    );
  });

  it('indexes monitors by uuid and by the GS their description names, owner and epoch kept', () => {
    const cache = new ControllerCache('amko-me');
    cache.putHm(hm('amko--1', 'healthmonitor-1', 'amko-me', 'shop.example.com'), 'admin');
    cache.putHm(hm('amko--2', 'healthmonitor-2', 'amko-other', 'shop.example.com'), 'admin');
    const mine = cache.ownedHmsOfGs('retail', 'shop.example.com');
    assert.deepEqual(
      mine.map((h) => [h.name, h.epoch, h.tenant]),
      [['amko--1', 4, 'retail']],
    );
    assert.equal(cache.hmByUuid('healthmonitor-2')?.createdBy, 'amko-other');
    assert.equal(
      cache.resolve('healthmonitor', 'https://ctl/api/healthmonitor/healthmonitor-1'),
      'amko--1',
    );
    cache.deleteHm('retail', 'amko--1');
    assert.deepEqual(cache.ownedHmsOfGs('retail', 'shop.example.com'), []);
    assert.deepEqual(cache.gsNamesOfOwnedHms(), []);
    assert.equal(cache.gs(gslbKey('retail', 'shop.example.com')), undefined);
    assert.equal(cache.owns('amko-gslb'), true, 'the legacy created_by value is ours too');
  });

  it('finds the keys of a name in every tenant: cached, or named by a monitor we own', () => {
    const cache = new ControllerCache('amko-me');
    const inTenant = (tenant: string, uuid: string): Stored<GslbService> => ({
      ...gsUsing('https://ctl/api/healthmonitor/healthmonitor-9'),
      uuid,
      tenant_ref: `https://ctl/api/tenant/${tenant}#${tenant}`,
    });
    cache.putGs(inTenant('retail', 'gslbservice-1'), 'admin');
    cache.putGs(inTenant('bank', 'gslbservice-2'), 'admin');
    const shop = 'shop.example.com';
    assert.deepEqual(cache.keysNamed(shop).sort(), [
      gslbKey('bank', shop),
      gslbKey('retail', shop),
    ]);
    cache.deleteGs(gslbKey('bank', shop));
    assert.deepEqual(cache.keysNamed(shop), [gslbKey('retail', shop)]);

    cache.putHm(hm('amko--1', 'healthmonitor-1', 'amko-me', 'left.example.com'), 'admin');
    cache.putHm(hm('amko--2', 'healthmonitor-2', 'amko-other', 'theirs.example.com'), 'admin');
    assert.deepEqual(cache.keysNamed('left.example.com'), [gslbKey('retail', 'left.example.com')]);
    assert.deepEqual(cache.keysNamed('theirs.example.com'), [], 'a monitor of another amko');
    assert.deepEqual(cache.keysNamed('none.example.com'), []);
    assert.deepEqual(cache.keysNamed('a/b'), []);
    const walked = [
      ...cache.gsKeys(),
      ...cache.gsNamesOfOwnedHms().map((h) => gslbKey(h.tenant, h.gsName)),
    ];
    for (const k of walked) {
      assert.ok(cache.keysNamed(parseGslbKey(k).gsName).includes(k), `${k} is found by name`);
    }
  });
});

const gsUsing = (hmRef: string): Stored<GslbService> => ({
  name: 'shop.example.com',
  uuid: 'gslbservice-1',
  url: 'https://ctl/api/gslbservice/gslbservice-1',
  _last_modified: '7',
  tenant_ref: 'https://ctl/api/tenant/tenant-1#retail',
  created_by: 'amko-me',
  description: 'c1,c2',
  domain_names: ['shop.example.com'],
  health_monitor_refs: [hmRef],
  groups: [],
});

describe('controller cache entries', () => {
  it('keep a checksum and the monitor names, not the stored body', () => {
    const cache = new ControllerCache('amko-me');
    cache.putHm(hm('amko--1', 'healthmonitor-1', 'amko-me'), 'admin');
    const stored = gsUsing('https://ctl/api/healthmonitor/healthmonitor-1');
    const cached = cache.putGs(stored, 'admin');
    assert.equal(cached.unresolved, undefined);
    assert.equal(JSON.stringify(cached).includes('health_monitor_refs'), false);
    assert.deepEqual(
      [cached.name, cached.lastModified, cached.description, cached.tenant],
      ['shop.example.com', '7', 'c1,c2', 'retail'],
    );
    assert.deepEqual(cachedGsMonitors(cached, cache.resolve), ['amko--1']);
    assert.equal(
      cachedGsChecksum(cached, cache.resolve),
      gslbServiceChecksum(stored, cache.resolve),
    );
    const other = cache.putHm(hm('amko--2', 'healthmonitor-2', 'amko-me'), 'admin');
    assert.equal(other.tenant, cached.tenant, 'one tenant string');
  });

  it('keep the body of a GS whose reference names an unknown object, resolved again later', () => {
    const cache = new ControllerCache('amko-me');
    const stored = gsUsing('https://ctl/api/healthmonitor/healthmonitor-9');
    const cached = cache.putGs(stored, 'admin');
    assert.ok(cached.unresolved);
    assert.deepEqual(cachedGsMonitors(cached, cache.resolve), ['healthmonitor:healthmonitor-9']);
    cache.putHm(hm('amko--9', 'healthmonitor-9', 'amko-me'), 'admin');
    assert.deepEqual(cachedGsMonitors(cached, cache.resolve), ['amko--9']);
    const named = { ...stored, health_monitor_refs: ['/api/healthmonitor?name=amko--9'] };
    assert.equal(
      cachedGsChecksum(cached, cache.resolve),
      gslbServiceChecksum(named, cache.resolve),
    );
  });
});

describe('controller cache: a verification’s findings', () => {
  const none = { names: [], goneHms: [], ignoredGs: [], goneGs: [] };

  it('take a newer read, and keep an entry a write made newer after the read', () => {
    const cache = new ControllerCache('amko-me');
    const stored = gsUsing('https://ctl/api/healthmonitor/healthmonitor-1'); // version 7
    cache.putGs(stored, 'admin');
    const key = gslbKey('retail', 'shop.example.com');
    const read = (v: string, ttl: number) => ({
      stored: { ...stored, _last_modified: v, ttl },
      tenant: 'admin',
    });
    cache.applyChanges({ ...none, hms: [], gs: [read('8', 30)] });
    assert.equal(cache.gs(key)?.lastModified, '8', 'a newer read replaces the entry');
    // Our write answers with version 10 while a read of version 9 is on its way.
    const ours = cache.putGs({ ...stored, _last_modified: '10', ttl: 60 }, 'admin');
    cache.applyChanges({ ...none, hms: [], gs: [read('9', 40)] });
    assert.deepEqual(cache.gs(key), ours, 'the older read does not replace the newer write');

    const monitor = hm('amko--1', 'healthmonitor-1', 'amko-me', 'shop.example.com');
    const newer = cache.putHm({ ...monitor, _last_modified: '5' }, 'admin');
    cache.applyChanges({ ...none, gs: [], hms: [{ stored: monitor, tenant: 'admin' }] });
    assert.deepEqual(cache.hmByUuid('healthmonitor-1'), newer);
    cache.applyChanges({
      ...none,
      gs: [],
      hms: [{ stored: { ...monitor, _last_modified: '6' }, tenant: 'admin' }],
    });
    assert.equal(cache.hmByUuid('healthmonitor-1')?.lastModified, '6');
  });
});

describe('precedence of policy objects', () => {
  it('puts the preferred object first, then the oldest, then by name', () => {
    const o = (
      name: string,
      created: string | Date,
    ): { metadata: { name: string; creationTimestamp: Date } } => ({
      metadata: { name, creationTimestamp: created as Date },
    });
    const list = [
      o('c', '2026-01-03T00:00:00Z'),
      o('b', new Date('2026-01-01T00:00:00Z')),
      o('a', '2026-01-01T00:00:00Z'),
      o('z', '2026-01-09T00:00:00Z'),
    ];
    const names = precedence(list, (x) => x.metadata.name === 'z').map((x) => x.metadata.name);
    assert.deepEqual(names, ['z', 'a', 'b', 'c']);
  });
});

/** What a standby receives of `o`: through the wire form and back. */
const travelled = (o: WrittenObject): WrittenObject =>
  fromWireWritten(toWireWritten(o) as ControllerObject__Output);

describe('controller cache: what a leader wrote, taken by a hot standby', () => {
  const usingHm1 = (): Stored<GslbService> =>
    gsUsing('https://ctl/api/healthmonitor/healthmonitor-1');

  it('ends with the entries the leader holds after its writes, indexes included', () => {
    const leader = new ControllerCache('amko-me');
    const standby = new ControllerCache('amko-me');
    const sent: WrittenObject[] = [];
    sent.push(
      writtenHm(
        leader.putHm(hm('amko--1', 'healthmonitor-1', 'amko-me', 'shop.example.com'), 'admin'),
      ),
    );
    const gs = writtenGs(leader.putGs(usingHm1(), 'admin'));
    assert.ok(gs, 'a resolved entry travels');
    sent.push(gs);
    const taken = sent.map((o) => standby.takeWritten(travelled(o)));
    const key = gslbKey('retail', 'shop.example.com');
    assert.deepEqual(taken, [key, key], 'both concern the GS');
    assert.deepEqual(standby.gs(key), leader.gs(key));
    assert.deepEqual(standby.hm('retail', 'amko--1'), leader.hm('retail', 'amko--1'));
    assert.deepEqual(standby.hmByUuid('healthmonitor-1'), leader.hmByUuid('healthmonitor-1'));
    assert.deepEqual(
      standby.ownedHmsOfGs('retail', 'shop.example.com'),
      leader.ownedHmsOfGs('retail', 'shop.example.com'),
    );
    assert.deepEqual(standby.keysNamed('shop.example.com'), [key]);
    assert.deepEqual([...standby.gsVersions()], [...leader.gsVersions()]);
    assert.deepEqual([...standby.hmVersions()], [...leader.hmVersions()]);
    assert.equal(standby.nameOf('healthmonitor-1'), 'amko--1');
  });

  it('keeps a newer version it read itself, and takes a newer one or another uuid', () => {
    const standby = new ControllerCache('amko-me');
    const key = gslbKey('retail', 'shop.example.com');
    standby.putGs({ ...usingHm1(), _last_modified: '1000' }, 'admin');
    const at = (v: string, uuid = 'gslbservice-1'): WrittenObject => {
      const leader = new ControllerCache('amko-me');
      leader.putHm(hm('amko--1', 'healthmonitor-1', 'amko-me'), 'admin');
      const o = writtenGs(leader.putGs({ ...usingHm1(), uuid, _last_modified: v }, 'admin'));
      assert.ok(o);
      return o;
    };
    assert.equal(standby.takeWritten(at('999')), undefined, 'older: kept');
    assert.equal(standby.takeWritten(at('1000')), undefined, 'the same version: kept');
    assert.equal(standby.gs(key)?.lastModified, '1000');
    assert.equal(standby.takeWritten(at('10000')), key, 'newer, and longer: taken');
    assert.equal(standby.gs(key)?.lastModified, '10000');
    assert.equal(standby.takeWritten(at('5', 'gslbservice-2')), key, 'another object of that name');
    assert.equal(standby.gs(key)?.uuid, 'gslbservice-2');
  });

  it('deletes only the uuid that was deleted', () => {
    const standby = new ControllerCache('amko-me');
    const key = gslbKey('retail', 'shop.example.com');
    standby.putHm(hm('amko--1', 'healthmonitor-1', 'amko-me', 'shop.example.com'), 'admin');
    standby.putGs(usingHm1(), 'admin');
    const gone = (type: 'gslbservice' | 'healthmonitor', name: string, uuid: string) =>
      travelled(deletedObject(type, 'retail', name, uuid));
    assert.equal(
      standby.takeWritten(gone('gslbservice', 'shop.example.com', 'gslbservice-0')),
      undefined,
    );
    assert.ok(standby.gs(key), 'another uuid of that name was deleted');
    assert.equal(
      standby.takeWritten(gone('gslbservice', 'shop.example.com', 'gslbservice-1')),
      key,
    );
    assert.equal(standby.gs(key), undefined);
    assert.equal(standby.takeWritten(gone('healthmonitor', 'amko--1', 'healthmonitor-1')), key);
    assert.equal(standby.hm('retail', 'amko--1'), undefined);
    assert.deepEqual(standby.ownedHmsOfGs('retail', 'shop.example.com'), []);
    assert.deepEqual(standby.keysNamed('shop.example.com'), []);
  });

  it('sends no entry whose references it could not resolve: the standby reads that one', () => {
    const leader = new ControllerCache('amko-me');
    const cached = leader.putGs(gsUsing('https://ctl/api/healthmonitor/healthmonitor-9'), 'admin');
    assert.ok(cached.unresolved);
    assert.equal(writtenGs(cached), undefined);
  });
});
