import assert from 'node:assert/strict';
import type { GdpSpec } from '../../src/shared/crd/global-deployment-policy.js';
import { eventually } from '../support/eventually.js';
import {
  expectedGs,
  expectedPathHm,
  normalize,
  pathHmName,
  type GsExpect,
  type MemberExpect,
} from '../support/leader-expect.js';
import { LeaderFixture } from '../support/leader-fixture.js';

const UUID = '22222222-3333-4444-8555-666666666666';
const TEMPLATE = { name: 'tmpl-get', request: 'GET /healthz HTTP/1.1', codes: ['HTTP_2XX'] };

describe('leader: GDP and GSLBHostRule policy on GslbServices', function () {
  this.timeout(300_000);
  let f: LeaderFixture;
  let n = 0;
  let ns = '';
  let host = '';

  before(async () => {
    f = await LeaderFixture.start({ n: 2 });
    await f.putGslbConfig({}, { 'amko.vmware.com/amko-uuid': UUID });
  });

  after(async () => {
    await f?.stop();
  });

  beforeEach(async () => {
    ns = `pol${++n}`;
    host = `shop.${ns}.example.com`;
    await f.resetScenario();
    await f.sim.control.seed({
      objects: {
        healthmonitor: [
          {
            name: TEMPLATE.name,
            type: 'HEALTH_MONITOR_HTTP',
            is_federated: true,
            http_monitor: { http_request: TEMPLATE.request, http_response_code: TEMPLATE.codes },
          },
        ],
      },
    });
    for (const c of f.clusters.contexts) await f.objects.namespace(c, ns);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      process.stderr.write(f.amko?.log().slice(-8000) ?? '');
    }
  });

  const gdp = (extra: Partial<GdpSpec> = {}): GdpSpec => ({
    matchRules: { appSelector: { label: { gslb: ns } } },
    matchClusters: [{ cluster: 'cluster1' }, { cluster: 'cluster2' }],
    ...extra,
  });

  const m = (c: string, ip: string, extra: Partial<MemberExpect> = {}): MemberExpect => ({
    ip,
    vs: `virtualservice-${host}`,
    cluster: `cluster-${c}`,
    ...extra,
  });

  async function twoIngresses(opts: { tls?: boolean; paths?: string[] } = {}): Promise<void> {
    for (const [c, ip] of [
      ['cluster1', '10.1.0.1'],
      ['cluster2', '10.2.0.1'],
    ] as const) {
      await f.objects.ingress(c, ns, 'shop', {
        hosts: [{ host, ip, ...(opts.paths ? { paths: opts.paths } : {}) }],
        labels: { gslb: ns },
        ...(opts.tls ? { tlsHosts: [host] } : {}),
      });
    }
  }

  const gs = (extra: Partial<GsExpect>): Record<string, unknown> =>
    expectedGs({
      name: host,
      uuid: UUID,
      members: [`INGRESS/cluster1/${ns}/shop/${host}`, `INGRESS/cluster2/${ns}/shop/${host}`],
      pools: { 10: [m('cluster1', '10.1.0.1'), m('cluster2', '10.2.0.1')] },
      hms: [pathHmName('http', host, '/')],
      ...extra,
    });

  async function gsEventually(want: Record<string, unknown>, name = host): Promise<void> {
    await eventually(
      async () => {
        const got = (await f.gslbServices()).get(name);
        assert.ok(got, `GslbService ${name} not on the controller`);
        assert.deepEqual(normalize(got), want);
      },
      { timeoutMs: 30_000, what: `GslbService ${name}` },
    );
  }

  async function statusEventually(
    plural: string,
    name: string,
    want: Record<string, unknown>,
    namespace = 'avi-system',
  ): Promise<void> {
    const version = plural === 'globaldeploymentpolicies' ? 'v1alpha2' : 'v1alpha1';
    await eventually(
      async () => {
        assert.deepEqual(await f.status(plural, namespace, name, version), want);
      },
      { timeoutMs: 30_000, what: `status of ${plural} ${name}` },
    );
  }

  it('turns traffic split weights and priorities into member ratios and priority pools', async () => {
    await f.putGdp(
      gdp({
        trafficSplit: [
          { cluster: 'cluster1', weight: 5, priority: 20 },
          { cluster: 'cluster2', weight: 2, priority: 10 },
        ],
      }),
    );
    await twoIngresses();
    f.startAmko();
    await gsEventually(
      gs({
        pools: {
          20: [m('cluster1', '10.1.0.1', { ratio: 5 })],
          10: [m('cluster2', '10.2.0.1', { ratio: 2 })],
        },
      }),
    );
    await statusEventually('globaldeploymentpolicies', 'global-gdp', { errorStatus: 'success' });
  });

  it('uses the GDP health monitor refs instead of its own monitors', async () => {
    await f.putGdp(gdp({ healthMonitorRefs: ['System-GSLB-HTTP', 'my-hm1'] }));
    await twoIngresses();
    f.startAmko();
    await gsEventually(gs({ hms: ['System-GSLB-HTTP', 'my-hm1'], minHmUp: 3 }));
    assert.equal((await f.amkoMonitors()).size, 0);
  });

  it('builds HTTP path monitors from the GDP health monitor template', async () => {
    await f.putGdp(gdp({ healthMonitorTemplate: TEMPLATE.name }));
    await twoIngresses({ paths: ['/cart'] });
    f.startAmko();
    const hm = pathHmName('http', host, '/cart');
    await gsEventually(gs({ hms: [hm] }));
    const got = (await f.amkoMonitors()).get(hm);
    assert.deepEqual(
      normalize(got ?? {}),
      expectedPathHm({ gs: host, path: '/cart', uuid: UUID, template: TEMPLATE }),
    );
  });

  it('applies site persistence to TLS GslbServices only, with the first federated PKI profile', async () => {
    await f.putGdp(gdp({ sitePersistenceRef: 'gap-1' }));
    await twoIngresses({ tls: true });
    const plain = `plain.${ns}.example.com`;
    await f.objects.ingress('cluster1', ns, 'plain', {
      hosts: [{ host: plain, ip: '10.1.0.7' }],
      labels: { gslb: ns },
    });
    f.startAmko();
    await gsEventually(
      gs({ hms: [pathHmName('https', host, '/')], persistence: { profile: 'gap-1', pki: 'pki' } }),
    );
    await gsEventually(
      expectedGs({
        name: plain,
        uuid: UUID,
        members: [`INGRESS/cluster1/${ns}/plain/${plain}`],
        pools: {
          10: [{ ip: '10.1.0.7', vs: `virtualservice-${plain}`, cluster: 'cluster-cluster1' }],
        },
        hms: [pathHmName('http', plain, '/')],
      }),
      plain,
    );
  });

  it('sends TTL, down response and the pool algorithm', async () => {
    await f.putGdp(
      gdp({
        ttl: 30,
        downResponse: { type: 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP', fallbackIP: '203.0.113.7' },
        poolAlgorithmSettings: { lbAlgorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH', hashMask: 24 },
      }),
    );
    await twoIngresses();
    f.startAmko();
    await gsEventually(
      gs({
        ttl: 30,
        down: {
          type: 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP',
          fallback_ip: { addr: '203.0.113.7', type: 'V4' },
        },
        algorithm: { algorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH', consistent_hash_mask: 24 },
      }),
    );
  });

  it('attaches no monitors with controlPlaneHmOnly and removes the ones it had', async () => {
    await f.putGdp(gdp());
    await twoIngresses();
    f.startAmko();
    await gsEventually(gs({}));
    await f.putGdp(gdp({ controlPlaneHmOnly: true }));
    await gsEventually(gs({ hms: [], minHmUp: 1 }));
    await eventually(async () => {
      assert.equal((await f.amkoMonitors()).size, 0);
    });
  });

  it('lets a GSLBHostRule override TTL, traffic split and public IPs and add third-party members', async () => {
    await f.putGdp(gdp({ ttl: 30 }));
    await twoIngresses();
    f.startAmko();
    await gsEventually(gs({ ttl: 30 }));
    await f.putGhr('avi-system', `ghr-${ns}`, {
      fqdn: host,
      ttl: 10,
      trafficSplit: [{ cluster: 'cluster1', weight: 4, priority: 30 }],
      publicIP: [{ cluster: 'cluster2', ip: '198.51.100.2' }],
      thirdPartyMembers: [{ site: 'test-third-party-member', vip: '10.9.9.9' }],
    });
    await statusEventually('gslbhostrules', `ghr-${ns}`, { status: 'Accepted', error: '' });
    await gsEventually(
      gs({
        ttl: 10,
        pools: {
          30: [m('cluster1', '10.1.0.1', { ratio: 4 })],
          10: [m('cluster2', '10.2.0.1', { publicIp: '198.51.100.2' })],
          1: [{ ip: '10.9.9.9' }],
        },
      }),
    );
    await f.deleteGhr('avi-system', `ghr-${ns}`);
    await gsEventually(gs({ ttl: 30 }));
  });

  it('keeps a GslbService alive on its third-party members after the last Kubernetes member goes', async () => {
    await f.putGdp(gdp());
    await f.objects.ingress('cluster1', ns, 'shop', {
      hosts: [{ host, ip: '10.1.0.1' }],
      labels: { gslb: ns },
    });
    await f.putGhr('avi-system', `ghr-${ns}`, {
      fqdn: host,
      thirdPartyMembers: [{ site: 'test-third-party-member', vip: '10.9.9.9' }],
    });
    f.startAmko();
    const base = { members: [`INGRESS/cluster1/${ns}/shop/${host}`] };
    await gsEventually(
      gs({ ...base, pools: { 10: [m('cluster1', '10.1.0.1')], 1: [{ ip: '10.9.9.9' }] } }),
    );
    await f.objects.deleteIngress('cluster1', ns, 'shop');
    await gsEventually(gs({ members: [], hms: [], pools: { 1: [{ ip: '10.9.9.9' }] } }));
    await f.deleteGhr('avi-system', `ghr-${ns}`);
    await eventually(async () => {
      assert.equal((await f.gslbServices()).size, 0);
      assert.equal((await f.amkoMonitors()).size, 0);
    });
  });

  it('rejects an invalid GSLBHostRule and a second rule for the same FQDN, in AMKO words', async () => {
    await f.putGdp(gdp());
    await twoIngresses();
    await f.putGhr('avi-system', `bad-${ns}`, {
      fqdn: host,
      thirdPartyMembers: [{ site: 'nowhere', vip: '10.9.9.9' }],
    });
    await f.putGhr('avi-system', `first-${ns}`, { fqdn: host, ttl: 5 });
    f.startAmko();
    await statusEventually('gslbhostrules', `bad-${ns}`, {
      status: 'Rejected',
      error: `ThirdPartyMember site nowhere does not exist for bad-${ns} GSLBHostRule`,
    });
    await statusEventually('gslbhostrules', `first-${ns}`, { status: 'Accepted', error: '' });
    await gsEventually(gs({ ttl: 5 }));
    await f.putGhr('avi-system', `second-${ns}`, { fqdn: host, ttl: 7 });
    await statusEventually('gslbhostrules', `second-${ns}`, {
      status: 'Rejected',
      error: "there's an existing GSLBHostRule for the same FQDN",
    });
    await gsEventually(gs({ ttl: 5 }));
  });

  it('rejects an invalid GDP update in its status and keeps serving the previous policy', async () => {
    await f.putGdp(gdp({ ttl: 30 }));
    await twoIngresses();
    f.startAmko();
    await gsEventually(gs({ ttl: 30 }));
    await f.putGdp(
      gdp({ ttl: 60, matchClusters: [{ cluster: 'cluster1' }, { cluster: 'cluster9' }] }),
    );
    await statusEventually('globaldeploymentpolicies', 'global-gdp', {
      errorStatus: 'cluster context cluster9 not present in GSLBConfig',
    });
    const other = `other.${ns}.example.com`;
    await f.objects.ingress('cluster1', ns, 'other', {
      hosts: [{ host: other, ip: '10.1.0.8' }],
      labels: { gslb: ns },
    });
    await gsEventually(
      expectedGs({
        name: other,
        uuid: UUID,
        members: [`INGRESS/cluster1/${ns}/other/${other}`],
        pools: {
          10: [{ ip: '10.1.0.8', vs: `virtualservice-${other}`, cluster: 'cluster-cluster1' }],
        },
        hms: [pathHmName('http', other, '/')],
        ttl: 30,
      }),
      other,
    );
    await gsEventually(gs({ ttl: 30 }));
  });

  it('refuses a second GDP and deletes every GslbService when the GDP in force is deleted', async () => {
    await f.putGdp(gdp());
    await twoIngresses();
    f.startAmko();
    await gsEventually(gs({}));
    await f.putGdp(gdp({ ttl: 1 }), `second-${ns}`);
    await statusEventually('globaldeploymentpolicies', `second-${ns}`, {
      errorStatus: "a GDP object already exists, can't add another",
    });
    await gsEventually(gs({}));
    await f.deleteGdp(`second-${ns}`);
    await f.deleteGdp();
    await eventually(async () => {
      assert.equal((await f.gslbServices()).size, 0);
      assert.equal((await f.amkoMonitors()).size, 0);
    });
  });

  it('names GslbServices after HostRule global FQDNs in custom FQDN mode', async () => {
    await f.putGslbConfig({ useCustomGlobalFqdn: true }, { 'amko.vmware.com/amko-uuid': UUID });
    try {
      await f.putGdp(gdp());
      const global = `global.${ns}.example.com`;
      const local = (c: string): string => `${c}.${ns}.example.com`;
      for (const [c, ip] of [
        ['cluster1', '10.1.0.1'],
        ['cluster2', '10.2.0.1'],
      ] as const) {
        await f.objects.ingress(c, ns, 'shop', {
          hosts: [{ host: local(c), ip }],
          labels: { gslb: ns },
        });
        await f.objects.hostRule(c, ns, 'hr', {
          fqdn: local(c),
          aliases: [`alias-${c}.${ns}.example.com`],
          gslb: { fqdn: global, includeAliases: c === 'cluster1' },
        });
      }
      const unmapped = `unmapped.${ns}.example.com`;
      await f.objects.ingress('cluster1', ns, 'lone', {
        hosts: [{ host: unmapped, ip: '10.1.0.5' }],
        labels: { gslb: ns },
      });
      f.startAmko();
      await gsEventually(
        expectedGs({
          name: global,
          uuid: UUID,
          members: [
            `INGRESS/cluster1/${ns}/shop/${local('cluster1')}`,
            `INGRESS/cluster2/${ns}/shop/${local('cluster2')}`,
          ],
          pools: {
            10: [
              {
                ip: '10.1.0.1',
                vs: `virtualservice-${local('cluster1')}`,
                cluster: 'cluster-cluster1',
              },
              {
                ip: '10.2.0.1',
                vs: `virtualservice-${local('cluster2')}`,
                cluster: 'cluster-cluster2',
              },
            ],
          },
          hms: [pathHmName('http', global, '/')],
          domains: [global, `alias-cluster1.${ns}.example.com`],
        }),
        global,
      );
      assert.deepEqual([...(await f.gslbServices()).keys()], [global]);
    } finally {
      await f.stopAmko();
      await f.putGslbConfig({}, { 'amko.vmware.com/amko-uuid': UUID });
    }
  });
});
