/**
 * The simulator's replies against the JSON examples of avi-rest-api.md, field by field for the
 * fields the spec lists (instance-specific values — uuids, hosts, timestamps — by pattern).
 * Raw HTTP, as any client would see it.
 */
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { defaultSeed } from '../../src/sim/avi-controller/default-seed.js';
import { type AviSimHandle, healthMonitorBody, startAviSim } from '../support/avi-sim.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const MICROS = /^\d{16}$/;
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Asserts `actual` has every field of `expected`; RegExp leaves match strings, others are equal. */
function matchShape(actual: unknown, expected: unknown, at = '$'): void {
  if (expected instanceof RegExp) {
    assert.equal(typeof actual, 'string', `${at} should be a string`);
    assert.match(actual as string, expected, at);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${at} should be a list`);
    assert.equal(actual.length, expected.length, `${at} length`);
    expected.forEach((e: unknown, i) => {
      matchShape(actual[i], e, `${at}[${i}]`);
    });
  } else if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${at} should be an object`);
    for (const [key, value] of Object.entries(expected)) {
      assert.ok(key in actual, `${at}.${key} is missing`);
      matchShape((actual as Record<string, unknown>)[key], value, `${at}.${key}`);
    }
  } else {
    assert.deepEqual(actual, expected, at);
  }
}

interface Session {
  cookie: string;
  csrf: string;
}

