/**
 * `kubectl amko status`, the built plugin run as a child process against a real kube-apiserver:
 * the AMKOCluster's role, epoch, members and conditions, and the GSLB objects' status, as text
 * and as JSON; the kubeconfig from the flag or from $KUBECONFIG; one-line errors.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { AMKO_CLUSTER } from '../../src/shared/crd/amko-cluster.js';
import { AVI_SYSTEM, type CrdResource } from '../../src/shared/crd/common.js';
import { GLOBAL_DEPLOYMENT_POLICY } from '../../src/shared/crd/global-deployment-policy.js';
import { GSLB_CONFIG } from '../../src/shared/crd/gslb-config.js';
import { GSLB_HOST_RULE } from '../../src/shared/crd/gslb-host-rule.js';
import type { StatusReport } from '../../src/cli/status-report.js';
import { startClusters, type ClusterSet } from '../support/clusters.js';
import { freePort } from '../support/managed-process.js';
import { repoRoot } from '../support/tools.js';

const CLI = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built kubectl-amko with only PATH, HOME and `extraEnv`; never throws on a non-zero exit. */
function kubectlAmko(cliArgs: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const command = process.execPath;
  const args = [CLI, ...cliArgs];
  const env = { PATH: process.env['PATH'], HOME: process.env['HOME'], ...extraEnv };
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

async function createWithStatus(
  kc: KubeConfig,
  res: CrdResource,
  body: { metadata: { name: string; namespace?: string; annotations?: Record<string, string> } } & {
    spec: unknown;
  },
  status: Record<string, unknown>,
): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const namespace = body.metadata.namespace ?? AVI_SYSTEM;
  const ref = { group: res.group, version: res.version, plural: res.plural, namespace };
  await api.createNamespacedCustomObject({
    ...ref,
    body: { apiVersion: res.apiVersion, kind: res.kind, ...body },
  });
  await api.patchNamespacedCustomObjectStatus(
    { ...ref, name: body.metadata.name, body: { status } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

describe('kubectl amko status', function () {
  let clusters: ClusterSet;
  let kc: KubeConfig;
  let dir: string;
  const flags = (): string[] => ['--kubeconfig', clusters.kubeconfigPath, '--context', 'cluster1'];

  before(async () => {
    clusters = await startClusters({ n: 1 });
    kc = clusters.kubeConfig('cluster1');
    dir = mkdtempSync(path.join(tmpdir(), 'amko-cli-status-'));
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'shop' } } });
    await createWithStatus(
      kc,
      AMKO_CLUSTER,
      {
        metadata: { name: 'amkocluster-federation' },
        spec: {
          isLeader: true,
          clusterContext: 'cluster1',
          version: '0.1.0',
          clusters: ['cluster1', 'cluster2', 'cluster3'],
        },
      },
      {
        role: 'leader',
        epoch: 4,
        leader: 'cluster1',
        inSync: '1/2',
        revision: 57,
        members: [
          {
            cluster: 'cluster2',
            appliedRevision: 57,
            lag: 0,
            lastAckTime: '2025-06-01T10:00:00Z',
          },
          { cluster: 'cluster3', appliedRevision: 50, lag: 7, lastError: 'connection refused' },
        ],
        conditions: [
          { type: 'current AMKOCluster Validation', status: 'valid AMKOCluster object' },
          {
            type: 'GDP Federation',
            status: 'error in federating to some clusters',
            reason: 'cluster3 unreachable',
          },
        ],
      },
    );
    await createWithStatus(
      kc,
      GSLB_CONFIG,
      {
        metadata: {
          name: 'gc-1',
          annotations: { 'amko.vmware.com/amko-uuid': '6f1c2d3e-4a5b-11ef-9c8d-0242ac120002' },
        },
        spec: { gslbLeader: { controllerIP: '10.10.10.10', credentials: 'gslb-avi-secret' } },
      },
      { state: 'success: gslb config accepted' },
    );
    await createWithStatus(
      kc,
      GLOBAL_DEPLOYMENT_POLICY,
      { metadata: { name: 'global-gdp' }, spec: { matchClusters: [{ cluster: 'cluster1' }] } },
      { errorStatus: 'success' },
    );
    await createWithStatus(
      kc,
      GSLB_HOST_RULE,
      { metadata: { name: 'shop-rule', namespace: 'shop' }, spec: { fqdn: 'shop.example.com' } },
      { status: 'Rejected', error: "there's an existing GSLBHostRule for the same FQDN" },
    );
  });

  after(async () => {
    await clusters.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints role, epoch, leader, in-sync, members, conditions and the objects', async () => {
    const r = await kubectlAmko(['status', ...flags()]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const out = r.stdout;
    assert.match(out, /^AMKOCluster avi-system\/amkocluster-federation on context cluster1\n/);
    assert.match(out, /role:\s+leader\n/);
    assert.match(out, /epoch:\s+4\n/);
    assert.match(out, /leader:\s+cluster1\n/);
    assert.match(out, /in sync:\s+1\/2\n/);
    assert.match(out, /cluster2\s+57\s+0\s+2025-06-01T10:00:00Z\s+-\n/);
    assert.match(out, /cluster3\s+50\s+7\s+-\s+connection refused\n/);
    assert.match(
      out,
      /GDP Federation\s+error in federating to some clusters\s+cluster3 unreachable/,
    );
    assert.match(out, /avi-system\/gc-1\s+10\.10\.10\.10\s+success: gslb config accepted/);
    assert.match(out, /avi-system\/global-gdp\s+success/);
    assert.match(out, /shop\/shop-rule\s+shop\.example\.com\s+Rejected\s+there's an existing/);
  });

  it('prints the same as JSON with -o json, using $KUBECONFIG', async () => {
    const r = await kubectlAmko(['status', '-o', 'json', '--context', 'cluster1'], {
      KUBECONFIG: clusters.kubeconfigPath,
    });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as StatusReport;
    assert.equal(report.context, 'cluster1');
    assert.equal(report.amkoCluster.role, 'leader');
    assert.equal(report.amkoCluster.epoch, 4);
    assert.equal(report.amkoCluster.isLeader, true);
    assert.deepEqual(
      report.amkoCluster.members.map((m) => [m.cluster, m.appliedRevision, m.lag]),
      [
        ['cluster2', 57, 0],
        ['cluster3', 50, 7],
      ],
    );
    assert.equal(report.gslbConfigs[0]?.amkoUuid, '6f1c2d3e-4a5b-11ef-9c8d-0242ac120002');
    assert.equal(report.globalDeploymentPolicies[0]?.errorStatus, 'success');
    assert.deepEqual(
      report.gslbHostRules.map((g) => [g.namespace, g.name, g.status]),
      [['shop', 'shop-rule', 'Rejected']],
    );
  });

  it('fails in one line on an unknown context (exit 2)', async () => {
    const r = await kubectlAmko([
      'status',
      '--kubeconfig',
      clusters.kubeconfigPath,
      '--context',
      'nope',
    ]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'kubectl-amko status: context "nope" not found in the kubeconfig (contexts: cluster1)\n',
    );
    assert.equal(r.stdout, '');
  });

  it('fails in one line when the API server cannot be reached (exit 1)', async () => {
    const dead = path.join(dir, 'dead-kubeconfig');
    const port = await freePort();
    writeFileSync(
      dead,
      clusters
        .kubeconfigYaml()
        .replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${port}`),
    );
    const r = await kubectlAmko(['status', '--kubeconfig', dead]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
    assert.match(
      r.stderr,
      /^kubectl-amko status: cluster1: list AMKOCluster objects in avi-system: .*ECONNREFUSED/,
    );
  });

  it('says when there is no AMKOCluster (exit 1)', async () => {
    await kc.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({
      group: AMKO_CLUSTER.group,
      version: AMKO_CLUSTER.version,
      plural: AMKO_CLUSTER.plural,
      namespace: AVI_SYSTEM,
      name: 'amkocluster-federation',
    });
    const r = await kubectlAmko(['status', ...flags()]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'kubectl-amko status: no AMKOCluster in avi-system on cluster1: is the amko chart installed there?\n',
    );
  });
});
