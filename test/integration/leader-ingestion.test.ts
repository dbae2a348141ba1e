import assert from 'node:assert/strict';
import { eventually } from '../support/eventually.js';
import {
  expectedGs,
  expectedNonPathHm,
  expectedPathHm,
  nonPathHmName,
  normalize,
  pathHmName,
  type GsExpect,
} from '../support/leader-expect.js';
import { LeaderFixture } from '../support/leader-fixture.js';

const UUID = '11111111-2222-4333-8444-555555555555';

describe('leader: member cluster objects become GslbServices', function () {
  this.timeout(300_000);
  let f: LeaderFixture;
  let n = 0;
  let ns = '';

  before(async () => {
    f = await LeaderFixture.start({ n: 3, openshift: ['cluster3'] });
    await f.putGslbConfig({}, { 'amko.vmware.com/amko-uuid': UUID });
  });

  after(async () => {
    await f?.stop();
  });

  beforeEach(async () => {
    ns = `ing${++n}`;
    await f.resetScenario();
    await f.putGdp({
      matchRules: { appSelector: { label: { gslb: ns } } },
      matchClusters: [{ cluster: 'cluster1' }, { cluster: 'cluster2' }, { cluster: 'cluster3' }],
    });
    for (const c of f.clusters.contexts) await f.objects.namespace(c, ns);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      process.stderr.write(f.amko?.log().slice(-8000) ?? '');
    }
  });

  async function gsEventually(
    name: string,
    want: Record<string, unknown>,
    tenant?: string,
  ): Promise<void> {
    await eventually(
      async () => {
        const got = (await f.gslbServices(tenant)).get(name);
        assert.ok(got, `GslbService ${name} not on the controller`);
        assert.deepEqual(normalize(got), want);
      },
      { timeoutMs: 30_000, what: `GslbService ${name}` },
    );
  }

  /** Exactly these GslbServices and amko monitors exist. */
  async function onlyEventually(gs: string[], hms: string[]): Promise<void> {
    await eventually(
      async () => {
        assert.deepEqual([...(await f.gslbServices()).keys()].sort(), [...gs].sort());
        assert.deepEqual([...(await f.amkoMonitors()).keys()].sort(), [...hms].sort());
      },
      { timeoutMs: 30_000, what: 'the set of GslbServices and monitors' },
    );
  }

  const member = (
    c: string,
    ip: string,
    host: string,
  ): { ip: string; vs: string; cluster: string } => ({
    ip,
    vs: `virtualservice-${host}`,
    cluster: `cluster-${c}`,
  });

  const ingressGs = (
    host: string,
    members: [string, string][],
    extra: Partial<GsExpect> = {},
  ): Record<string, unknown> =>
    expectedGs({
      name: host,
      uuid: UUID,
      members: members.map(([c]) => `INGRESS/${c}/${ns}/shop/${host}`),
      pools: { 10: members.map(([c, ip]) => member(c, ip, host)) },
      hms: [pathHmName('http', host, '/')],
      ...extra,
    });

  it('makes one GslbService from the same Ingress host in two clusters', async () => {
    const host = `shop.${ns}.example.com`;
    for (const [c, ip] of [
      ['cluster1', '10.1.0.1'],
      ['cluster2', '10.2.0.1'],
    ] as const) {
      await f.objects.ingress(c, ns, 'shop', { hosts: [{ host, ip }], labels: { gslb: ns } });
    }
    f.startAmko();
    const hm = pathHmName('http', host, '/');
    await gsEventually(
      host,
      ingressGs(host, [
        ['cluster1', '10.1.0.1'],
        ['cluster2', '10.2.0.1'],
      ]),
    );
    const monitors = await f.amkoMonitors();
    assert.deepEqual([...monitors.keys()], [hm]);
    assert.deepEqual(
      normalize(monitors.get(hm)!),
      expectedPathHm({ gs: host, path: '/', uuid: UUID }),
    );
    const journal = await f.sim.control.journal({ method: 'POST' });
    assert.ok(journal.length > 0);
    assert.ok(
      journal.every((e) => e.userAgent?.includes('cluster/cluster1')),
      'User-Agent names the cluster',
    );
    const hmPost = journal.findIndex((e) => e.objectType === 'healthmonitor');
    const gsPost = journal.findIndex((e) => e.objectType === 'gslbservice');
    assert.ok(hmPost >= 0 && hmPost < gsPost, 'the monitor is created before the GS that uses it');
  });

  it('follows an Ingress VIP change', async () => {
    const host = `shop.${ns}.example.com`;
    await f.objects.ingress('cluster1', ns, 'shop', {
      hosts: [{ host, ip: '10.1.0.1' }],
      labels: { gslb: ns },
    });
    f.startAmko();
    await gsEventually(host, ingressGs(host, [['cluster1', '10.1.0.1']]));
    await f.objects.ingress('cluster1', ns, 'shop', {
      hosts: [{ host, ip: '10.1.0.99' }],
      labels: { gslb: ns },
    });
    await gsEventually(host, ingressGs(host, [['cluster1', '10.1.0.99']]));
    await onlyEventually([host], [pathHmName('http', host, '/')]);
  });

  it('moves a member when the Ingress host changes, deleting the old GslbService and its monitor', async () => {
    const oldHost = `old.${ns}.example.com`;
    const newHost = `new.${ns}.example.com`;
    await f.objects.ingress('cluster1', ns, 'shop', {
      hosts: [{ host: oldHost, ip: '10.1.0.1' }],
      labels: { gslb: ns },
    });
    f.startAmko();
    await gsEventually(oldHost, ingressGs(oldHost, [['cluster1', '10.1.0.1']]));
    await f.objects.ingress('cluster1', ns, 'shop', {
      hosts: [{ host: newHost, ip: '10.1.0.1' }],
      labels: { gslb: ns },
    });
    await gsEventually(newHost, ingressGs(newHost, [['cluster1', '10.1.0.1']]));
    await onlyEventually([newHost], [pathHmName('http', newHost, '/')]);
  });

  it('deletes the GslbService and its monitors when the last member goes', async () => {
    const host = `shop.${ns}.example.com`;
    for (const [c, ip] of [
      ['cluster1', '10.1.0.1'],
      ['cluster2', '10.2.0.1'],
    ] as const) {
      await f.objects.ingress(c, ns, 'shop', { hosts: [{ host, ip }], labels: { gslb: ns } });
    }
    f.startAmko();
    await gsEventually(
      host,
      ingressGs(host, [
        ['cluster1', '10.1.0.1'],
        ['cluster2', '10.2.0.1'],
      ]),
    );
    await f.objects.deleteIngress('cluster1', ns, 'shop');
    await gsEventually(host, ingressGs(host, [['cluster2', '10.2.0.1']]));
    await f.objects.deleteIngress('cluster2', ns, 'shop');
    await onlyEventually([], []);
    const deletes = await f.sim.control.journal({ method: 'DELETE' });
    assert.deepEqual(
      deletes.map((e) => e.objectType),
      ['gslbservice', 'healthmonitor'],
      'the GS goes before the monitor it referenced',
    );
  });

  it('tracks an OpenShift Route, its update and its deletion', async () => {
    const host = `app.${ns}.apps.example.com`;
    await f.objects.route('cluster3', ns, 'app', {
      host,
      ip: '10.3.0.1',
      path: '/api',
      labels: { gslb: ns },
    });
    f.startAmko();
    const want = (ip: string): Record<string, unknown> =>
      expectedGs({
        name: host,
        uuid: UUID,
        members: [`ROUTE/cluster3/${ns}/app`],
        pools: { 10: [member('cluster3', ip, host)] },
        hms: [pathHmName('http', host, '/api')],
      });
    await gsEventually(host, want('10.3.0.1'));
    await f.objects.route('cluster3', ns, 'app', {
      host,
      ip: '10.3.0.2',
      path: '/api',
      labels: { gslb: ns },
    });
    await gsEventually(host, want('10.3.0.2'));
    await f.objects.deleteRoute('cluster3', ns, 'app');
    await onlyEventually([], []);
  });

  it('ignores Ingresses in the OpenShift cluster, where Routes are watched instead', async () => {
    const host = `ing.${ns}.example.com`;
    const route = `route.${ns}.example.com`;
    await f.objects.ingress('cluster3', ns, 'shop', {
      hosts: [{ host, ip: '10.3.0.5' }],
      labels: { gslb: ns },
    });
    await f.objects.route('cluster3', ns, 'app', {
      host: route,
      ip: '10.3.0.6',
      labels: { gslb: ns },
    });
    f.startAmko();
    await onlyEventually([route], [pathHmName('http', route, '/')]);
  });

  it('tracks a LoadBalancer Service with a TCP monitor on its lowest port, then a UDP one', async () => {
    const host = `dns.${ns}.example.com`;
    const svc = (ports: { port: number; protocol: 'TCP' | 'UDP' }[]): Promise<void> =>
      f.objects.lbService('cluster2', ns, 'dns', {
        host,
        ip: '10.2.0.53',
        ports,
        labels: { gslb: ns },
      });
    await svc([
      { port: 8080, protocol: 'TCP' },
      { port: 443, protocol: 'TCP' },
    ]);
    f.startAmko();
    const hm = nonPathHmName(host);
    const want = expectedGs({
      name: host,
      uuid: UUID,
      members: [`LBSVC/cluster2/${ns}/dns`],
      pools: { 10: [member('cluster2', '10.2.0.53', host)] },
      hms: [hm],
    });
    await gsEventually(host, want);
    await eventually(async () => {
      const got = (await f.amkoMonitors()).get(hm);
      assert.deepEqual(
        normalize(got ?? {}),
        expectedNonPathHm({ gs: host, port: 443, uuid: UUID }),
      );
    });
    await svc([{ port: 53, protocol: 'UDP' }]);
    await eventually(async () => {
      const got = (await f.amkoMonitors()).get(hm);
      assert.deepEqual(
        normalize(got ?? {}),
        expectedNonPathHm({ gs: host, port: 53, udp: true, uuid: UUID }),
      );
    });
    await gsEventually(host, want);
  });

  it('follows a LoadBalancer Service VIP change and deletion', async () => {
    const host = `api.${ns}.example.com`;
    await f.objects.lbService('cluster1', ns, 'api', {
      host,
      ip: '10.1.0.10',
      labels: { gslb: ns },
    });
    f.startAmko();
    const want = (ip: string): Record<string, unknown> =>
      expectedGs({
        name: host,
        uuid: UUID,
        members: [`LBSVC/cluster1/${ns}/api`],
        pools: { 10: [member('cluster1', ip, host)] },
        hms: [nonPathHmName(host)],
      });
    await gsEventually(host, want('10.1.0.10'));
    await f.objects.lbService('cluster1', ns, 'api', {
      host,
      ip: '10.1.0.11',
      labels: { gslb: ns },
    });
    await gsEventually(host, want('10.1.0.11'));
    await f.objects.deleteService('cluster1', ns, 'api');
    await onlyEventually([], []);
  });

  it('adds and removes members when their labels stop or start matching the appSelector', async () => {
    const host = `shop.${ns}.example.com`;
    await f.objects.ingress('cluster1', ns, 'shop', {
      hosts: [{ host, ip: '10.1.0.1' }],
      labels: { gslb: ns },
    });
    await f.objects.ingress('cluster2', ns, 'shop', {
      hosts: [{ host, ip: '10.2.0.1' }],
      labels: { gslb: 'no' },
    });
    f.startAmko();
    await gsEventually(host, ingressGs(host, [['cluster1', '10.1.0.1']]));
    await f.objects.ingress('cluster2', ns, 'shop', {
      hosts: [{ host, ip: '10.2.0.1' }],
      labels: { gslb: ns },
    });
    await gsEventually(
      host,
      ingressGs(host, [
        ['cluster1', '10.1.0.1'],
        ['cluster2', '10.2.0.1'],
      ]),
    );
    await f.objects.ingress('cluster1', ns, 'shop', {
      hosts: [{ host, ip: '10.1.0.1' }],
      labels: {},
    });
    await f.objects.ingress('cluster2', ns, 'shop', {
      hosts: [{ host, ip: '10.2.0.1' }],
      labels: {},
    });
    await onlyEventually([], []);
  });

  it('selects by namespace labels and follows namespace label changes', async () => {
    const host = `shop.${ns}.example.com`;
    await f.putGdp({
      matchRules: { namespaceSelector: { label: { team: ns } } },
      matchClusters: [{ cluster: 'cluster1' }, { cluster: 'cluster2' }],
    });
    await f.objects.ingress('cluster1', ns, 'shop', { hosts: [{ host, ip: '10.1.0.1' }] });
    await f.objects.ingress('cluster2', ns, 'shop', { hosts: [{ host, ip: '10.2.0.1' }] });
    await f.objects.namespaceLabels('cluster1', ns, { team: ns });
    f.startAmko();
    await gsEventually(host, ingressGs(host, [['cluster1', '10.1.0.1']]));
    await f.objects.namespaceLabels('cluster2', ns, { team: ns });
    await gsEventually(
      host,
      ingressGs(host, [
        ['cluster1', '10.1.0.1'],
        ['cluster2', '10.2.0.1'],
      ]),
    );
    await f.objects.namespaceLabels('cluster1', ns, {});
    await f.objects.namespaceLabels('cluster2', ns, {});
    await onlyEventually([], []);
  });

  it('adds syncVipOnly members by IP alone and leaves out members without AKO UUIDs elsewhere', async () => {
    const host = `shop.${ns}.example.com`;
    await f.putGdp({
      matchRules: { appSelector: { label: { gslb: ns } } },
      matchClusters: [{ cluster: 'cluster1' }, { cluster: 'cluster2', syncVipOnly: true }],
    });
    const noAko = { vs: false as const, controller: false as const };
    await f.objects.ingress('cluster1', ns, 'shop', {
      hosts: [{ host, ip: '10.1.0.1' }],
      labels: { gslb: ns },
    });
    await f.objects.ingress('cluster1', ns, 'bare', {
      hosts: [{ host, ip: '10.1.0.2' }],
      labels: { gslb: ns },
      ako: noAko,
    });
    await f.objects.ingress('cluster2', ns, 'shop', {
      hosts: [{ host, ip: '10.2.0.1' }],
      labels: { gslb: ns },
      ako: noAko,
    });
    f.startAmko();
    await gsEventually(
      host,
      expectedGs({
        name: host,
        uuid: UUID,
        members: [`INGRESS/cluster1/${ns}/shop/${host}`, `INGRESS/cluster2/${ns}/shop/${host}`],
        pools: { 10: [member('cluster1', '10.1.0.1', host), { ip: '10.2.0.1' }] },
        hms: [pathHmName('http', host, '/')],
      }),
    );
  });

  it('uses HTTPS monitors, one per path, for a TLS Ingress', async () => {
    const host = `secure.${ns}.example.com`;
    await f.objects.ingress('cluster1', ns, 'shop', {
      hosts: [{ host, ip: '10.1.0.1', paths: ['/cart', '/pay'] }],
      tlsHosts: [host],
      labels: { gslb: ns },
    });
    f.startAmko();
    const hms = ['/cart', '/pay'].map((p) => pathHmName('https', host, p));
    await gsEventually(host, ingressGs(host, [['cluster1', '10.1.0.1']], { hms: [...hms].sort() }));
    const monitors = await f.amkoMonitors();
    assert.deepEqual(
      normalize(monitors.get(pathHmName('https', host, '/pay'))!),
      expectedPathHm({ gs: host, path: '/pay', tls: true, uuid: UUID }),
    );
  });

  it('puts the GslbService in the tenant of the namespace', async () => {
    const host = `shop.${ns}.example.com`;
    const tns = `${ns}t`;
    await f.objects.namespace('cluster1', tns, {}, 'retail');
    await f.objects.ingress('cluster1', tns, 'shop', {
      hosts: [{ host, ip: '10.1.0.1' }],
      labels: { gslb: ns },
      ako: { tenant: 'retail' },
    });
    await f.objects.ingress('cluster1', tns, 'other', {
      hosts: [{ host: `x.${host}`, ip: '10.1.0.2' }],
      labels: { gslb: ns },
      ako: { tenant: 'elsewhere' },
    });
    f.startAmko();
    await gsEventually(
      host,
      expectedGs({
        name: host,
        uuid: UUID,
        members: [`INGRESS/cluster1/${tns}/shop/${host}`],
        pools: { 10: [member('cluster1', '10.1.0.1', host)] },
        hms: [pathHmName('http', host, '/')],
      }),
      'retail',
    );
    assert.deepEqual(
      [...(await f.gslbServices()).keys()],
      [host],
      'the object of another tenant is ignored',
    );
  });

  it('adds HostRule aliases to the domain names and makes certificate hosts TLS', async () => {
    const host = `shop.${ns}.example.com`;
    await f.objects.ingress('cluster1', ns, 'shop', {
      hosts: [{ host, ip: '10.1.0.1' }],
      labels: { gslb: ns },
    });
    f.startAmko();
    await gsEventually(host, ingressGs(host, [['cluster1', '10.1.0.1']]));
    await f.objects.hostRule('cluster1', ns, 'hr', {
      fqdn: host,
      aliases: [`www.${ns}.example.com`],
      tls: { sslKeyCertificate: { name: 'cert', type: 'secret' } },
    });
    await gsEventually(
      host,
      ingressGs(host, [['cluster1', '10.1.0.1']], {
        domains: [host, `www.${ns}.example.com`],
        hms: [pathHmName('https', host, '/')],
      }),
    );
    await onlyEventually([host], [pathHmName('https', host, '/')]);
  });
});
