import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { startClusters, type ClusterSet } from '../support/clusters.js';
import { AVI_SYSTEM, type CrdResource } from '../../src/shared/crd/common.js';
import { AMKO_CLUSTER } from '../../src/shared/crd/amko-cluster.js';
import { GLOBAL_DEPLOYMENT_POLICY } from '../../src/shared/crd/global-deployment-policy.js';
import { GSLB_CONFIG } from '../../src/shared/crd/gslb-config.js';
import { GSLB_HOST_RULE } from '../../src/shared/crd/gslb-host-rule.js';

const exec = promisify(execFile);
type Obj = Record<string, unknown> & {
  metadata?: { name?: string; generation?: number; resourceVersion?: string };
};

const CH = 'GSLB_ALGORITHM_CONSISTENT_HASH';
const GEO = 'GSLB_ALGORITHM_GEO';
const RR = 'GSLB_ALGORITHM_ROUND_ROBIN';
const FALLBACK = 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP';
const ALL_RECORDS = 'GSLB_SERVICE_DOWN_RESPONSE_ALL_RECORDS';

function body(res: CrdResource, name: string, spec: Record<string, unknown>): Obj {
  return { apiVersion: res.apiVersion, kind: res.kind, metadata: { name }, spec };
}

const gdpSpec = (extra: Record<string, unknown>): Record<string, unknown> => ({
  matchRules: { appSelector: { label: { app: 'gslb' } } },
  matchClusters: [{ cluster: 'cluster1' }],
  ...extra,
});
const ghrSpec = (extra: Record<string, unknown>): Record<string, unknown> => ({
  fqdn: 'shop.example.com',
  ...extra,
});
const amkoSpec = (extra: Record<string, unknown>): Record<string, unknown> => ({
  isLeader: true,
  clusterContext: 'cluster1',
  version: '1.13.0',
  clusters: ['cluster1', 'cluster2'],
  ...extra,
});

/** One case per CEL rule (and per range bound), each with the API server's message. */
const REJECTED: readonly {
  name: string;
  res: CrdResource;
  spec: Record<string, unknown>;
  message: string;
}[] = [
  ...[
    ['GDP', GLOBAL_DEPLOYMENT_POLICY, gdpSpec] as const,
    ['GSLBHostRule', GSLB_HOST_RULE, ghrSpec] as const,
  ].flatMap(([kind, res, spec]) => [
    {
      name: `${kind}: hashMask without consistent hash`,
      res,
      spec: spec({ poolAlgorithmSettings: { lbAlgorithm: RR, hashMask: 24 } }),
      message: 'hashMask is allowed only when lbAlgorithm is GSLB_ALGORITHM_CONSISTENT_HASH',
    },
    {
      name: `${kind}: consistent hash without hashMask`,
      res,
      spec: spec({ poolAlgorithmSettings: { lbAlgorithm: CH } }),
      message: 'hashMask is required when lbAlgorithm is GSLB_ALGORITHM_CONSISTENT_HASH',
    },
    {
      name: `${kind}: geoFallback without Geo`,
      res,
      spec: spec({ poolAlgorithmSettings: { lbAlgorithm: RR, geoFallback: { lbAlgorithm: RR } } }),
      message: 'geoFallback is allowed only when lbAlgorithm is GSLB_ALGORITHM_GEO',
    },
    {
      name: `${kind}: Geo without geoFallback`,
      res,
      spec: spec({ poolAlgorithmSettings: { lbAlgorithm: GEO } }),
      message: 'geoFallback is required when lbAlgorithm is GSLB_ALGORITHM_GEO',
    },
    {
      name: `${kind}: geoFallback hashMask with round robin`,
      res,
      spec: spec({
        poolAlgorithmSettings: { lbAlgorithm: GEO, geoFallback: { lbAlgorithm: RR, hashMask: 8 } },
      }),
      message:
        'geoFallback.hashMask is allowed only when geoFallback.lbAlgorithm is GSLB_ALGORITHM_CONSISTENT_HASH',
    },
    {
      name: `${kind}: geoFallback consistent hash without hashMask`,
      res,
      spec: spec({ poolAlgorithmSettings: { lbAlgorithm: GEO, geoFallback: { lbAlgorithm: CH } } }),
      message:
        'geoFallback.hashMask is required when geoFallback.lbAlgorithm is GSLB_ALGORITHM_CONSISTENT_HASH',
    },
    {
      name: `${kind}: FALLBACK_IP without fallbackIP`,
      res,
      spec: spec({ downResponse: { type: FALLBACK } }),
      message: 'fallbackIP is required when type is GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP',
    },
    {
      name: `${kind}: fallbackIP with another down response`,
      res,
      spec: spec({ downResponse: { type: ALL_RECORDS, fallbackIP: '10.1.1.1' } }),
      message: 'fallbackIP is allowed only when type is GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP',
    },
    {
      name: `${kind}: health monitor refs and template together`,
      res,
      spec: spec({ healthMonitorRefs: ['hm1'], healthMonitorTemplate: 'tmpl' }),
      message: 'healthMonitorRefs and healthMonitorTemplate cannot be specified together',
    },
    {
      name: `${kind}: traffic weight above 20`,
      res,
      spec: spec({ trafficSplit: [{ cluster: 'cluster1', weight: 21 }] }),
      message: 'should be less than or equal to 20',
    },
  ]),
  {
    name: 'GDP: priority above 100',
    res: GLOBAL_DEPLOYMENT_POLICY,
    spec: gdpSpec({ trafficSplit: [{ cluster: 'cluster1', weight: 2, priority: 101 }] }),
    message: 'should be less than or equal to 100',
  },
  {
    name: 'AMKOCluster: endpoint naming this cluster',
    res: AMKO_CLUSTER,
    spec: amkoSpec({
      federation: { endpoints: [{ cluster: 'cluster1', address: '127.0.0.1:1' }] },
    }),
    message: 'spec.federation.endpoints must not name this cluster (spec.clusterContext)',
  },
  {
    name: 'AMKOCluster: endpoint for a cluster outside spec.clusters',
    res: AMKO_CLUSTER,
    spec: amkoSpec({
      federation: { endpoints: [{ cluster: 'cluster9', address: '127.0.0.1:1' }] },
    }),
    message: 'every spec.federation.endpoints[].cluster must be one of spec.clusters',
  },
];

