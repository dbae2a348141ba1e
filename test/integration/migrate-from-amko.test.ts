/**
 * A site moving from AMKO: the cluster keeps AMKO's CRDs (helm does not upgrade CRDs), its
 * GSLBConfig, GDP and AMKOCluster as AMKO left them (status written on the object, an empty
 * namespaceSelector, AMKO's condition texts), and the controller holds the GslbServices and
 * health monitors AMKO created (`created_by: amko-<uuid>` and the legacy `amko-gslb`), in the
 * shapes of spec/gslb-pipeline.md §7. The real `amko` adopts them with at most one write each,
 * and a restart writes nothing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { eventually } from '../support/eventually.js';
import { LeaderFixture } from '../support/leader-fixture.js';

type Obj = Record<string, unknown>;

const UUID = '4f8e2a10-1c3b-11ef-9d2e-0242ac120002';
const NS = 'migrate';
const SHOP = `shop.${NS}.example.com`;
const OLD = `old.${NS}.example.com`;
const GROUP = 'amko.vmware.com';

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');
const hmName = (gs: string): string => `amko--${sha1(`http--${gs}--/`)}`;

/** A health monitor as AMKO creates it for path `/` of an insecure Ingress host. */
function amkoHm(gs: string): Obj {
  return {
    name: hmName(gs),
    type: 'HEALTH_MONITOR_HTTP',
    is_federated: true,
    tenant_ref: 'https:///api/tenant/?name=admin',
    description: `created by: amko, gsname: ${gs}, path: /, protocol: http`,
    monitor_port: 80,
    send_interval: 10,
    receive_timeout: 4,
    successful_checks: 3,
    failed_checks: 3,
    allow_duplicate_monitors: true,
    markers: [{ key: 'created-by', values: [`amko-${UUID}`] }],
    http_monitor: { http_request: 'HEAD / HTTP/1.0', http_response_code: ['HTTP_2XX', 'HTTP_3XX'] },
  };
}

/** A GslbService as AMKO creates it (spec/gslb-pipeline.md §7.8): no markers of ours. */
function amkoGs(
  gs: string,
  ingress: string,
  createdBy: string,
  members: [string, string, number][],
): Obj {
  return {
    name: gs,
    tenant_ref: 'https:///api/tenant/?name=admin',
    created_by: createdBy,
    description: members.map(([c]) => `INGRESS/${c}/${NS}/${ingress}/${gs}`).join(','),
    domain_names: [gs],
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
    ttl: 30,
    health_monitor_refs: [`/api/healthmonitor?name=${hmName(gs)}`],
    groups: [
      {
        name: 'amko-gs-group-10',
        priority: 10,
        enabled: true,
        algorithm: 'GSLB_ALGORITHM_ROUND_ROBIN',
        min_health_monitors_up: 2,
        members: members.map(([c, ip, ratio]) => ({
          enabled: true,
          ratio,
          ip: { addr: ip, type: 'V4' },
          vs_uuid: `virtualservice-${gs}`,
          cluster_uuid: `cluster-${c}`,
        })),
      },
    ],
  };
}

/** The conditions AMKO's federator leaves on a leader's AMKOCluster (crds-and-federation §7.6). */
const AMKO_CONDITIONS = [
  { type: 'current AMKOCluster Validation', status: 'valid AMKOCluster object' },
  { type: 'member cluster initialisation', status: 'all cluster clients fetched' },
  { type: 'member cluster validation', status: 'validated all member clusters' },
  { type: 'GSLBConfig Federation', status: 'federated to all valid clusters successfully' },
  { type: 'GDP Federation', status: 'federated to all valid clusters successfully' },
];

/**
 * Turns the installed CRDs into AMKO's: GSLBConfig, GDP and GSLBHostRule without a status
 * subresource; with `amkoCluster`, an AMKOCluster status holding only `conditions`.
 */
