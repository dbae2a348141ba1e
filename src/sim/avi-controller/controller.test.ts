import assert from 'node:assert/strict';
import { ManualClock } from '../../shared/kube/manual-clock.js';
import { Controller } from './controller.js';
import { defaultSeed } from './default-seed.js';
import { renderObject } from './render.js';
import { applySeed } from './seed.js';
import { SimError } from './sim-error.js';
import type { TenantScope } from './tenancy.js';

function simError(fn: () => unknown): SimError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SimError, String(err));
    return err;
  }
  throw new Error('expected a SimError');
}

const gs = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  domain_names: [name],
  is_federated: true,
  groups: [
    { name: 'g', algorithm: 'GSLB_ALGORITHM_ROUND_ROBIN', members: [{ ip: { addr: '10.0.0.1' } }] },
  ],
  ...extra,
});

describe('Controller semantics', function () {
  let clock: ManualClock;
  let ctl: Controller;
  let admin: TenantScope;
  let retail: TenantScope;

  beforeEach(function () {
    clock = new ManualClock(1_716_372_000_000);
    ctl = new Controller({
      clock,
      options: { version: '22.1.3', shareAdminProfiles: true, autoCreateTenants: false },
    });
    applySeed(ctl, { ...defaultSeed(), tenants: ['admin', 'retail'] });
    admin = ctl.tenancy.scopeOf({ name: 'admin' });
    retail = ctl.tenancy.scopeOf({ name: 'retail' });
  });

  it('assigns <type>-<uuid v4> ids, internal refs and strictly increasing _last_modified', function () {
    const a = ctl.create(
      'gslbservice',
      admin,
      gs('a.com', { health_monitor_refs: ['/api/healthmonitor?name=System-GSLB-TCP'] }),
    );
    const b = ctl.create('gslbservice', admin, gs('b.com'));
    assert.match(a.uuid, /^gslbservice-[0-9a-f]{8}-[0-9a-f]{4}-4/);
    const hm = ctl.store.findByName('healthmonitor', 'admin', 'System-GSLB-TCP');
    assert.deepEqual(a.body['health_monitor_refs'], [`/api/healthmonitor/${hm?.uuid ?? ''}`]);
    assert.equal(a.body['tenant_ref'], '/api/tenant/admin');
    assert.ok(BigInt(String(b.body['_last_modified'])) > BigInt(String(a.body['_last_modified'])));
    assert.match(
      String(a.body['_last_modified']),
      /^1716372000000\d{3}$/,
      'microseconds of the clock',
    );
  });

  it('renders refs and url absolute, with #name on request', function () {
    const a = ctl.create(
      'gslbservice',
      retail,
      gs('a.com', { health_monitor_refs: ['/api/healthmonitor?name=my-hm2'] }),
    );
    const out = renderObject(ctl.store, a, { base: 'https://10.0.0.5', includeName: true });
    assert.equal(out['url'], `https://10.0.0.5/api/gslbservice/${a.uuid}#a.com`);
    assert.match(
      String(out['tenant_ref']),
      /^https:\/\/10\.0\.0\.5\/api\/tenant\/tenant-.*#retail$/,
    );
    assert.match(String((out['health_monitor_refs'] as string[])[0]), /#my-hm2$/);
    assert.deepEqual(Object.keys(out).slice(0, 5), [
      'uuid',
      'url',
      'name',
      'tenant_ref',
      '_last_modified',
    ]);
    const plain = renderObject(ctl.store, a, { base: 'https://h', includeName: false });
    assert.equal(plain['url'], `https://h/api/gslbservice/${a.uuid}`);
  });

  it('keeps names unique per tenant, not across tenants', function () {
    ctl.create('gslbservice', admin, gs('a.com'));
    const dup = simError(() =>
      ctl.create('gslbservice', admin, gs('a.com', { domain_names: ['x.com'] })),
    );
    assert.deepEqual(
      [dup.status, dup.text],
      [409, 'Gslb service with this Name and Tenant ref already exists.'],
    );
    ctl.create('gslbservice', retail, gs('a.com', { domain_names: ['y.com'] }));
  });

  it('refuses domains owned by another GslbService in any tenant', function () {
    ctl.create('gslbservice', retail, gs('old-shop', { domain_names: ['shop.example.com'] }));
    const err = simError(() => ctl.create('gslbservice', admin, gs('shop.example.com')));
    assert.deepEqual(
      [err.status, err.text],
      [
        400,
        'Gslb service shop.example.com: domain name conflicting with existing domain name shop.example.com in gslbservice old-shop',
      ],
    );
  });

  it('frees a domain on replace and delete, keeps it after a restore, and names the earliest owner', function () {
    const a = ctl.create('gslbservice', retail, gs('a', { domain_names: ['a.com', 'x.com'] }));
    const b = ctl.create('gslbservice', admin, gs('b', { domain_names: ['b.com', 'y.com'] }));
    // A GslbService keeps its own domains on update; another may not take them.
    ctl.update('gslbservice', a.uuid, retail, gs('a', { domain_names: ['a.com', 'z.com'] }));
    const taken = simError(() =>
      ctl.create('gslbservice', admin, gs('c', { domain_names: ['y.com', 'z.com'] })),
    );
    assert.match(taken.text, /existing domain name z\.com in gslbservice a$/);
    // x.com was given up by the update, b.com by the delete.
    ctl.create('gslbservice', admin, gs('d', { domain_names: ['x.com'] }));
    ctl.remove('gslbservice', b.uuid, admin);
    ctl.create('gslbservice', admin, gs('e', { domain_names: ['b.com'] }));
    const copy = new Controller({
      clock,
      options: { version: '22.1.3', shareAdminProfiles: true, autoCreateTenants: false },
    });
    copy.store.restore(ctl.store.snapshot());
    for (const domain of ['a.com', 'x.com', 'b.com']) {
      assert.deepEqual(
        copy.store.gslbServicesWithDomain(domain).map((o) => o.body['name']),
        ctl.store.gslbServicesWithDomain(domain).map((o) => o.body['name']),
      );
    }
    assert.deepEqual(
      ctl.store.gslbServicesWithDomain('y.com').map((o) => o.uuid),
      [],
    );
  });

  it('resolves names in the tenant, falls back to admin for shared types, and refuses the rest', function () {
    ctl.create(
      'gslbservice',
      retail,
      gs('r.com', { health_monitor_refs: ['/api/healthmonitor?name=System-GSLB-HTTP'] }),
    );
    const missing = simError(() =>
      ctl.create(
        'gslbservice',
        retail,
        gs('s.com', {
          application_persistence_profile_ref: '/api/applicationpersistenceprofile?name=nope',
        }),
      ),
    );
    assert.deepEqual(
      [missing.status, missing.text],
      [400, 'Cannot find object of type applicationpersistenceprofile with name nope'],
    );
    const notFederated = simError(() =>
      ctl.create(
        'gslbservice',
        admin,
        gs('t.com', { health_monitor_refs: ['/api/healthmonitor?name=my-hm3'] }),
      ),
    );
    assert.match(notFederated.text, /my-hm3 is not federated/);
    const vs = ctl.create('virtualservice', admin, { name: 'vs' });
    const hidden = simError(() =>
      ctl.create('gslbservice', retail, gs('u.com', { vs_ref: `/api/virtualservice/${vs.uuid}` })),
    );
    assert.match(hidden.text, /Cannot find object of type virtualservice with uuid/);
  });

  it("lets a tenant read admin's shared monitors but not change them", function () {
    const hm = ctl.store.findByName('healthmonitor', 'admin', 'my-hm1');
    assert.equal(ctl.find('healthmonitor', hm?.uuid ?? '', retail).uuid, hm?.uuid);
    assert.equal(
      simError(() => {
        ctl.remove('healthmonitor', hm?.uuid ?? '', retail);
      }).status,
      404,
    );
    const vs = ctl.create('virtualservice', admin, { name: 'vs' });
    assert.equal(simError(() => ctl.find('virtualservice', vs.uuid, retail)).status, 404);
  });

  it('refuses a create whose given uuid is taken', function () {
    const a = ctl.create('gslbservice', admin, gs('a.com'));
    const err = simError(() => ctl.create('gslbservice', retail, gs('b.com', { uuid: a.uuid })));
    assert.deepEqual([err.status, err.text], [409, 'Gslb service with this uuid already exists.']);
    assert.equal(ctl.store.get('gslbservice', a.uuid)?.body['name'], 'a.com');
  });

  it('places objects by tenant_ref, refusing another tenant unless the header is admin', function () {
    const byRef = ctl.create(
      'gslbservice',
      admin,
      gs('a.com', { tenant_ref: 'https:///api/tenant/?name=retail' }),
    );
    assert.equal(byRef.tenant, retail.all ? '' : retail.uuid);
    const err = simError(() =>
      ctl.create('gslbservice', retail, gs('b.com', { tenant_ref: '/api/tenant/?name=admin' })),
    );
    assert.equal(err.status, 400);
    assert.equal(simError(() => ctl.create('gslbservice', { all: true }, gs('c.com'))).status, 400);
    assert.equal(
      simError(() => ctl.tenancy.scopeOf({ name: 'nope' })).text,
      'Tenant nope not found',
    );
  });

  it('replaces on PUT, checks _last_modified and keeps identity', function () {
    const a = ctl.create('gslbservice', admin, gs('a.com', { ttl: 30 }));
    clock.advance(5);
    const put = ctl.update('gslbservice', a.uuid, admin, gs('a.com', { description: 'x' }));
    assert.equal(put.uuid, a.uuid);
    assert.equal(put.body['ttl'], undefined);
    assert.equal(put.body['description'], 'x');
    const stale = simError(() =>
      ctl.update('gslbservice', a.uuid, admin, {
        ...gs('a.com'),
        _last_modified: a.body['_last_modified'],
      }),
    );
    assert.equal(stale.status, 412);
    const fresh = ctl.update('gslbservice', a.uuid, admin, {
      ...gs('a.com'),
      _last_modified: put.body['_last_modified'],
    });
    assert.equal(fresh.uuid, a.uuid);
    assert.equal(
      simError(() => ctl.update('gslbservice', 'gslbservice-x', admin, gs('a.com'))).status,
      404,
    );
  });

  it('refuses deletes of referenced objects and of tenants that own objects', function () {
    const a = ctl.create(
      'gslbservice',
      retail,
      gs('a.com', { health_monitor_refs: ['/api/healthmonitor?name=my-hm2'] }),
    );
    const hm = ctl.store.findByName('healthmonitor', 'admin', 'my-hm2');
    const err = simError(() => {
      ctl.remove('healthmonitor', hm?.uuid ?? '', admin);
    });
    assert.deepEqual(
      [err.status, err.text],
      [409, "Cannot delete, object is referred by: ['GslbService a.com']"],
    );
    assert.equal(
      simError(() => {
        ctl.remove('tenant', retail.all ? '' : retail.uuid, admin);
      }).status,
      409,
    );
    ctl.remove('gslbservice', a.uuid, retail);
    ctl.remove('healthmonitor', hm?.uuid ?? '', admin);
    assert.equal(ctl.store.get('healthmonitor', hm?.uuid ?? ''), undefined);
  });

  it('refuses GS and HM writes as a follower or in maintenance, but not other types', function () {
    ctl.setLeader(false);
    assert.equal(ctl.isLeader(), false);
    assert.equal(
      simError(() => ctl.create('gslbservice', admin, gs('a.com'))).text,
      'Config Operations can be done ONLY on leader',
    );
    ctl.create('pkiprofile', admin, { name: 'pki-x' });
    ctl.setLeader(true);
    ctl.setMaintenance(true);
    assert.equal(
      simError(() => ctl.create('healthmonitor', admin, { name: 'h', type: 'HEALTH_MONITOR_TCP' }))
        .text,
      'GSLB system is in maintenance mode.',
    );
  });

  it('patches with refs resolved in the object tenant', function () {
    const a = ctl.create('gslbservice', admin, gs('a.com'));
    const patched = ctl.patch('gslbservice', a.uuid, admin, {
      add: { health_monitor_refs: ['/api/healthmonitor?name=my-hm1'] },
    });
    assert.equal((patched.body['health_monitor_refs'] as string[]).length, 1);
    assert.ok(
      String((patched.body['health_monitor_refs'] as string[])[0]).startsWith(
        '/api/healthmonitor/healthmonitor-',
      ),
    );
  });

  it('snapshots and restores the whole store', function () {
    const a = ctl.create('gslbservice', admin, gs('a.com'));
    const snap = ctl.store.snapshot();
    const other = new Controller({
      clock,
      options: { version: '22.1.3', shareAdminProfiles: true, autoCreateTenants: false },
    });
    other.store.restore(JSON.parse(JSON.stringify(snap)) as typeof snap);
    assert.equal(other.store.findByName('gslbservice', 'admin', 'a.com')?.uuid, a.uuid);
    assert.equal(other.isLeader(), true);
    const next = other.store.nextModified();
    assert.ok(BigInt(next) > BigInt(snap.lastModified));
  });
});
