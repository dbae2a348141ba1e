/**
 * The Helm chart rendered by the real helm binary: lint, the objects it renders with the default
 * values and with a federation site's values, and the rendering errors for bad values.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { repoRoot, toolPath } from '../support/tools.js';

interface Rendered {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
}

interface Container {
  name: string;
  image: string;
  command: string[];
  args: string[];
  env: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { grpc: { port: number; service?: string } };
  readinessProbe: { grpc: { port: number; service?: string } };
  resources: { limits?: Record<string, string>; requests?: Record<string, string> };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

interface PodSpec {
  serviceAccountName: string;
  containers: Container[];
  volumes: { name: string; secret?: { secretName: string } }[];
}

const CHART = path.join(repoRoot(), 'charts', 'amko');
const UUID = '6f1c2d3e-4a5b-11ef-9c8d-0242ac120002';

/** Values of site B of a three-site federation: the leader, with every option used. */
const SITE_B_VALUES = Object.freeze({
  federation: {
    currentCluster: 'cluster2',
    currentClusterIsLeader: true,
    memberClusters: ['cluster1', 'cluster2', 'cluster3'],
    endpoints: [
      { cluster: 'cluster1', address: 'amko.site-a.example.net:50051' },
      { cluster: 'cluster3', address: '192.0.2.30:50051' },
    ],
    tls: { secretName: 'site-b-federation-tls' },
  },
  configs: {
    gslbLeaderController: '10.10.10.10',
    memberClusters: [{ clusterContext: 'cluster1' }, { clusterContext: 'cluster2' }],
    amkoUUID: UUID,
    logLevel: 'DEBUG',
  },
  gslbLeaderCredentials: { username: 'admin', password: 's3cret' },
  globalDeploymentPolicy: {
    appSelector: { label: { app: 'gslb' } },
    matchClusters: [{ cluster: 'cluster1' }, { cluster: 'cluster2', syncVipOnly: true }],
    trafficSplit: [
      { cluster: 'cluster1', weight: 8, priority: 10 },
      { cluster: 'cluster2', weight: 2, priority: 10 },
    ],
    ttl: 0,
    downResponse: { type: 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP', fallbackIP: '203.0.113.7' },
  },
});

interface HelmRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with its cache, config and data under `home`; never throws on a non-zero exit. */
function helm(args: readonly string[], home: string): Promise<HelmRun> {
  const command = toolPath('helm');
  const env = {
    ...process.env,
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data'),
  };
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

async function render(home: string, ...args: string[]): Promise<Map<string, Rendered>> {
  const run = await helm(['template', 'amko', CHART, '--namespace', 'avi-system', ...args], home);
  assert.equal(run.code, 0, run.stderr);
  const docs = parseAllDocuments(run.stdout)
    .map((d) => d.toJS() as Rendered | null)
    .filter((d): d is Rendered => d !== null);
  return new Map(docs.map((d) => [`${d.kind}/${d.metadata.name}`, d]));
}

function get(objs: Map<string, Rendered>, key: string): Rendered {
  const obj = objs.get(key);
  assert.ok(obj, `${key} rendered (have ${[...objs.keys()].join(', ')})`);
  return obj;
}

function amkoContainer(objs: Map<string, Rendered>): { pod: PodSpec; amko: Container } {
  const spec = get(objs, 'Deployment/amko').spec as { template: { spec: PodSpec } };
  const amko = spec.template.spec.containers.find((c) => c.name === 'amko');
  assert.ok(amko, 'amko container');
  return { pod: spec.template.spec, amko };
}

describe('Helm chart: rendering', function () {
  let dir: string;
  let siteB: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'amko-chart-'));
    siteB = path.join(dir, 'site-b.yaml');
    writeFileSync(siteB, stringify(SITE_B_VALUES));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes helm lint --strict with the default and with federation values', async () => {
    for (const extra of [[], ['-f', siteB], ['--set', 'federation.insecure=true']]) {
      const run = await helm(
        ['lint', '--strict', CHART, '--namespace', 'avi-system', ...extra],
        dir,
      );
      assert.equal(run.code, 0, `${extra.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  it('is chart apiVersion v2 named amko, with the appVersion of package.json', () => {
    const chart = parse(readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    const pkg = JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as {
      version: string;
    };
    assert.deepEqual(
      [chart['apiVersion'], chart['name'], chart['appVersion']],
      ['v2', 'amko', pkg.version],
    );
  });

  it('renders exactly the expected objects with the default values', async () => {
    const objs = await render(dir);
    assert.deepEqual([...objs.keys()].sort(), [
      'AMKOCluster/amkocluster-federation',
      'ClusterRole/amko-role',
      'ClusterRoleBinding/amko-binding',
      'Deployment/amko',
      'GSLBConfig/gc-1',
      'GlobalDeploymentPolicy/global-gdp',
      'Service/amko',
      'ServiceAccount/amko-sa',
    ]);
    assert.deepEqual(get(objs, 'AMKOCluster/amkocluster-federation').spec, {
      isLeader: false,
      clusterContext: 'cluster1-admin',
      version: '0.1.0',
      clusters: ['cluster1-admin', 'cluster2-admin'],
    });
    const gc = get(objs, 'GSLBConfig/gc-1');
    assert.equal(gc.metadata.annotations, undefined, 'no amko-uuid unless given');
    assert.deepEqual(gc.spec, {
      gslbLeader: {
        credentials: 'gslb-avi-secret',
        controllerVersion: '31.1.1',
        controllerIP: '',
        tenant: 'admin',
      },
      memberClusters: [{ clusterContext: 'cluster1-admin' }, { clusterContext: 'cluster2-admin' }],
      refreshInterval: 1800,
      logLevel: 'INFO',
      useCustomGlobalFqdn: false,
    });
    assert.deepEqual(get(objs, 'GlobalDeploymentPolicy/global-gdp').spec, {
      matchClusters: [{ cluster: 'cluster1-admin' }, { cluster: 'cluster2-admin' }],
    });
    for (const o of objs.values()) {
      if (!o.kind.startsWith('Cluster')) assert.equal(o.metadata.namespace, 'avi-system', o.kind);
    }
  });

  it('runs one amko with the federation, health and metrics listeners, mTLS files and gRPC probes', async () => {
    const objs = await render(dir);
    const deployment = get(objs, 'Deployment/amko').spec as { replicas: number };
    assert.equal(deployment.replicas, 1);
    const { pod, amko } = amkoContainer(objs);
    assert.equal(pod.serviceAccountName, 'amko-sa');
    assert.equal(amko.image, 'ghcr.io/amko-ts/amko:0.1.0');
    assert.deepEqual(amko.command, ['amko']);
    assert.deepEqual(amko.args.slice(0, 14), [
      '--context',
      'cluster1-admin',
      '--federation-listen',
      '0.0.0.0:50051',
      '--health-listen',
      '0.0.0.0:50052',
      '--metrics-listen',
      '0.0.0.0:9090',
      '--tls-cert',
      '/etc/amko/tls/tls.crt',
      '--tls-key',
      '/etc/amko/tls/tls.key',
      '--tls-ca',
      '/etc/amko/tls/ca.crt',
    ]);
    assert.ok(!amko.args.includes('--insecure'));
    assert.deepEqual(amko.args.slice(14), ['--standby', 'hot', '--log-level', 'info']);
    assert.deepEqual(
      amko.env.map((e) => e.name),
      ['NODE_OPTIONS'],
      'only what amko reads (it reads the members kubeconfig Secret itself)',
    );
    const nodeOptions = amko.env.find((e) => e.name === 'NODE_OPTIONS');
    assert.equal(nodeOptions?.value, '--max-semi-space-size=4');
    assert.deepEqual(amko.livenessProbe.grpc, { port: 50052, service: '' });
    assert.deepEqual(amko.readinessProbe.grpc, {
      port: 50052,
      service: 'amko.federation.v1.Federation',
    });
    assert.ok(amko.resources.limits && amko.resources.requests, 'resources set');
    assert.deepEqual(
      amko.volumeMounts.find((m) => m.name === 'federation-tls'),
      { name: 'federation-tls', mountPath: '/etc/amko/tls', readOnly: true },
    );
    assert.deepEqual(pod.volumes.find((v) => v.name === 'federation-tls')?.secret, {
      secretName: 'amko-federation-tls',
    });
    const service = get(objs, 'Service/amko').spec as { ports: { name: string; port: number }[] };
    assert.deepEqual(
      service.ports.map((p) => [p.name, p.port]),
      [
        ['federation', 50051],
        ['metrics', 9090],
      ],
    );
  });

  it('passes the Avi controller CA, keepalive and contact timeout values as flags', async () => {
    const objs = await render(
      dir,
      '--set',
      'aviController.caSecretName=avi-ca',
      '--set',
      'federation.keepaliveMs=5000',
      '--set',
      'federation.leaderContactTimeoutSeconds=45',
      '--set',
      'logLevel=debug',
    );
    const { pod, amko } = amkoContainer(objs);
    const flag = (name: string): string | undefined => amko.args[amko.args.indexOf(name) + 1];
    assert.equal(flag('--avi-ca-file'), '/etc/amko/avi-ca/ca.crt');
    assert.equal(flag('--federation-keepalive-ms'), '5000');
    assert.equal(flag('--leader-contact-timeout'), '45');
    assert.equal(flag('--log-level'), 'debug');
    assert.ok(!amko.args.includes('--avi-insecure'));
    assert.deepEqual(pod.volumes.find((v) => v.name === 'avi-ca')?.secret, {
      secretName: 'avi-ca',
    });
    assert.deepEqual(
      amko.volumeMounts.find((m) => m.name === 'avi-ca'),
      { name: 'avi-ca', mountPath: '/etc/amko/avi-ca', readOnly: true },
    );
    const insecure = amkoContainer(await render(dir, '--set', 'aviController.insecure=true'));
    assert.ok(insecure.amko.args.includes('--avi-insecure'));
  });

  it('grants AMKO RBAC plus writes to the replicated kinds and their status', async () => {
    const objs = await render(dir);
    const rules = get(objs, 'ClusterRole/amko-role').rules ?? [];
    const verbsOf = (group: string, resource: string): string[] =>
      rules
        .filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource))
        .flatMap((r) => r.verbs);
    for (const kind of ['gslbconfigs', 'globaldeploymentpolicies', 'gslbhostrules']) {
      for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']) {
        assert.ok(verbsOf('amko.vmware.com', kind).includes(verb), `${verb} ${kind}`);
      }
      assert.ok(verbsOf('amko.vmware.com', `${kind}/status`).includes('patch'), `${kind}/status`);
    }
    assert.deepEqual(verbsOf('amko.vmware.com', 'amkoclusters').sort(), [
      'get',
      'list',
      'patch',
      'update',
      'watch',
    ]);
    assert.ok(verbsOf('amko.vmware.com', 'amkoclusters/status').includes('patch'));
    assert.deepEqual(verbsOf('networking.k8s.io', 'ingresses'), ['get', 'watch', 'list']);
    assert.deepEqual(verbsOf('route.openshift.io', 'routes'), ['get', 'watch', 'list']);
    assert.deepEqual(verbsOf('', 'secrets'), ['get', 'watch', 'list']);
    assert.deepEqual(verbsOf('', 'events'), ['create', 'patch', 'update']);
    assert.deepEqual(verbsOf('ako.vmware.com', 'hostrules'), ['get', 'watch', 'list']);
    assert.ok(verbsOf('ako.vmware.com', 'serviceimports').includes('delete'));
    const binding = get(objs, 'ClusterRoleBinding/amko-binding') as unknown as {
      roleRef: { name: string };
      subjects: { kind: string; name: string; namespace: string }[];
    };
    assert.equal(binding.roleRef.name, 'amko-role');
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: 'amko-sa', namespace: 'avi-system' },
    ]);
  });

  it("renders a federation site's AMKOCluster, gc-1 with its UUID, credentials and GDP", async () => {
    const objs = await render(dir, '-f', siteB);
    assert.deepEqual(get(objs, 'AMKOCluster/amkocluster-federation').spec, {
      isLeader: true,
      clusterContext: 'cluster2',
      version: '0.1.0',
      clusters: ['cluster1', 'cluster2', 'cluster3'],
      federation: { endpoints: SITE_B_VALUES.federation.endpoints },
    });
    const gc = get(objs, 'GSLBConfig/gc-1');
    assert.deepEqual(gc.metadata.annotations, { 'amko.vmware.com/amko-uuid': UUID });
    assert.equal((gc.spec?.['gslbLeader'] as { controllerIP: string }).controllerIP, '10.10.10.10');
    const secret = get(objs, 'Secret/gslb-avi-secret');
    assert.deepEqual(secret.data, {
      username: Buffer.from('admin').toString('base64'),
      password: Buffer.from('s3cret').toString('base64'),
    });
    const { matchClusters, trafficSplit, ttl, downResponse, appSelector } =
      SITE_B_VALUES.globalDeploymentPolicy;
    assert.deepEqual(get(objs, 'GlobalDeploymentPolicy/global-gdp').spec, {
      matchRules: { appSelector },
      matchClusters,
      trafficSplit,
      ttl,
      downResponse,
    });
    const { pod } = amkoContainer(objs);
    assert.deepEqual(pod.volumes.find((v) => v.name === 'federation-tls')?.secret, {
      secretName: 'site-b-federation-tls',
    });
  });

  it('switches to plaintext federation with federation.insecure', async () => {
    const objs = await render(dir, '--set', 'federation.insecure=true');
    const { pod, amko } = amkoContainer(objs);
    assert.ok(amko.args.includes('--insecure'));
    for (const flag of ['--tls-cert', '--tls-key', '--tls-ca'])
      assert.ok(!amko.args.includes(flag));
    assert.equal(
      pod.volumes.find((v) => v.name === 'federation-tls'),
      undefined,
    );
    assert.equal(
      amko.volumeMounts.find((m) => m.name === 'federation-tls'),
      undefined,
    );
  });

  describe('refuses bad values with a message naming the value', () => {
    const cases: { name: string; args: string[]; message: RegExp }[] = [
      {
        name: 'an amkoUUID that is not 36 characters',
        args: ['--set', 'configs.amkoUUID=6f1c2d3e-4a5b'],
        message: /configs\.amkoUUID must be 36 characters long .* got 13 characters/,
      },
      {
        name: 'an amkoUUID of 36 characters that is not a UUID',
        args: ['--set', `configs.amkoUUID=${'x'.repeat(36)}`],
        message: /configs\.amkoUUID must be a UUID/,
      },
      {
        name: 'a namespace other than avi-system',
        args: ['--namespace', 'default'],
        message: /amko must be installed in the avi-system namespace \(got "default"\)/,
      },
      {
        name: 'a current cluster outside the federation set',
        args: ['--set', 'federation.currentCluster=cluster9'],
        message: /federation\.currentCluster "cluster9" must be one of federation\.memberClusters/,
      },
      {
        name: 'an endpoint naming this cluster',
        args: [
          '--set',
          'federation.endpoints[0].cluster=cluster1-admin,federation.endpoints[0].address=h:1',
        ],
        message: /federation\.endpoints\[0\] names this cluster \(cluster1-admin\)/,
      },
      {
        name: 'an endpoint without a port',
        args: [
          '--set',
          'federation.endpoints[0].cluster=cluster2-admin,federation.endpoints[0].address=host',
        ],
        message: /federation\.endpoints\[0\]\.address "host" must be host:port/,
      },
      {
        name: 'a username without a password',
        args: ['--set', 'gslbLeaderCredentials.username=admin'],
        message: /gslbLeaderCredentials needs both username and password/,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const run = await helm(
          ['template', 'amko', CHART, '--namespace', 'avi-system', ...c.args],
          dir,
        );
        assert.notEqual(run.code, 0);
        assert.match(run.stderr, c.message);
        assert.equal(run.stdout, '');
      });
    }
  });
});