describe('CRDs on a real API server', function () {
  this.timeout(300_000);
  let set: ClusterSet;
  let api: CustomObjectsApi;
  const ns = AVI_SYSTEM;
  const target = (
    res: CrdResource,
  ): { group: string; version: string; plural: string; namespace: string } => ({
    group: res.group,
    version: res.version,
    plural: res.plural,
    namespace: ns,
  });

  before(async () => {
    set = await startClusters({ n: 1 });
    api = set.kubeConfig('cluster1').makeApiClient(CustomObjectsApi);
  });
  after(async () => {
    await set.stop();
  });

  for (const [res, spec] of [
    [
      GSLB_CONFIG,
      {
        gslbLeader: { controllerIP: '10.0.0.1', credentials: 'gslb-avi-secret' },
        memberClusters: [{ clusterContext: 'cluster1' }],
      },
    ],
    [GLOBAL_DEPLOYMENT_POLICY, gdpSpec({ trafficSplit: [{ cluster: 'cluster1', weight: 5 }] })],
    [GSLB_HOST_RULE, ghrSpec({ ttl: 30 })],
    [AMKO_CLUSTER, amkoSpec({})],
  ] as const) {
    it(`creates, reads and updates a ${res.kind}`, async () => {
      const name = `crud-${res.plural}`;
      await api.createNamespacedCustomObject({ ...target(res), body: body(res, name, spec) });
      const got = (await api.getNamespacedCustomObject({ ...target(res), name })) as Obj;
      assert.equal((got['metadata'] as { name: string }).name, name);
      const updated = { ...got, metadata: { ...got.metadata, labels: { edited: 'yes' } } };
      const put = (await api.replaceNamespacedCustomObject({
        ...target(res),
        name,
        body: updated,
      })) as Obj;
      assert.deepEqual((put['metadata'] as { labels: unknown }).labels, { edited: 'yes' });
    });
  }

  it('applies schema defaults (GDP traffic split priority 10, weight 1)', async () => {
    const res = GLOBAL_DEPLOYMENT_POLICY;
    const spec = gdpSpec({ trafficSplit: [{ cluster: 'cluster1' }] });
    const got = (await api.createNamespacedCustomObject({
      ...target(res),
      body: body(res, 'defaults', spec),
    })) as {
      spec: { trafficSplit: { weight: number; priority: number }[] };
    };
    assert.deepEqual(got.spec.trafficSplit[0], { cluster: 'cluster1', weight: 1, priority: 10 });
  });

  for (const c of REJECTED) {
    it(`rejects ${c.name}`, async () => {
      const name = c.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '');
      await assert.rejects(
        api.createNamespacedCustomObject({ ...target(c.res), body: body(c.res, name, c.spec) }),
        (err: unknown) => {
          const text = String((err as { body?: unknown }).body ?? err);
          assert.match(text, /Invalid/);
          assert.ok(text.includes(c.message), `expected "${c.message}" in: ${text}`);
          return true;
        },
      );
    });
  }

  it('writes status only through the status subresource, without bumping generation', async () => {
    const res = AMKO_CLUSTER;
    const name = 'amkocluster-federation';
    const created = (await api.createNamespacedCustomObject({
      ...target(res),
      body: body(res, name, amkoSpec({})),
    })) as Obj;
    const withStatus = {
      ...created,
      status: { role: 'leader', epoch: 4, leader: 'cluster1', inSync: '1/1' },
    };
    const viaMain = (await api.replaceNamespacedCustomObject({
      ...target(res),
      name,
      body: withStatus,
    })) as Obj;
    assert.equal(viaMain['status'], undefined, 'the main resource ignores status');
    const viaStatus = (await api.replaceNamespacedCustomObjectStatus({
      ...target(res),
      name,
      body: {
        ...withStatus,
        metadata: { ...withStatus.metadata, resourceVersion: viaMain.metadata?.resourceVersion },
      },
    })) as Obj;
    assert.deepEqual(viaStatus['status'], {
      role: 'leader',
      epoch: 4,
      leader: 'cluster1',
      inSync: '1/1',
    });
    assert.equal(viaStatus.metadata?.generation, created.metadata?.generation);
  });

  it('kubectl get amkocluster shows ROLE, EPOCH, LEADER, IN-SYNC, LEADER-SEEN, REACHABLE and AGE', async () => {
    const { stdout } = await exec('kubectl', [
      '--kubeconfig',
      set.kubeconfigPath,
      '--context',
      'cluster1',
      'get',
      'amkocluster',
      '-n',
      ns,
      'amkocluster-federation',
    ]);
    const [header, row] = stdout.trim().split('\n');
    assert.deepEqual(header?.split(/\s+/), [
      'NAME',
      'ROLE',
      'EPOCH',
      'LEADER',
      'IN-SYNC',
      'LEADER-SEEN',
      'REACHABLE',
      'AGE',
    ]);
    assert.deepEqual(row?.split(/\s+/).slice(0, 5), [
      'amkocluster-federation',
      'leader',
      '4',
      'cluster1',
      '1/1',
    ]);
  });
});
