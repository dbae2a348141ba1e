/**
 * The Avi client against the real simulator process over HTTP: every typed operation, tenants,
 * filters, headers, and the error classes of avi-rest-api.md §4.
 */
import assert from 'node:assert/strict';
import type { AviClient } from '../../src/shared/avi/avi-client.js';
import { AviError } from '../../src/shared/avi/avi-error.js';
import { defaultSeed } from '../../src/sim/avi-controller/default-seed.js';
import {
  type AviSimHandle,
  clientFor,
  gslbServiceBody,
  healthMonitorBody,
  rejectionOf,
  startAviSim,
} from '../support/avi-sim.js';

function aviError(err: unknown): AviError {
  assert.ok(err instanceof AviError, `expected AviError, got ${String(err)}`);
  return err;
}

describe('AviClient against amko-avi-sim', function () {
  let sim: AviSimHandle;
  let client: AviClient;

  before(async function () {
    sim = await startAviSim({ seed: { ...defaultSeed(), tenants: ['admin', 'retail'] } });
  });
  after(async function () {
    await sim.stop();
  });
  beforeEach(async function () {
    await sim.control.reset();
    client = clientFor(sim);
  });
  afterEach(async function () {
    await client.close();
  });

  it('logs in once and sends version, tenant, CSRF and both user agents', async function () {
    await client.gslbServices.create(gslbServiceBody('ua.example.com'));
    await client.gslbServices.list({ tenant: '*' });
    const journal = await sim.control.journal();
    assert.deepEqual(
      journal.map((e) => `${e.method} ${e.path} ${e.status}`),
      ['POST /login 200', 'POST /api/gslbservice 201', 'GET /api/gslbservice 200'],
    );
    for (const entry of journal) {
      assert.equal(entry.userAgent, 'amko-ts/0.1.0 cluster/site-a');
      assert.equal(entry.aviUserAgent, 'AMKO');
      assert.equal(entry.version, '22.1.3');
    }
    assert.equal(journal[1]?.tenant, 'admin');
    assert.equal(journal[2]?.tenant, '*');
    assert.equal(client.logins, 1);
  });

  it('creates, reads, replaces, patches and deletes a GslbService', async function () {
    const body = gslbServiceBody('shop.example.com', {
      ttl: 30,
      health_monitor_refs: ['/api/healthmonitor?name=System-GSLB-HTTPS'],
      markers: [{ key: 'amko-epoch', values: ['4'] }],
    });
    const created = await client.gslbServices.create(body);
    assert.match(created.uuid, /^gslbservice-[0-9a-f-]{36}$/);
    assert.deepEqual(created.markers, [{ key: 'amko-epoch', values: ['4'] }]);

    const byName = await client.gslbServices.getByName('shop.example.com');
    assert.equal(byName?.uuid, created.uuid);
    assert.match(
      byName?.health_monitor_refs?.[0] ?? '',
      /\/api\/healthmonitor\/healthmonitor-.*#System-GSLB-HTTPS$/,
    );
    const byUuid = await client.gslbServices.getByUuid(created.uuid);
    assert.equal(byUuid.ttl, 30);
    assert.equal(byUuid.created_by, body.created_by);

    const withoutTtl = { ...body };
    delete withoutTtl.ttl;
    const replaced = await client.gslbServices.update({
      ...withoutTtl,
      uuid: created.uuid,
      description: 'changed',
    });
    assert.equal(replaced.ttl, undefined, 'PUT is a full replace');
    assert.equal(replaced.description, 'changed');
    assert.ok(BigInt(replaced._last_modified) > BigInt(created._last_modified));

    const patched = await client.gslbServices.patch(created.uuid, {
      add: { domain_names: ['alias.example.com'] },
    });
    assert.deepEqual(patched.domain_names, ['shop.example.com', 'alias.example.com']);

    await client.gslbServices.delete(created.uuid);
    const gone = aviError(await rejectionOf(client.gslbServices.getByUuid(created.uuid)));
    assert.equal(gone.code, 'AVI_NOT_FOUND');
    assert.equal(gone.detail, 'object not found');
    assert.equal(await client.gslbServices.getByName('shop.example.com'), undefined);
  });

  it('filters lists by created_by, name and fields', async function () {
    await client.gslbServices.create(gslbServiceBody('a.example.com'));
    await client.gslbServices.create(
      gslbServiceBody('b.example.com', { created_by: 'amko-other' }),
    );
    const mine = await client.gslbServices.list({
      createdBy: 'amko-4f8e2a10-1c3b-11ef-9d2e-0242ac120002',
    });
    assert.deepEqual(
      mine.map((g) => g.name),
      ['a.example.com'],
    );
    const other = await client.gslbServices.list({ createdBy: 'amko-other', tenant: '*' });
    assert.deepEqual(
      other.map((g) => g.name),
      ['b.example.com'],
    );
    const named = await client.gslbServices.list({ name: 'b.example.com', fields: ['created_by'] });
    assert.equal(named.length, 1);
    assert.deepEqual(Object.keys(named[0] ?? {}).sort(), ['created_by', 'name', 'url', 'uuid']);
    // A reference kept by `fields` is rendered as in a whole object (absolute, with #name).
    const versions = await client.gslbServices.list({
      name: 'a.example.com',
      fields: ['_last_modified', 'tenant_ref'],
    });
    const [whole] = await client.gslbServices.list({ name: 'a.example.com' });
    assert.deepEqual(versions, [
      {
        uuid: whole?.uuid,
        url: whole?.url,
        name: 'a.example.com',
        tenant_ref: whole?.tenant_ref,
        _last_modified: whole?._last_modified,
      },
    ]);
    assert.match(String(whole?.tenant_ref), /^https?:\/\/.+\/api\/tenant\/.+#admin$/);
  });

  it('keeps objects per tenant', async function () {
    const hm = await client.healthMonitors.create(healthMonitorBody('amko--retail-hm', 'retail'), {
      tenant: 'retail',
    });
    assert.match(String(hm.tenant_ref), /\/api\/tenant\/tenant-[0-9a-f-]{36}#retail$/);
    const gs = await client.gslbServices.create(
      gslbServiceBody('retail.example.com', {
        tenant_ref: '/api/tenant/?name=retail',
        health_monitor_refs: ['/api/healthmonitor?name=amko--retail-hm'],
      }),
      { tenant: 'retail' },
    );
    assert.equal(
      await client.gslbServices.getByName('retail.example.com'),
      undefined,
      'not in admin',
    );
    assert.equal(
      (await client.gslbServices.getByName('retail.example.com', { tenant: 'retail' }))?.uuid,
      gs.uuid,
    );
    const all = await client.gslbServices.list({ tenant: '*' });
    assert.deepEqual(
      all.map((g) => g.uuid),
      [gs.uuid],
    );
    const wrongTenant = aviError(await rejectionOf(client.gslbServices.getByUuid(gs.uuid)));
    assert.equal(wrongTenant.code, 'AVI_NOT_FOUND');
  });

  it('creates, reads, replaces and deletes health monitors, profiles, PKI profiles and tenants', async function () {
    const hm = await client.healthMonitors.create(healthMonitorBody('amko--hm1', 'admin'));
    const hmRead = await client.healthMonitors.getByName('amko--hm1', { isFederated: true });
    assert.equal(hmRead?.monitor_port, 443);
    assert.deepEqual(hmRead?.markers, hm.markers);
    const hmPut = await client.healthMonitors.update({
      ...healthMonitorBody('amko--hm1', 'admin'),
      uuid: hm.uuid,
      monitor_port: 8443,
    });
    assert.equal(hmPut.monitor_port, 8443);
    await client.healthMonitors.delete(hm.uuid);

    const federated = await client.persistenceProfiles.list({ isFederated: true });
    assert.deepEqual(
      federated.map((p) => p.name),
      ['gap-1', 'gap-2', 'test-profile-ref'],
    );
    const profile = await client.persistenceProfiles.create({
      name: 'site-cookie',
      is_federated: true,
      persistence_type: 'PERSISTENCE_TYPE_GSLB_SITE',
    });
    assert.equal((await client.persistenceProfiles.getByUuid(profile.uuid)).name, 'site-cookie');
    await client.persistenceProfiles.delete(profile.uuid);

    const pkis = await client.pkiProfiles.list({ isFederated: true, pageSize: 10 });
    assert.equal(pkis[0]?.name, 'pki');
    const pki = await client.pkiProfiles.create({ name: 'pki3', is_federated: true });
    assert.equal((await client.pkiProfiles.getByName('pki3'))?.uuid, pki.uuid);
    await client.pkiProfiles.delete(pki.uuid);

    const tenant = await client.tenants.create({ name: 'team-b' });
    assert.match(tenant.uuid, /^tenant-/);
    assert.equal((await client.tenants.getByName('team-b'))?.uuid, tenant.uuid);
    await client.tenants.delete(tenant.uuid);
    assert.equal(await client.tenants.getByName('team-b'), undefined);
  });

  it('reads virtual services, clouds, the cluster, the GSLB configuration and initial data', async function () {
    await sim.control.seed({
      objects: {
        virtualservice: [
          {
            name: 'vs-shop',
            uuid: 'virtualservice-1a2b3c4d-0000-4000-8000-00000000a001',
            enabled: true,
          },
        ],
      },
    });
    const vs = await client.virtualServices.getByUuid(
      'virtualservice-1a2b3c4d-0000-4000-8000-00000000a001',
    );
    assert.equal(vs.name, 'vs-shop');
    assert.deepEqual(
      (await client.virtualServices.list()).map((v) => v.name),
      ['vs-shop'],
    );
    assert.deepEqual(
      (await client.clouds.list({ tenant: '*' })).map((c) => c.name),
      ['Default-Cloud'],
    );
    const cluster = await client.getCluster();
    const gslb = (await client.gslbs.list())[0];
    assert.equal(gslb?.leader_cluster_uuid, cluster.uuid);
    assert.deepEqual(await client.leaderCheck(), {
      clusterUuid: cluster.uuid,
      leaderClusterUuid: cluster.uuid,
      leader: true,
      maintenance: false,
      thirdPartySites: ['test-third-party-member'],
    });
    assert.equal((await client.getInitialData()).version.Version, '22.1.3');
    await sim.control.setLeader(false);
    assert.equal((await client.leaderCheck()).leader, false);
  });

  it('classifies a duplicate name as AVI_CONFLICT carrying the existing object', async function () {
    const first = await client.gslbServices.create(gslbServiceBody('dup.example.com'));
    const err = aviError(
      await rejectionOf(
        client.gslbServices.create(
          gslbServiceBody('dup.example.com', { domain_names: ['other.example.com'] }),
        ),
      ),
    );
    assert.equal(err.code, 'AVI_CONFLICT');
    assert.equal(err.status, 409);
    assert.equal(err.retry, 'backoff');
    assert.equal(err.detail, 'Gslb service with this Name and Tenant ref already exists.');
    assert.equal((err.existing as { uuid: string }).uuid, first.uuid);
  });

  it('classifies a dangling reference as a terminal 400 and stores nothing', async function () {
    const err = aviError(
      await rejectionOf(
        client.gslbServices.create(
          gslbServiceBody('dangling.example.com', {
            health_monitor_refs: ['/api/healthmonitor?name=nope'],
          }),
        ),
      ),
    );
    assert.equal(err.code, 'AVI_REJECTED');
    assert.equal(err.retry, 'never');
    assert.equal(err.detail, 'Cannot find object of type healthmonitor with name nope');
    assert.deepEqual((await sim.control.objects({ type: 'gslbservice' }))['gslbservice'], []);
  });

  it('classifies leader, maintenance, domain-conflict, referenced-delete and 412 replies', async function () {
    const gs = await client.gslbServices.create(
      gslbServiceBody('shop.example.com', {
        health_monitor_refs: ['/api/healthmonitor?name=my-hm2'],
      }),
    );
    const conflict = aviError(
      await rejectionOf(
        client.gslbServices.create(
          gslbServiceBody('old-shop', { domain_names: ['shop.example.com'] }),
        ),
      ),
    );
    assert.deepEqual([conflict.code, conflict.retry], ['AVI_DOMAIN_CONFLICT', 'slow']);
    assert.match(
      conflict.detail,
      /domain name conflicting with existing domain name shop.example.com in gslbservice shop.example.com/,
    );

    const hm = await client.healthMonitors.getByName('my-hm2');
    const referenced = aviError(await rejectionOf(client.healthMonitors.delete(hm?.uuid ?? '')));
    assert.deepEqual(
      [referenced.code, referenced.detail],
      ['AVI_CONFLICT', "Cannot delete, object is referred by: ['GslbService shop.example.com']"],
    );

    await sim.control.touch('gslbservice', gs.uuid);
    const stale = aviError(
      await rejectionOf(
        client.gslbServices.update({
          ...gslbServiceBody('shop.example.com'),
          uuid: gs.uuid,
          _last_modified: gs._last_modified,
        }),
      ),
    );
    assert.deepEqual([stale.code, stale.status], ['AVI_PRECONDITION', 412]);

    await sim.control.setMaintenance(true);
    const maintenance = aviError(await rejectionOf(client.gslbServices.delete(gs.uuid)));
    assert.deepEqual([maintenance.code, maintenance.retry], ['AVI_MAINTENANCE', 'slow']);
    await sim.control.setMaintenance(false);

    await sim.control.setLeader(false);
    const follower = aviError(
      await rejectionOf(client.gslbServices.create(gslbServiceBody('new.example.com'))),
    );
    assert.deepEqual(
      [follower.code, follower.retry, follower.detail],
      ['AVI_NOT_LEADER', 'never', 'Config Operations can be done ONLY on leader'],
    );
  });

  it('reports refused credentials as AVI_AUTH with the controller text', async function () {
    const bad = clientFor(sim, { password: 'wrong' });
    try {
      const err = aviError(await rejectionOf(bad.gslbServices.list()));
      assert.deepEqual(
        [err.code, err.retry, err.status, err.detail],
        ['AVI_AUTH', 'slow', 401, 'Invalid credentials'],
      );
      assert.ok(!err.message.includes('wrong'), 'the password is not in the message');
    } finally {
      await bad.close();
    }
  });

  it('is refused a write without the CSRF token', async function () {
    const login = await fetch(`${sim.url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: sim.username, password: sim.password }),
    });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const write = await fetch(`${sim.url}/api/gslbservice`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: cookie },
      body: JSON.stringify(gslbServiceBody('nocsrf.example.com')),
    });
    assert.equal(write.status, 403);
    assert.deepEqual(await write.json(), {
      error: 'CSRF Failed: CSRF token missing or incorrect.',
    });
    const read = await fetch(`${sim.url}/api/gslbservice`, { headers: { Cookie: cookie } });
    assert.equal(read.status, 200, 'reads need no token');
    assert.deepEqual((await sim.control.objects({ type: 'gslbservice' }))['gslbservice'], []);
  });
});