async function useAmkoCrds(kc: KubeConfig, opts: { amkoCluster: boolean }): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const change = async (
    name: string,
    edit: (crd: V1CustomResourceDefinition) => void,
  ): Promise<void> => {
    const crd = await ext.readCustomResourceDefinition({ name });
    edit(crd);
    await ext.replaceCustomResourceDefinition({ name, body: crd });
  };
  for (const plural of ['gslbconfigs', 'globaldeploymentpolicies', 'gslbhostrules']) {
    await change(`${plural}.${GROUP}`, (crd) => {
      for (const v of crd.spec.versions) delete v.subresources;
    });
  }
  if (opts.amkoCluster) {
    await change(`amkoclusters.${GROUP}`, (crd) => {
      for (const v of crd.spec.versions) {
        const status = v.schema?.openAPIV3Schema?.properties?.['status'];
        const conditions = status?.properties?.['conditions'];
        if (status && conditions) status.properties = { conditions };
        v.additionalPrinterColumns = [];
      }
    });
  }
  // The API server serves the new schema a moment after the update: a create keeps `status`
  // only once the subresource is gone.
  const api = kc.makeApiClient(CustomObjectsApi);
  const ref = { group: GROUP, version: 'v1alpha1', plural: 'gslbhostrules', namespace: 'default' };
  let n = 0;
  await eventually(
    async () => {
      const name = `probe-${++n}`;
      const made = (await api.createNamespacedCustomObject({
        ...ref,
        body: {
          apiVersion: `${GROUP}/v1alpha1`,
          kind: 'GSLBHostRule',
          metadata: { name },
          spec: { fqdn: 'probe.example.com' },
          status: { status: 'Accepted', error: '' },
        },
      })) as Obj;
      await api.deleteNamespacedCustomObject({ ...ref, name });
      return (made['status'] as Obj | undefined)?.['status'] === 'Accepted';
    },
    { timeoutMs: 30_000, what: 'AMKO CRDs served' },
  );
}

