/**
 * The real amko leader (child process, real kube-apiserver clusters, Avi simulator) when inputs
 * change under a running pipeline: a namespace's tenant annotation re-validates the
 * GSLBHostRules in it; an alias two GslbServices claim goes to the first claim and moves when
 * that claim goes; a write the controller refuses is retried, reported on the GDP in force with
 * the controller's words, and converges once the policy is fixed.
 */
import assert from 'node:assert/strict';
import { CoreV1Api, type CoreV1Event } from '@kubernetes/client-node';
import type { GdpSpec } from '../../src/shared/crd/global-deployment-policy.js';
import { metricsPort, scrape, sumOf } from '../chaos/leader-workload.js';
import { eventually } from '../support/eventually.js';
import { expectedGs, normalize, pathHmName, type GsExpect } from '../support/leader-expect.js';
import { LeaderFixture } from '../support/leader-fixture.js';

const UUID = '33333333-4444-4555-8666-777777777777';

describe('leader: policy and HostRule changes under a running pipeline', function () {
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
    ns = `chg${++n}`;
    host = `shop.${ns}.example.com`;
    await f.resetScenario();
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

  /** One Ingress host in cluster1. */
  async function ingress(name: string, hostname: string, ip: string): Promise<void> {
    await f.objects.ingress('cluster1', ns, name, {
      hosts: [{ host: hostname, ip }],
      labels: { gslb: ns },
    });
  }

  const gs = (name: string, ingressName: string, ip: string, extra: Partial<GsExpect> = {}) =>
    expectedGs({
      name,
      uuid: UUID,
      members: [`INGRESS/cluster1/${ns}/${ingressName}/${name}`],
      pools: { 10: [{ ip, vs: `virtualservice-${name}`, cluster: 'cluster-cluster1' }] },
      hms: [pathHmName('http', name, '/')],
      ...extra,
    });

  async function gsEventually(name: string, want: Record<string, unknown>): Promise<void> {
    await eventually(
      async () => {
        const got = (await f.gslbServices()).get(name);
        assert.ok(got, `GslbService ${name} not on the controller`);
        assert.deepEqual(normalize(got), want);
      },
      { timeoutMs: 60_000, what: `GslbService ${name}` },
    );
  }

  async function ghrStatusEventually(
    namespace: string,
    name: string,
    want: Record<string, unknown>,
  ): Promise<void> {
    await eventually(
      async () => {
        assert.deepEqual(await f.status('gslbhostrules', namespace, name), want);
      },
      { timeoutMs: 60_000, what: `status of GSLBHostRule ${namespace}/${name}` },
    );
  }

  /** Events in `namespace` about the object `name` with `reason`. */
  async function events(namespace: string, name: string, reason: string): Promise<CoreV1Event[]> {
    const api = f.leaderKube.makeApiClient(CoreV1Api);
    const list = await api.listNamespacedEvent({ namespace });
    return list.items.filter((e) => e.involvedObject.name === name && e.reason === reason);
  }

  it("re-validates a namespace's GSLBHostRules when its tenant annotation changes", async () => {
    // The persistence profile exists only in tenant "retail": the rule is valid only while its
    // namespace (in the leader cluster, holding no member objects) names that tenant.
    await f.sim.control.seed({
      objects: {
        applicationpersistenceprofile: [
          {
            name: 'retail-gap',
            tenant: 'retail',
            persistence_type: 'PERSISTENCE_TYPE_GSLB_SITE',
            is_federated: true,
          },
        ],
      },
    });
    const rulesNs = `rules-${ns}`;
    await f.objects.namespace('cluster1', rulesNs);
    await f.putGdp(gdp({ ttl: 30 }));
    await ingress('shop', host, '10.1.0.1');
    await f.putGhr(rulesNs, 'ghr', {
      fqdn: host,
      ttl: 5,
      sitePersistence: { enabled: true, profileRef: 'retail-gap' },
    });
    f.startAmko();
    const rejected = {
      status: 'Rejected',
      error: 'SitePersistence Profile retail-gap error for ghr GSLBHostRule',
    };
    await ghrStatusEventually(rulesNs, 'ghr', rejected);
    await gsEventually(host, gs(host, 'shop', '10.1.0.1', { ttl: 30 }));

    await f.objects.namespace('cluster1', rulesNs, {}, 'retail');
    await ghrStatusEventually(rulesNs, 'ghr', { status: 'Accepted', error: '' });
    await gsEventually(host, gs(host, 'shop', '10.1.0.1', { ttl: 5 }));

    await f.objects.namespace('cluster1', rulesNs, {}, 'admin');
    await ghrStatusEventually(rulesNs, 'ghr', rejected);
    await gsEventually(host, gs(host, 'shop', '10.1.0.1', { ttl: 30 }));
  });

  it('gives an alias two GslbServices claim to the older HostRule, and moves it when that rule goes', async () => {
    const other = `other.${ns}.example.com`;
    const alias = `www.${ns}.example.com`;
    await f.putGdp(gdp());
    await ingress('shop', host, '10.1.0.1');
    await ingress('other', other, '10.1.0.2');
    // Named so that name order and creation order disagree: creation time decides.
    await f.objects.hostRule('cluster1', ns, 'zz-first', { fqdn: host, aliases: [alias] });
    const firstSecond = Math.floor(Date.now() / 1000);
    f.startAmko();
    await gsEventually(host, gs(host, 'shop', '10.1.0.1', { domains: [host, alias] }));
    // Creation times have whole seconds: in the same second the names would decide.
    await eventually(() => Math.floor(Date.now() / 1000) > firstSecond, {
      timeoutMs: 5_000,
      what: "a later second than zz-first's creation",
    });
    await f.objects.hostRule('cluster1', ns, 'aa-second', { fqdn: other, aliases: [alias] });
    await gsEventually(other, gs(other, 'other', '10.1.0.2', { domains: [other] }));
    await gsEventually(host, gs(host, 'shop', '10.1.0.1', { domains: [host, alias] }));
    await f.amko?.waitForLog(/alias claimed by another GslbService/);
    await eventually(
      async () => {
        const got = await events('avi-system', 'gc-1', 'AliasConflict');
        assert.ok(
          got.some((e) => e.message?.includes(`alias ${alias} of GslbService admin/${other}`)),
          'an AliasConflict event names the alias and the GslbService left without it',
        );
      },
      { timeoutMs: 30_000, what: 'AliasConflict event' },
    );

    await f.objects.deleteHostRule('cluster1', ns, 'zz-first');
    await gsEventually(other, gs(other, 'other', '10.1.0.2', { domains: [other, alias] }));
    await gsEventually(host, gs(host, 'shop', '10.1.0.1'));
  });

  it('takes an alias off the GslbService holding it when a rule of the same second wins it by name', async () => {
    const other = `other.${ns}.example.com`;
    await f.putGdp(gdp());
    await ingress('shop', host, '10.1.0.1');
    await ingress('other', other, '10.1.0.2');
    f.startAmko();
    await gsEventually(host, gs(host, 'shop', '10.1.0.1'));
    await gsEventually(other, gs(other, 'other', '10.1.0.2'));
    // Creation times have whole seconds. The first rule's alias must reach the controller and the
    // second rule be created within the second the first was created in; that can take tries.
    for (let attempt = 1; ; attempt++) {
      const alias = `www${attempt}.${ns}.example.com`;
      const [first, second] = [`zz-first-${attempt}`, `aa-second-${attempt}`];
      await eventually(() => Date.now() % 1000 < 100, {
        timeoutMs: 5_000,
        intervalMs: 5,
        what: 'the start of a second',
      });
      const firstAt = await f.objects.hostRule('cluster1', ns, first, {
        fqdn: host,
        aliases: [alias],
      });
      await gsEventually(host, gs(host, 'shop', '10.1.0.1', { domains: [host, alias] }));
      const secondAt = await f.objects.hostRule('cluster1', ns, second, {
        fqdn: other,
        aliases: [alias],
      });
      if (firstAt !== undefined && firstAt === secondAt) {
        // aa-second wins by name: the GslbService that holds the alias must let go of it.
        await gsEventually(other, gs(other, 'other', '10.1.0.2', { domains: [other, alias] }));
        await gsEventually(host, gs(host, 'shop', '10.1.0.1'));
        return;
      }
      assert.ok(attempt < 5, `no two HostRules shared a creation second in ${attempt} tries`);
      await f.objects.deleteHostRule('cluster1', ns, first);
      await f.objects.deleteHostRule('cluster1', ns, second);
      await gsEventually(host, gs(host, 'shop', '10.1.0.1'));
      await gsEventually(other, gs(other, 'other', '10.1.0.2'));
    }
  });

  it('settles two GslbServices that each own an alias the other claims', async () => {
    const other = `other.${ns}.example.com`;
    const third = `third.${ns}.example.com`;
    const [x, y] = [`x.${ns}.example.com`, `y.${ns}.example.com`];
    await f.putGdp(gdp());
    await ingress('shop', host, '10.1.0.1');
    await ingress('other', other, '10.1.0.2');
    // The older claims: shop on x, other on y; a second later each claims the other's alias.
    await f.objects.hostRule('cluster1', ns, 'shop-x', { fqdn: host, aliases: [x] });
    const olderAt = await f.objects.hostRule('cluster1', ns, 'other-y', {
      fqdn: other,
      aliases: [y],
    });
    await eventually(() => new Date().toISOString().slice(0, 19) > (olderAt ?? '').slice(0, 19), {
      timeoutMs: 5_000,
      what: 'a later second than the older claims',
    });
    await f.objects.hostRule('cluster1', ns, 'other-x', { fqdn: other, aliases: [x] });
    await f.objects.hostRule('cluster1', ns, 'shop-y', { fqdn: host, aliases: [y] });
    const port = await metricsPort(f.startAmko(['--metrics-listen', '127.0.0.1:0']));
    await gsEventually(host, gs(host, 'shop', '10.1.0.1', { domains: [host, x] }));
    await gsEventually(other, gs(other, 'other', '10.1.0.2', { domains: [other, y] }));
    // Each lost an alias to the other: they must not plan each other again and again.
    const before = sumOf(await scrape(port), 'amko_gslb_reconciles_total');
    await ingress('third', third, '10.1.0.3');
    await gsEventually(third, gs(third, 'third', '10.1.0.3'));
    const passes = sumOf(await scrape(port), 'amko_gslb_reconciles_total') - before;
    assert.ok(passes <= 5, `${passes} passes while one new GslbService was written`);
  });

  it('retries a write the controller refuses, reports its words on the GDP, and converges once the GDP is fixed', async () => {
    const refusal = 'TTL 30 is not allowed here';
    await f.sim.control.faults({
      match: { method: 'POST', objectType: 'gslbservice', bodyContains: '"ttl":30' },
      effect: { status: 400, body: refusal },
    });
    await f.putGdp(gdp({ ttl: 30 }));
    await ingress('shop', host, '10.1.0.1');
    f.startAmko();
    const refused = async (): Promise<number> =>
      (await f.sim.control.journal({ method: 'POST', objectType: 'gslbservice' })).filter(
        (e) => e.status === 400,
      ).length;
    await eventually(
      async () => {
        assert.ok((await refused()) >= 2, 'the refused create is tried again, not dropped');
      },
      { timeoutMs: 60_000, what: 'a second refused create' },
    );
    await eventually(
      async () => {
        const got = await events('avi-system', 'global-gdp', 'ControllerRejected');
        assert.ok(
          got.some((e) => e.message?.includes(refusal)),
          "a ControllerRejected event on the GDP carries the controller's words",
        );
      },
      { timeoutMs: 30_000, what: 'ControllerRejected event' },
    );
    assert.equal((await f.gslbServices()).size, 0);

    await f.putGdp(gdp({ ttl: 40 }));
    await gsEventually(host, gs(host, 'shop', '10.1.0.1', { ttl: 40 }));
    await eventually(
      async () => {
        assert.equal((await events('avi-system', 'global-gdp', 'ControllerAccepted')).length, 1);
      },
      { timeoutMs: 30_000, what: 'ControllerAccepted event' },
    );
  });
});