describe('amko-avi-sim replies match the spec examples', function () {
  let sim: AviSimHandle;
  let base: string;
  let session: Session;

  async function call(
    method: string,
    path: string,
    body?: unknown,
    tenant = 'admin',
  ): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: {
        'Content-Type': 'application/json',
        Referer: `${sim.url}/`,
        'X-Avi-Version': '22.1.3',
        'X-Avi-Tenant': tenant,
        'X-Avi-UserAgent': 'AMKO',
        'X-CSRFToken': session.csrf,
        Cookie: session.cookie,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  before(async function () {
    sim = await startAviSim({ seed: { ...defaultSeed(), tenants: ['admin', 'retail'] } });
    base = sim.url;
    const res = await fetch(`${sim.url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Referer: `${sim.url}/` },
      body: JSON.stringify({ username: sim.username, password: sim.password }),
    });
    const cookies = res.headers.getSetCookie();
    session = {
      cookie: cookies.map((c) => c.split(';')[0]).join('; '),
      csrf: /csrftoken=([^;]+)/.exec(cookies.join(','))?.[1] ?? '',
    };
  });
  after(async function () {
    await sim.stop();
  });

  it('§2.1 login: user and version body, csrftoken + sessionid + avi-sessionid cookies', async function () {
    const res = await fetch(`${sim.url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: sim.username, password: sim.password }),
    });
    assert.equal(res.status, 200);
    matchShape(await res.json(), {
      user: { username: sim.username, name: sim.username, uuid: new RegExp(`^user-${UUID}$`) },
      version: { Version: '22.1.3', build: 9021 },
    });
    const [csrf, sid, avi] = res.headers.getSetCookie();
    assert.match(csrf ?? '', /^csrftoken=[\w-]+; Path=\/$/);
    assert.match(sid ?? '', /^sessionid=([0-9a-f]+); Path=\/; HttpOnly$/);
    assert.equal(
      avi?.replace('avi-sessionid', 'sessionid'),
      sid,
      'one value for both session cookies',
    );
    const bad = await fetch(`${sim.url}/login`, {
      method: 'POST',
      body: JSON.stringify({ username: sim.username, password: 'x' }),
    });
    assert.equal(bad.status, 401);
    assert.deepEqual(await bad.json(), { error: 'Invalid credentials' });
    const anonymous = await fetch(`${sim.url}/api/cloud`);
    assert.equal(anonymous.status, 401);
    assert.deepEqual(await anonymous.json(), {
      error: 'Authentication credentials were not provided.',
    });
  });

  it('§5.1 initial-data and §5.2 cluster, cluster/status', async function () {
    matchShape((await call('GET', '/api/initial-data')).json, {
      version: { Version: '22.1.3', build: 9021, Date: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/ },
      user_initial_setup: false,
    });
    matchShape((await call('GET', '/api/cluster')).json, {
      uuid: 'cluster-6c7d2a90-1f3e-4b58-a0d4-93e1c5b7f802',
      name: 'ctrl-east',
      nodes: [{ name: '127.0.0.1', ip: { addr: '127.0.0.1', type: 'V4' } }],
      tenant_uuid: 'admin',
      url: `${base}/api/cluster`,
    });
    assert.deepEqual((await call('GET', '/api/cluster/status')).json, {
      cluster_state: { state: 'CLUSTER_UP_NO_HA' },
    });
  });

  it('§5.3 cloud and §5.4 gslb collections', async function () {
    matchShape((await call('GET', '/api/cloud', undefined, '*')).json, {
      count: 1,
      results: [
        {
          uuid: /^cloud-/,
          name: 'Default-Cloud',
          url: new RegExp(`^${esc(base)}/api/cloud/cloud-${UUID}$`),
          tenant_ref: `${base}/api/tenant/admin`,
          vtype: 'CLOUD_NONE',
          _last_modified: MICROS,
        },
      ],
    });
    const site = (name: string, uuid: string, addr: string): Record<string, unknown> => ({
      name,
      cluster_uuid: uuid,
      member_type: 'GSLB_ACTIVE_MEMBER',
      enabled: true,
      port: 443,
      ip_addresses: [{ addr, type: 'V4' }],
      username: 'admin',
      password: '<sensitive>',
    });
    matchShape((await call('GET', '/api/gslb')).json, {
      count: 1,
      results: [
        {
          uuid: 'gslb-2d0c8f3a-5b71-4e96-a3c4-1f8b7e6d5a90',
          name: 'Default',
          url: `${base}/api/gslb/gslb-2d0c8f3a-5b71-4e96-a3c4-1f8b7e6d5a90`,
          tenant_ref: `${base}/api/tenant/admin`,
          _last_modified: MICROS,
          is_federated: true,
          leader_cluster_uuid: 'cluster-6c7d2a90-1f3e-4b58-a0d4-93e1c5b7f802',
          maintenance_mode: false,
          dns_configs: [{ domain_name: 'gslb.example.com' }],
          sites: [
            {
              ...site('east', 'cluster-6c7d2a90-1f3e-4b58-a0d4-93e1c5b7f802', '127.0.0.1'),
              dns_vses: [{ dns_vs_uuid: /^virtualservice-/, domain_names: ['gslb.example.com'] }],
            },
            site('west', 'cluster-f3b4c5d6-7e8f-4a9b-8c0d-1e2f3a4b5c6d', '198.51.100.20'),
          ],
          third_party_sites: [
            { name: 'test-third-party-member', cluster_uuid: /^tp_cluster-/, enabled: true },
          ],
          send_interval: 15,
          replication_policy: { replication_mode: 'REPLICATION_MODE_CONTINUOUS' },
          tenant_scoped: true,
        },
      ],
    });
  });

  it('§5.6 health monitor create and §5.5 GslbService create: stored object, refs with #name', async function () {
    const hmBody = {
      ...healthMonitorBody('amko--da3a00f9462b307aca13bb42bbc31a08babaa316', 'retail'),
      tenant_ref: 'https:///api/tenant/?name=retail',
    };
    const hm = await call('POST', '//api/healthmonitor/', hmBody, 'retail');
    assert.equal(hm.status, 201);
    const tenantRef = new RegExp(`^${esc(base)}/api/tenant/tenant-${UUID}#retail$`);
    matchShape(hm.json, {
      ...hmBody,
      uuid: new RegExp(`^healthmonitor-${UUID}$`),
      url: new RegExp(
        `^${esc(base)}/api/healthmonitor/healthmonitor-${UUID}#amko--da3a00f9462b307aca13bb42bbc31a08babaa316$`,
      ),
      _last_modified: MICROS,
      tenant_ref: tenantRef,
    });
    const member = {
      enabled: true,
      ratio: 1,
      ip: { addr: '10.40.1.7', type: 'V4' },
      vs_uuid: 'virtualservice-1a2b3c4d-0000-4000-8000-00000000a001',
      cluster_uuid: 'cluster-aaaa1111-2222-4333-8444-555566667777',
    };
    const fields = {
      name: 'shop.example.com',
      created_by: 'amko-4f8e2a10-1c3b-11ef-9d2e-0242ac120002',
      description: 'INGRESS/site-a/web/shop-ing/shop.example.com',
      domain_names: ['shop.example.com'],
      enabled: true,
      is_federated: true,
      controller_health_status_enabled: true,
      health_monitor_scope: 'GSLB_SERVICE_HEALTH_MONITOR_ALL_MEMBERS',
      pool_algorithm: 'GSLB_SERVICE_ALGORITHM_PRIORITY',
      min_members: 0,
      resolve_cname: false,
      use_edns_client_subnet: true,
      wildcard_match: false,
      site_persistence_enabled: false,
      groups: [
        {
          name: 'amko-gs-group-10',
          priority: 10,
          enabled: true,
          algorithm: 'GSLB_ALGORITHM_ROUND_ROBIN',
          min_health_monitors_up: 2,
          members: [member],
        },
      ],
    };
    const gs = await call(
      'POST',
      '//api/gslbservice/',
      {
        ...fields,
        tenant_ref: 'https:///api/tenant/?name=retail',
        health_monitor_refs: [
          '/api/healthmonitor?name=amko--da3a00f9462b307aca13bb42bbc31a08babaa316',
        ],
      },
      'retail',
    );
    assert.equal(gs.status, 201);
    matchShape(gs.json, {
      ...fields,
      uuid: new RegExp(`^gslbservice-${UUID}$`),
      url: new RegExp(`^${esc(base)}/api/gslbservice/gslbservice-${UUID}#shop\\.example\\.com$`),
      tenant_ref: tenantRef,
      _last_modified: MICROS,
      health_monitor_refs: [
        new RegExp(
          `^${esc(base)}/api/healthmonitor/healthmonitor-${UUID}#amko--da3a00f9462b307aca13bb42bbc31a08babaa316$`,
        ),
      ],
    });
    const uuid = (gs.json as { uuid: string }).uuid;
    const plain = await call('GET', `/api/gslbservice/${uuid}`, undefined, 'retail');
    matchShape(plain.json, {
      url: `${base}/api/gslbservice/${uuid}`,
      health_monitor_refs: [new RegExp(`/healthmonitor-${UUID}$`)],
    });
    const put = await call('PUT', `/api/gslbservice/${uuid}`, { ...fields, ttl: 30 }, 'retail');
    matchShape(put, { status: 200, json: { ttl: 30, uuid } });
    assert.equal(
      (put.json as Record<string, unknown>)['health_monitor_refs'],
      undefined,
      'PUT replaces',
    );
    assert.deepEqual(await call('DELETE', `/api/gslbservice/${uuid}`, undefined, 'retail'), {
      status: 204,
      json: undefined,
    });
  });

  it('§5.7 persistence profile, §5.8 PKI order, §5.9 tenant', async function () {
    matchShape((await call('GET', '/api/applicationpersistenceprofile?name=gap-1')).json, {
      count: 1,
      results: [
        {
          uuid: new RegExp(`^applicationpersistenceprofile-${UUID}$`),
          name: 'gap-1',
          is_federated: true,
          persistence_type: 'PERSISTENCE_TYPE_GSLB_SITE',
          server_hm_down_recovery: 'HM_DOWN_PICK_NEW_SERVER',
          http_cookie_persistence_profile: { cookie_name: 'GSLBSITE', always_send_cookie: false },
          tenant_ref: `${base}/api/tenant/admin`,
          url: new RegExp(
            `^${esc(base)}/api/applicationpersistenceprofile/applicationpersistenceprofile-${UUID}$`,
          ),
          _last_modified: MICROS,
        },
      ],
    });
    matchShape(
      (await call('GET', '/api/pkiprofile?page_size=10&is_federated=true', undefined, 'retail'))
        .json,
      {
        count: 0,
        results: [],
      },
    );
    matchShape((await call('GET', '/api/pkiprofile?page_size=10&is_federated=true')).json, {
      count: 2,
      results: [{ name: 'pki' }, { name: 'pki2' }],
    });
    matchShape((await call('GET', '/api/tenant?name=retail')).json, {
      count: 1,
      results: [
        {
          uuid: new RegExp(`^tenant-${UUID}$`),
          name: 'retail',
          url: new RegExp(`^${esc(base)}/api/tenant/tenant-${UUID}$`),
          config_settings: {
            tenant_vrf: false,
            se_in_provider_context: true,
            tenant_access_to_provider_se: true,
          },
        },
      ],
    });
  });

  it('§3.1 collection envelope: count of all pages, next with the same query, empty match', async function () {
    const first = await call(
      'GET',
      '/api/healthmonitor?is_federated=true&include_name&page_size=2',
      undefined,
      '*',
    );
    const page = first.json as { count: number; results: { url: string }[]; next: string };
    assert.equal(page.count, 9);
    assert.equal(page.results.length, 2);
    assert.match(page.results[0]?.url ?? '', /#System-GSLB-HTTP$/);
    assert.equal(
      page.next,
      `${base}/api/healthmonitor?include_name=&is_federated=true&page=2&page_size=2`,
    );
    const last = await call(
      'GET',
      '/api/healthmonitor?include_name=&is_federated=true&page=5&page_size=2',
      undefined,
      '*',
    );
    assert.equal((last.json as { next?: string }).next, undefined);
    assert.deepEqual((await call('GET', '/api/gslbservice?name=none')).json, {
      count: 0,
      results: [],
    });
  });

  it('§4 error texts', async function () {
    const hm = healthMonitorBody('System-GSLB-HTTP', 'admin');
    assert.deepEqual(await call('POST', '/api/healthmonitor', hm), {
      status: 409,
      json: { error: 'Health monitor with this Name and Tenant ref already exists.' },
    });
    assert.deepEqual(await call('GET', '/api/gslbservice/gslbservice-missing'), {
      status: 404,
      json: { error: 'object not found' },
    });
    assert.deepEqual(await call('GET', '/api/nosuchthing'), {
      status: 404,
      json: { error: 'resource not found' },
    });
    assert.deepEqual(await call('GET', '/api/gslbservice', undefined, 'nope'), {
      status: 404,
      json: { error: 'Tenant nope not found' },
    });
    const wildcardWrite = await call(
      'POST',
      '/api/healthmonitor',
      healthMonitorBody('x', 'admin'),
      '*',
    );
    assert.equal(wildcardWrite.status, 400);
    assert.equal((await call('GET', '/api/gslbservice?page=0')).status, 400);
  });

  it('§2.1 cookies carry Secure when served over HTTPS', async function () {
    const tls = await startAviSim({ tls: true });
    try {
      const cookies = await new Promise<string[]>((resolve, reject) => {
        const req = httpsRequest(
          `${tls.url}/login`,
          { method: 'POST', ca: tls.ca, headers: { 'Content-Type': 'application/json' } },
          (res) => {
            res.resume();
            resolve(res.headers['set-cookie'] ?? []);
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ username: tls.username, password: tls.password }));
      });
      assert.equal(cookies.length, 3);
      assert.ok(
        cookies.every((c) => c.endsWith('; Secure')),
        cookies.join('\n'),
      );
    } finally {
      await tls.stop();
    }
  });
});
