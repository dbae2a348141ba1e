/**
 * `kubectl amko diff`, the built plugin run as a child process against two real kube-apiservers:
 * replicated objects compared by the hash of spec and amko-uuid, per object same / differs /
 * missing, exit 1 on any difference, 2 on errors.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { DiffReport } from '../../src/cli/diff-report.js';
import { AVI_SYSTEM, type CrdResource } from '../../src/shared/crd/common.js';
import { GLOBAL_DEPLOYMENT_POLICY } from '../../src/shared/crd/global-deployment-policy.js';
import { GSLB_CONFIG } from '../../src/shared/crd/gslb-config.js';
import { GSLB_HOST_RULE } from '../../src/shared/crd/gslb-host-rule.js';
import { startClusters, type ClusterSet } from '../support/clusters.js';
import { repoRoot } from '../support/tools.js';

const CLI = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const UUID = '6f1c2d3e-4a5b-11ef-9c8d-0242ac120002';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built kubectl-amko; never throws on a non-zero exit. */
function kubectlAmko(cliArgs: readonly string[]): Promise<Run> {
  const [command, env, args] = [process.execPath, process.env, [CLI, ...cliArgs]];
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

const ref = (
  res: CrdResource,
): { group: string; version: string; plural: string; namespace: string } => ({
  group: res.group,
  version: res.version,
  plural: res.plural,
  namespace: AVI_SYSTEM,
});

async function create(
  kc: KubeConfig,
  res: CrdResource,
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> },
  spec: unknown,
): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    ...ref(res),
    body: { apiVersion: res.apiVersion, kind: res.kind, metadata, spec },
  });
}