describe('a site moving from AMKO, with its objects as AMKO leaves them', function () {
  this.timeout(300_000);
  let f: LeaderFixture;
  let custom: CustomObjectsApi;

  before(async () => {
    f = await LeaderFixture.start({ n: 2 });
    custom = f.leaderKube.makeApiClient(CustomObjectsApi);
    await useAmkoCrds(f.leaderKube, { amkoCluster: false });
    for (const c of f.clusters.contexts) await f.objects.namespace(c, NS);
    const ingress = (c: string, name: string, host: string, ip: string): Promise<void> =>
      f.objects.ingress(c, NS, name, { hosts: [{ host, ip }], labels: { gslb: NS } });
    await ingress('cluster1', 'shop', SHOP, '10.1.0.1');
    await ingress('cluster2', 'shop', SHOP, '10.2.0.1');
    await ingress('cluster1', 'old', OLD, '10.1.0.9');
  });

  after(async () => {
    await f?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      process.stderr.write(f.amko?.log().slice(-8000) ?? '');
    }
  });

  /** The AMKOCluster status replaced by the one AMKO's federator leaves: its conditions only. */
  const amkoClusterStatusAsAmkoLeftIt = async (): Promise<void> => {
    await custom.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: 'v1alpha1',
        plural: 'amkoclusters',
        namespace: 'avi-system',
        name: 'amkocluster-federation',
        body: { status: { conditions: AMKO_CONDITIONS } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  };

  const create = async (
    plural: string,
    version: string,
    kind: string,
    body: Obj,
  ): Promise<void> => {
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version,
      plural,
      namespace: 'avi-system',
      body: { apiVersion: `${GROUP}/${version}`, kind, ...body },
    });
  };

  const get = async (plural: string, name: string, version = 'v1alpha1'): Promise<Obj> =>
    (await custom.getNamespacedCustomObject({
      group: GROUP,
      version,
      plural,
      namespace: 'avi-system',
      name,
    })) as Obj;

  const statusOf = async (plural: string, name: string, version?: string): Promise<Obj> =>
    ((await get(plural, name, version))['status'] as Obj | undefined) ?? {};

  /** The writes amko made, per object type and name. */
  async function writes(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const e of await f.sim.control.journal({})) {
      if (e.method === 'GET') continue;
      if (e.objectType !== 'gslbservice' && e.objectType !== 'healthmonitor') continue;
      const key = `${e.method} ${e.objectType}`;
      out.set(key, [...(out.get(key) ?? []), e.path]);
    }
    return out;
  }

  it('adopts the GslbServices and monitors AMKO created with at most one write each; a restart writes nothing', async () => {
    await create('gslbconfigs', 'v1alpha1', 'GSLBConfig', {
      metadata: { name: 'gc-1', annotations: { 'amko.vmware.com/amko-uuid': UUID } },
      spec: {
        gslbLeader: {
          credentials: 'gslb-avi-secret',
          controllerVersion: '22.1.3',
          controllerIP: f.sim.url,
        },
        memberClusters: f.clusters.contexts.map((c) => ({ clusterContext: c })),
        refreshInterval: 1800,
        logLevel: 'INFO',
        useCustomGlobalFqdn: false,
      },
      status: { state: 'success: gslb config accepted' },
    });
    // AMKO's GDP status update writes the whole object back: the empty selector stays.
    await create('globaldeploymentpolicies', 'v1alpha2', 'GlobalDeploymentPolicy', {
      metadata: { name: 'global-gdp' },
      spec: {
        matchRules: { appSelector: { label: { gslb: NS } }, namespaceSelector: {} },
        matchClusters: [{ cluster: 'cluster1' }, { cluster: 'cluster2' }],
        trafficSplit: [
          { cluster: 'cluster1', weight: 3 },
          { cluster: 'cluster2', weight: 1 },
        ],
        ttl: 30,
      },
      status: { errorStatus: 'success' },
    });
    await amkoClusterStatusAsAmkoLeftIt();
    await f.sim.control.seed({
      objects: {
        healthmonitor: [amkoHm(SHOP), amkoHm(OLD)],
        gslbservice: [
          amkoGs(SHOP, 'shop', `amko-${UUID}`, [
            ['cluster1', '10.1.0.1', 3],
            ['cluster2', '10.2.0.1', 1],
          ]),
          amkoGs(OLD, 'old', 'amko-gslb', [['cluster1', '10.1.0.9', 3]]),
        ],
      },
    });
    const seeded = await f.gslbServices();
    const uuids = new Map([...seeded].map(([n, o]) => [n, String(o['uuid'])]));
    const hmUuids = new Map(
      [...(await f.amkoMonitors())].map(([n, o]) => [n, String(o['uuid'])] as const),
    );
    await f.sim.control.clearJournal();

    const amko = f.startAmko();
    await amko.waitForLog(/bootup sync finished/, 90_000);
    await eventually(
      async () => {
        assert.equal(
          (await statusOf('globaldeploymentpolicies', 'global-gdp', 'v1alpha2'))['errorStatus'],
          'success',
        );
        const amkoStatus = await statusOf('amkoclusters', 'amkocluster-federation');
        assert.equal(amkoStatus['role'], 'leader');
      },
      { timeoutMs: 30_000, what: 'GDP accepted and AMKOCluster leading' },
    );

    const w = await writes();
    assert.deepEqual(w.get('POST gslbservice') ?? [], [], 'no GslbService created anew');
    assert.deepEqual(w.get('POST healthmonitor') ?? [], [], 'no health monitor created anew');
    assert.deepEqual(w.get('DELETE gslbservice') ?? [], [], 'nothing deleted');
    assert.deepEqual(w.get('DELETE healthmonitor') ?? [], [], 'nothing deleted');
    for (const kind of ['PUT gslbservice', 'PUT healthmonitor']) {
      const paths = w.get(kind) ?? [];
      assert.equal(new Set(paths).size, paths.length, `${kind}: at most one write per object`);
    }
    const after = await f.gslbServices();
    assert.deepEqual([...after.keys()].sort(), [OLD, SHOP].sort());
    for (const [n, o] of after) assert.equal(o['uuid'], uuids.get(n), `${n} kept its uuid`);
    assert.deepEqual(
      new Map([...(await f.amkoMonitors())].map(([n, o]) => [n, String(o['uuid'])] as const)),
      hmUuids,
      'the monitors kept their names and uuids',
    );
    assert.equal(after.get(SHOP)?.['created_by'], `amko-${UUID}`);
    await eventually(
      async () => {
        const state = (await statusOf('gslbconfigs', 'gc-1'))['state'];
        assert.equal(state, 'success: gslb config accepted');
      },
      { timeoutMs: 30_000, what: 'GSLBConfig accepted, its status written on the object' },
    );
    process.stdout.write(`      adoption writes: ${JSON.stringify(Object.fromEntries(w))}\n`);

    await f.stopAmko();
    await f.sim.control.clearJournal();
    const again = f.startAmko();
    await again.waitForLog(/bootup sync finished/, 90_000);
    assert.equal(await f.writeCount(), 0, 'a restart after the adoption writes nothing');
  });
  it("refuses to lead, saying why, while the AMKOCluster CRD is still AMKO's", async () => {
    await f.stopAmko();
    await useAmkoCrds(f.leaderKube, { amkoCluster: true });
    await amkoClusterStatusAsAmkoLeftIt();
    await f.objects.ingress('cluster1', NS, 'new', {
      hosts: [{ host: `new.${NS}.example.com`, ip: '10.1.0.10' }],
      labels: { gslb: NS },
    });
    await f.sim.control.clearJournal();
    const amko = f.startAmko();
    const refusal = /did not keep status\.highestEpochSeen.*apply charts\/amko\/crds/;
    await amko.waitForLog(refusal, 60_000);
    // The role change is retried: a second refusal shows it stayed refused, not that it passed.
    await eventually(
      () =>
        amko
          .log()
          .split('\n')
          .filter((l) => refusal.test(l)).length >= 2,
      {
        timeoutMs: 60_000,
        what: 'the refusal repeated',
      },
    );
    assert.equal(await f.writeCount(), 0, 'nothing written to the controller without an epoch');
    assert.equal((await f.gslbServices()).has(`new.${NS}.example.com`), false);
  });
});
