/**
 * The Helm chart against a real kube-apiserver (with the chart's CRDs installed by the harness):
 * the rendered AMKOCluster, GSLBConfig and GDP pass the CRD schemas unchanged, `helm install`
 * creates every object, the ServiceAccount's RBAC allows what amko does, and `helm upgrade`
 * keeps a promotion made with kubectl-amko.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AppsV1Api,
  AuthorizationV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1Probe,
} from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { AMKO_CLUSTER, type AmkoCluster } from '../../src/shared/crd/amko-cluster.js';
import { AVI_SYSTEM, type CrdResource } from '../../src/shared/crd/common.js';
import { GLOBAL_DEPLOYMENT_POLICY } from '../../src/shared/crd/global-deployment-policy.js';
import { GSLB_CONFIG } from '../../src/shared/crd/gslb-config.js';
import { startClusters, type ClusterSet } from '../support/clusters.js';
import { repoRoot, toolPath } from '../support/tools.js';

const CHART = path.join(repoRoot(), 'charts', 'amko');
const CLI = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const UUID = '0e9d8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b';

const VALUES = Object.freeze({
  federation: {
    currentCluster: 'cluster1',
    currentClusterIsLeader: false,
    memberClusters: ['cluster1', 'cluster2', 'cluster3'],
    endpoints: [
      { cluster: 'cluster2', address: 'amko.site-b.example.net:50051' },
      { cluster: 'cluster3', address: '192.0.2.30:50051' },
    ],
  },
  configs: {
    gslbLeaderController: '10.10.10.10',
    memberClusters: [{ clusterContext: 'cluster1' }, { clusterContext: 'cluster2' }],
    amkoUUID: UUID,
  },
  gslbLeaderCredentials: { username: 'admin', password: 's3cret' },
  globalDeploymentPolicy: {
    appSelector: { label: { app: 'gslb' } },
    namespaceSelector: { label: { tier: 'prod' } },
    matchClusters: [{ cluster: 'cluster1' }, { cluster: 'cluster2', syncVipOnly: false }],
    trafficSplit: [
      { cluster: 'cluster1', weight: 15, priority: 20 },
      { cluster: 'cluster2', weight: 5, priority: 10 },
    ],
    ttl: 30,
    poolAlgorithmSettings: {
      lbAlgorithm: 'GSLB_ALGORITHM_GEO',
      geoFallback: { lbAlgorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH', hashMask: 24 },
    },
    downResponse: { type: 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP', fallbackIP: '203.0.113.7' },
  },
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never throws on a non-zero exit. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? -1, ...out });
    });
  });
}

interface AccessExtra {
  group?: string;
  subresource?: string;
  namespace?: string;
}

/** Asks the API server's authorizer whether amko's ServiceAccount may do something. */
async function serviceAccountCan(
  kc: KubeConfig,
  attributes: AccessExtra & { verb: string; resource: string },
): Promise<boolean> {
  const review = await kc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
    body: {
      spec: {
        user: `system:serviceaccount:${AVI_SYSTEM}:amko-sa`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${AVI_SYSTEM}`],
        resourceAttributes: attributes,
      },
    },
  });
  return review.status?.allowed === true;
}

type Obj = { kind: string; metadata: { name: string; annotations?: Record<string, string> } } & {
  spec?: unknown;
};

describe('Helm chart: on a real API server', function () {
  let clusters: ClusterSet;
  let kc: KubeConfig;
  let dir: string;
  let valuesFile: string;
  let env: NodeJS.ProcessEnv;

  const helm = (...args: string[]): Promise<Run> =>
    run(
      toolPath('helm'),
      [...args, '--kubeconfig', clusters.kubeconfigPath, '--kube-context', 'cluster1'],
      env,
    );

  const readAmkoCluster = async (): Promise<AmkoCluster> =>
    (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      group: AMKO_CLUSTER.group,
      version: AMKO_CLUSTER.version,
      plural: AMKO_CLUSTER.plural,
      namespace: AVI_SYSTEM,
      name: 'amkocluster-federation',
    })) as AmkoCluster;

  before(async () => {
    clusters = await startClusters({ n: 1 });
    kc = clusters.kubeConfig('cluster1');
    dir = mkdtempSync(path.join(tmpdir(), 'amko-chart-install-'));
    valuesFile = path.join(dir, 'values.yaml');
    writeFileSync(valuesFile, stringify(VALUES));
    env = {
      ...process.env,
      HELM_CACHE_HOME: path.join(dir, 'cache'),
      HELM_CONFIG_HOME: path.join(dir, 'config'),
      HELM_DATA_HOME: path.join(dir, 'data'),
    };
  });

  after(async () => {
    await clusters.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the rendered AMKOCluster, GSLBConfig and GDP pass the CRD schemas unchanged', async () => {
    const out = await helm('template', 'amko', CHART, '-n', AVI_SYSTEM, '-f', valuesFile);
    assert.equal(out.code, 0, out.stderr);
    const docs = parseAllDocuments(out.stdout).map((d) => d.toJS() as Obj | null);
    const api = kc.makeApiClient(CustomObjectsApi);
    const kinds: [CrdResource, string][] = [
      [AMKO_CLUSTER, 'amkocluster-federation'],
      [GSLB_CONFIG, 'gc-1'],
      [GLOBAL_DEPLOYMENT_POLICY, 'global-gdp'],
    ];
    for (const [res, name] of kinds) {
      const body = docs.find((d) => d?.kind === res.kind);
      assert.ok(body, `${res.kind} rendered`);
      const ref = { group: res.group, version: res.version, plural: res.plural };
      await api.createNamespacedCustomObject({ ...ref, namespace: AVI_SYSTEM, body });
      const stored = (await api.getNamespacedCustomObject({
        ...ref,
        namespace: AVI_SYSTEM,
        name,
      })) as Obj;
      assert.deepEqual(stored.spec, body.spec, `${res.kind}: nothing pruned or defaulted`);
      if (res === GSLB_CONFIG) {
        assert.equal(stored.metadata.annotations?.['amko.vmware.com/amko-uuid'], UUID);
      }
      await api.deleteNamespacedCustomObject({ ...ref, namespace: AVI_SYSTEM, name });
    }
  });

  it('helm install creates every object, and NOTES say what the site still needs', async () => {
    const out = await helm(
      'install',
      'amko',
      CHART,
      '-n',
      AVI_SYSTEM,
      '--skip-crds',
      '-f',
      valuesFile,
    );
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /STATUS: deployed/);
    assert.match(out.stdout, /as a follower of the federation cluster1, cluster2, cluster3/);
    assert.match(out.stdout, /Secret gslb-config-secret with key gslb-members/);
    assert.match(out.stdout, /Secret amko-federation-tls with tls\.crt, tls\.key and ca\.crt/);
    assert.doesNotMatch(out.stdout, /WARNING/);
    const deployment = await kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: 'amko', namespace: AVI_SYSTEM });
    const [amko] = deployment.spec!.template.spec!.containers;
    const grpc = (probe?: V1Probe): [number | undefined, string | undefined] => [
      probe?.grpc?.port,
      probe?.grpc?.service,
    ];
    assert.deepEqual(grpc(amko!.readinessProbe), [50052, 'amko.federation.v1.Federation']);
    assert.deepEqual(grpc(amko!.livenessProbe), [50052, '']);
    const ac = await readAmkoCluster();
    assert.deepEqual(ac.spec?.federation?.endpoints, VALUES.federation.endpoints);
  });

  it("lets amko's ServiceAccount do what amko does, and no more", async () => {
    const can = (verb: string, resource: string, extra: AccessExtra = {}): Promise<boolean> =>
      serviceAccountCan(kc, { verb, resource, ...extra });
    const amko = { group: 'amko.vmware.com', namespace: AVI_SYSTEM };
    for (const kind of ['gslbconfigs', 'globaldeploymentpolicies', 'gslbhostrules']) {
      for (const verb of ['create', 'update', 'delete', 'watch']) {
        assert.ok(await can(verb, kind, amko), `${verb} ${kind}`);
      }
      assert.ok(await can('patch', kind, { ...amko, subresource: 'status' }), `${kind}/status`);
    }
    assert.ok(await can('patch', 'amkoclusters', { ...amko, subresource: 'status' }));
    assert.ok(await can('list', 'ingresses', { group: 'networking.k8s.io' }));
    assert.ok(await can('watch', 'routes', { group: 'route.openshift.io' }));
    assert.ok(await can('get', 'secrets', { namespace: AVI_SYSTEM }));
    assert.ok(await can('create', 'events', { namespace: AVI_SYSTEM }));
    assert.ok(await can('create', 'namespaces'), 'a follower creates a replica’s namespace');
    assert.equal(await can('delete', 'amkoclusters', amko), false, 'no delete of AMKOClusters');
    assert.equal(
      await can('create', 'secrets', { namespace: AVI_SYSTEM }),
      false,
      'no secret writes',
    );
    assert.equal(await can('delete', 'ingresses', { group: 'networking.k8s.io' }), false);
  });

  it('helm upgrade with unchanged values keeps a promotion made with kubectl amko', async () => {
    const promote = await run(
      process.execPath,
      [
        CLI,
        'promote',
        '--yes',
        '--wait',
        '0',
        '--kubeconfig',
        clusters.kubeconfigPath,
        '--context',
        'cluster1',
      ],
      env,
    );
    assert.equal(promote.code, 0, promote.stderr);
    const upgrade = await helm('upgrade', 'amko', CHART, '-n', AVI_SYSTEM, '-f', valuesFile);
    assert.equal(upgrade.code, 0, upgrade.stderr);
    const ac = await readAmkoCluster();
    assert.equal(ac.spec?.isLeader, true);
  });

  it('helm upgrade to plaintext federation warns in NOTES; helm uninstall removes the objects', async () => {
    const upgrade = await helm(
      'upgrade',
      'amko',
      CHART,
      '-n',
      AVI_SYSTEM,
      '-f',
      valuesFile,
      '--set',
      'federation.insecure=true',
    );
    assert.equal(upgrade.code, 0, upgrade.stderr);
    assert.match(upgrade.stdout, /WARNING: federation\.insecure is true/);
    const uninstall = await helm('uninstall', 'amko', '-n', AVI_SYSTEM);
    assert.equal(uninstall.code, 0, uninstall.stderr);
    const list = (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
      group: GSLB_CONFIG.group,
      version: GSLB_CONFIG.version,
      plural: GSLB_CONFIG.plural,
      namespace: AVI_SYSTEM,
    })) as { items: unknown[] };
    assert.equal(list.items.length, 0);
  });
});