async function mergePatch(
  kc: KubeConfig,
  res: CrdResource,
  name: string,
  body: unknown,
): Promise<void> {
  await kc
    .makeApiClient(CustomObjectsApi)
    .patchNamespacedCustomObject(
      { ...ref(res), name, body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
}

describe('kubectl amko diff', function () {
  let clusters: ClusterSet;
  const flags = (): string[] => ['--kubeconfig', clusters.kubeconfigPath, '--context', 'cluster1'];

  before(async () => {
    clusters = await startClusters({ n: 2 });
    const gcSpec = { gslbLeader: { controllerIP: '10.10.10.10' }, logLevel: 'INFO' };
    const gdpSpec = { matchClusters: [{ cluster: 'cluster1' }], ttl: 10 };
    const ghrSpec = { fqdn: 'shop.example.com', ttl: 5 };
    const leader = clusters.kubeConfig('cluster1');
    const follower = clusters.kubeConfig('cluster2');
    await create(
      leader,
      GSLB_CONFIG,
      { name: 'gc-1', annotations: { 'amko.vmware.com/amko-uuid': UUID } },
      gcSpec,
    );
    await create(
      leader,
      GLOBAL_DEPLOYMENT_POLICY,
      { name: 'global-gdp', labels: { site: 'a' } },
      gdpSpec,
    );
    await create(leader, GSLB_HOST_RULE, { name: 'shop' }, ghrSpec);
    // The follower's copies carry replica bookkeeping and other labels: not part of the comparison.
    const replica = {
      'amko.vmware.com/replica-of': 'cluster1',
      'amko.vmware.com/replica-epoch': '2',
      'amko.vmware.com/replica-revision': '17',
    };
    await create(
      follower,
      GSLB_CONFIG,
      { name: 'gc-1', annotations: { ...replica, 'amko.vmware.com/amko-uuid': UUID } },
      gcSpec,
    );
    await create(
      follower,
      GLOBAL_DEPLOYMENT_POLICY,
      { name: 'global-gdp', annotations: replica },
      gdpSpec,
    );
    await create(follower, GSLB_HOST_RULE, { name: 'shop', annotations: replica }, ghrSpec);
  });

  after(async () => {
    await clusters.stop();
  });

  it('exits 0 and reports every object the same when the follower holds the replicas', async () => {
    const r = await kubectlAmko(['diff', '--against', 'cluster2', ...flags()]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^KIND\s+OBJECT\s+RESULT\s+cluster1\s+cluster2$/);
    assert.match(lines[1] ?? '', /^GSLBConfig\s+avi-system\/gc-1\s+same\s+([0-9a-f]{12})\s+\1$/);
    assert.match(lines[2] ?? '', /^GlobalDeploymentPolicy\s+avi-system\/global-gdp\s+same\s/);
    assert.match(lines[3] ?? '', /^GSLBHostRule\s+avi-system\/shop\s+same\s/);
    assert.equal(lines[4], '3 objects: 3 same, 0 differ, 0 missing');
  });

  it('exits 1 and names what differs and what is missing where', async () => {
    const leader = clusters.kubeConfig('cluster1');
    const follower = clusters.kubeConfig('cluster2');
    await mergePatch(follower, GLOBAL_DEPLOYMENT_POLICY, 'global-gdp', { spec: { ttl: 30 } });
    await mergePatch(follower, GSLB_CONFIG, 'gc-1', {
      metadata: {
        annotations: { 'amko.vmware.com/amko-uuid': '00000000-0000-0000-0000-000000000000' },
      },
    });
    await create(leader, GSLB_HOST_RULE, { name: 'only-here' }, { fqdn: 'a.example.com' });
    await create(follower, GSLB_HOST_RULE, { name: 'only-there' }, { fqdn: 'b.example.com' });

    const r = await kubectlAmko(['diff', '--against', 'cluster2', ...flags()]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /GSLBConfig\s+avi-system\/gc-1\s+differs\s/);
    assert.match(r.stdout, /GlobalDeploymentPolicy\s+avi-system\/global-gdp\s+differs\s/);
    assert.match(
      r.stdout,
      /GSLBHostRule\s+avi-system\/only-here\s+missing on cluster2\s+[0-9a-f]{12}\s+-\n/,
    );
    assert.match(
      r.stdout,
      /GSLBHostRule\s+avi-system\/only-there\s+missing on cluster1\s+-\s+[0-9a-f]{12}\n/,
    );
    assert.match(r.stdout, /GSLBHostRule\s+avi-system\/shop\s+same\s/);
    assert.match(r.stdout, /5 objects: 1 same, 2 differ, 2 missing\n$/);

    const json = await kubectlAmko(['diff', '--against', 'cluster2', '-o', 'json', ...flags()]);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout) as DiffReport;
    assert.deepEqual(
      [report.context, report.against, report.inSync],
      ['cluster1', 'cluster2', false],
    );
    assert.deepEqual(
      report.entries.map((e) => [e.kind, e.name, e.result, e.missingOn ?? '']),
      [
        ['GSLBConfig', 'gc-1', 'differs', ''],
        ['GlobalDeploymentPolicy', 'global-gdp', 'differs', ''],
        ['GSLBHostRule', 'only-here', 'missing', 'cluster2'],
        ['GSLBHostRule', 'only-there', 'missing', 'cluster1'],
        ['GSLBHostRule', 'shop', 'same', ''],
      ],
    );
  });

  it('exits 2 with one line for an unknown context', async () => {
    const r = await kubectlAmko(['diff', '--against', 'cluster9', ...flags()]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'kubectl-amko diff: context "cluster9" not found in the kubeconfig (contexts: cluster1, cluster2)\n',
    );
  });

  it('exits 2 with one line naming the cluster whose API server is down', async () => {
    await clusters.stopApiServer('cluster2');
    const r = await kubectlAmko(['diff', '--against', 'cluster2', ...flags()]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
    assert.match(
      r.stderr,
      /^kubectl-amko diff: cluster2: list GSLBConfig objects in avi-system: .*ECONNREFUSED/,
    );
    assert.equal(r.stdout, '');
  });
});
