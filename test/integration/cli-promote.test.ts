/**
 * `kubectl amko promote` and `demote`, the built plugin run as a child process against a real
 * kube-apiserver. No amko runs here: the test plays amko's part, writing the AMKOCluster status
 * through the status subresource once it has seen the plugin's patch.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CustomObjectsApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import {
  AMKO_CLUSTER,
  type AmkoCluster,
  type AmkoClusterStatus,
} from '../../src/shared/crd/amko-cluster.js';
import { AVI_SYSTEM, type CrdResource } from '../../src/shared/crd/common.js';
import { GSLB_CONFIG, type GslbConfig } from '../../src/shared/crd/gslb-config.js';
import { parse } from 'yaml';
import type { PromoteResult } from '../../src/cli/role-command.js';
import { startClusters, type ClusterSet } from '../support/clusters.js';
import { eventually } from '../support/eventually.js';
import { makeUserCert } from '../support/kube-pki.js';
import { repoRoot } from '../support/tools.js';
import { kubectlAmko, type Run } from '../support/kubectl-amko.js';

const CLI = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const NAME = 'amkocluster-federation';
const OLD_IP = '10.1.1.1';
const NEW_IP = '10.2.2.2';
const AMKO_GROUP = AMKO_CLUSTER.group;

/**
 * Runs the built kubectl-amko on a pseudo-terminal (util-linux `script`), typing `input`: the
 * plugin sees a terminal on stdin, as when a person runs it.
 */
function kubectlAmkoOnTerminal(args: readonly string[], input: string): Promise<Run> {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`);
  const child = spawn('script', ['-q', '-e', '-c', quoted.join(' '), '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, ...out });
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
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('kubectl amko promote / demote', function () {
  let clusters: ClusterSet;
  let api: CustomObjectsApi;
  let kc: KubeConfig;
  const flags = (): string[] => ['--kubeconfig', clusters.kubeconfigPath, '--context', 'cluster1'];
  /** Promotions here are confirmed with --yes (the plugin's stdin is not a terminal). */
  const promoteFlags = (): string[] => [...flags(), '--yes'];

  const amkoCluster = async (): Promise<AmkoCluster> =>
    (await api.getNamespacedCustomObject({ ...ref(AMKO_CLUSTER), name: NAME })) as AmkoCluster;
  const controllerIp = async (): Promise<string | undefined> =>
    ((await api.getNamespacedCustomObject({ ...ref(GSLB_CONFIG), name: 'gc-1' })) as GslbConfig)
      .spec?.gslbLeader?.controllerIP;
  const gslbConfig = async (): Promise<GslbConfig> =>
    (await api.getNamespacedCustomObject({ ...ref(GSLB_CONFIG), name: 'gc-1' })) as GslbConfig;
  /** A kubeconfig file for a new user that RBAC allows only `rules` in avi-system. */
  async function userKubeconfig(
    user: string,
    rules: { resources: string[]; verbs: string[] }[],
  ): Promise<string> {
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const meta = { name: user, namespace: AVI_SYSTEM };
    await rbac.createNamespacedRole({
      namespace: AVI_SYSTEM,
      body: { metadata: meta, rules: rules.map((r) => ({ apiGroups: [AMKO_GROUP], ...r })) },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: AVI_SYSTEM,
      body: {
        metadata: meta,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: user },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      },
    });
    const file = path.join(clusters.dir, `${user}.kubeconfig`);
    const userKc = clusters.kubeConfigAs('cluster1', await makeUserCert(clusters.dir, user));
    await writeFile(file, userKc.exportConfig(), { mode: 0o600 });
    return file;
  }
  /** Writes the AMKOCluster status as amko does: through the status subresource. */
  const writeStatus = async (status: AmkoClusterStatus): Promise<void> => {
    await api.patchNamespacedCustomObjectStatus(
      { ...ref(AMKO_CLUSTER), name: NAME, body: { status } },
      mergePatch,
    );
  };
  const setControllerIp = async (ip: string): Promise<void> => {
    await api.patchNamespacedCustomObject(
      { ...ref(GSLB_CONFIG), name: 'gc-1', body: { spec: { gslbLeader: { controllerIP: ip } } } },
      mergePatch,
    );
  };
  /** Waits until the plugin's patch of spec.isLeader is stored. */
  const seeIsLeader = (want: boolean): Promise<unknown> =>
    eventually(async () => (await amkoCluster()).spec?.isLeader === want, {
      timeoutMs: 60_000,
      what: `spec.isLeader ${want}`,
    });

  /** A fresh AMKOCluster with the given flag and status, and gc-1 pointing at OLD_IP. */
  async function reset(isLeader: boolean, status: AmkoClusterStatus): Promise<void> {
    for (const [res, name] of [
      [AMKO_CLUSTER, NAME],
      [GSLB_CONFIG, 'gc-1'],
    ] as const) {
      await api.deleteNamespacedCustomObject({ ...ref(res), name }).catch(() => undefined);
    }
    await api.createNamespacedCustomObject({
      ...ref(AMKO_CLUSTER),
      body: {
        apiVersion: AMKO_CLUSTER.apiVersion,
        kind: AMKO_CLUSTER.kind,
        metadata: { name: NAME },
        spec: {
          isLeader,
          clusterContext: 'cluster1',
          version: '0.1.0',
          clusters: ['cluster1', 'cluster2'],
        },
      },
    });
    await writeStatus(status);
    await api.createNamespacedCustomObject({
      ...ref(GSLB_CONFIG),
      body: {
        apiVersion: GSLB_CONFIG.apiVersion,
        kind: GSLB_CONFIG.kind,
        metadata: { name: 'gc-1' },
        spec: { gslbLeader: { controllerIP: OLD_IP, credentials: 'gslb-avi-secret' } },
      },
    });
  }

  const follower: AmkoClusterStatus = { role: 'follower', epoch: 4, leader: 'cluster2' };

  before(async () => {
    clusters = await startClusters({ n: 1 });
    kc = clusters.kubeConfig('cluster1');
    api = kc.makeApiClient(CustomObjectsApi);
  });

  after(async () => {
    await clusters.stop();
  });

  it('promote --controller-ip sets controllerIP, then isLeader, and prints the new epoch', async () => {
    await reset(false, follower);
    const gcBefore = await gslbConfig();
    const running = kubectlAmko([
      'promote',
      '--controller-ip',
      NEW_IP,
      '--wait',
      '30s',
      ...promoteFlags(),
    ]);
    await seeIsLeader(true);
    // resourceVersions are opaque: they only tell whether an object changed. The order of the
    // two patches is shown by the next test, where the first one is refused.
    const gc = await gslbConfig();
    assert.equal(gc.spec?.gslbLeader?.controllerIP, NEW_IP);
    assert.notEqual(gc.metadata?.resourceVersion, gcBefore.metadata?.resourceVersion);
    await writeStatus({ role: 'leader', epoch: 5, leader: 'cluster1' });
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(r.stdout.trimEnd().split('\n').slice(-3), [
      `gc-1: controllerIP set to ${NEW_IP}`,
      'amkocluster-federation: isLeader set to true on cluster1; waiting up to 30s',
      'cluster1 is the leader at epoch 5 (was 4)',
    ]);
  });

  it('promote --controller-ip leaves isLeader alone when it may not set controllerIP', async () => {
    await reset(false, follower);
    const kubeconfig = await userKubeconfig('no-gslbconfig-patch', [
      { resources: ['amkoclusters', 'amkoclusters/status'], verbs: ['get', 'list', 'patch'] },
      { resources: ['gslbconfigs'], verbs: ['get', 'list'] },
    ]);
    const before = await amkoCluster();
    const r = await kubectlAmko([
      'promote',
      '--controller-ip',
      NEW_IP,
      '--wait',
      '5s',
      '--kubeconfig',
      kubeconfig,
      '--context',
      'cluster1',
      '--yes',
    ]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /gslbconfig|GSLBConfig/i);
    const after = await amkoCluster();
    assert.equal(after.spec?.isLeader, false);
    assert.equal(after.metadata?.resourceVersion, before.metadata?.resourceVersion, 'untouched');
    assert.equal(await controllerIp(), OLD_IP);
  });

  it('promote does not take a stale leader status at the old epoch for the new leadership', async () => {
    await reset(false, { role: 'leader', epoch: 4, leader: 'cluster1' });
    const running = kubectlAmko(['promote', '--wait', '30s', ...promoteFlags()]);
    await seeIsLeader(true);
    await writeStatus({ role: 'follower', epoch: 4, message: 'promoting' });
    await writeStatus({ role: 'leader', epoch: 7, leader: 'cluster1' });
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /cluster1 is the leader at epoch 7 \(was 4\)\n$/);
  });

  it('promote sets controllerIP again when the follower reverted it during the promotion', async () => {
    await reset(false, follower);
    const running = kubectlAmko([
      'promote',
      '--controller-ip',
      NEW_IP,
      '--wait',
      '30s',
      ...promoteFlags(),
    ]);
    await seeIsLeader(true);
    await setControllerIp(OLD_IP); // what a follower's drift repair does to a replica
    await writeStatus({ role: 'leader', epoch: 5, leader: 'cluster1' });
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /gc-1: controllerIP was reverted during the promotion; setting it again\n/,
    );
    assert.equal(await controllerIp(), NEW_IP);
  });

  it('promote fails in one line when the cluster ends up fenced', async () => {
    await reset(false, follower);
    const running = kubectlAmko(['promote', '--wait', '30s', ...promoteFlags()]);
    await seeIsLeader(true);
    await writeStatus({
      role: 'fenced',
      epoch: 6,
      leader: 'cluster2',
      message: 'cluster2 leads at a higher epoch',
    });
    const r = await running;
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'kubectl-amko promote: cluster1 is fenced: superseded by cluster2, epoch 6: cluster2 leads at a higher epoch\n',
    );
  });

  it('promote times out in one line when amko never reports the new role', async () => {
    await reset(false, follower);
    const r = await kubectlAmko(['promote', '--wait', '2s', ...promoteFlags()]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'kubectl-amko promote: timed out after 2s waiting for cluster1 to report role leader at an epoch above 4 ' +
        '(last seen: role follower, epoch 4); is amko running there?\n',
    );
    assert.equal((await amkoCluster()).spec?.isLeader, true, 'the flag was set');
  });

  it('promote refuses a fenced leader without changing anything', async () => {
    await reset(true, { role: 'fenced', epoch: 6, leader: 'cluster2' });
    const r = await kubectlAmko(['promote', '--controller-ip', NEW_IP, ...promoteFlags()]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^kubectl-amko promote: cluster1 is fenced \(superseded by cluster2, epoch 6\); demote it first/,
    );
    assert.equal(await controllerIp(), OLD_IP);
  });

  it('promote on the leader says so and returns at once', async () => {
    await reset(true, { role: 'leader', epoch: 4, leader: 'cluster1' });
    const r = await kubectlAmko(['promote', ...promoteFlags()]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'cluster1 is already the leader at epoch 4\n');
  });

  it('promote --wait 0 only patches', async () => {
    await reset(false, follower);
    const r = await kubectlAmko(['promote', '--wait', '0', ...promoteFlags()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /\namkocluster-federation: isLeader set to true on cluster1; not waiting\n$/,
    );
    assert.equal((await amkoCluster()).spec?.isLeader, true);
  });

  it('demote sets isLeader false and waits for role follower', async () => {
    await reset(true, { role: 'leader', epoch: 5, leader: 'cluster1' });
    const running = kubectlAmko(['demote', '--wait', '30s', ...flags()]);
    await seeIsLeader(false);
    await writeStatus({ role: 'follower', epoch: 6, leader: 'cluster2' });
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trimEnd().split('\n'), [
      'amkocluster-federation: isLeader set to false on cluster1; waiting up to 30s',
      'cluster1 is a follower of cluster2',
    ]);
  });

  it('demote times out in one line when amko never reports role follower', async () => {
    await reset(true, { role: 'leader', epoch: 5, leader: 'cluster1' });
    const r = await kubectlAmko(['demote', '--wait', '1500ms', ...flags()]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^kubectl-amko demote: timed out after 1\.5s waiting for cluster1 to report role follower \(last seen: role leader, epoch 5\); is amko running there\?\n$/,
    );
    assert.equal((await amkoCluster()).spec?.isLeader, false);
  });

  it('promote without a terminal and without --yes refuses and changes nothing', async () => {
    await reset(false, follower);
    const before = await amkoCluster();
    const r = await kubectlAmko(['promote', '--controller-ip', NEW_IP, ...flags()]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(
      r.stderr,
      /^kubectl-amko promote: refusing to promote cluster1 without confirmation: standard input is not a terminal; pass --yes/,
    );
    const after = await amkoCluster();
    assert.equal(after.spec?.isLeader, false);
    assert.equal(after.metadata?.resourceVersion, before.metadata?.resourceVersion, 'untouched');
    assert.equal(await controllerIp(), OLD_IP);
  });

  it('promote on a terminal goes ahead once the cluster name is typed', async () => {
    await reset(false, follower);
    const r = await kubectlAmkoOnTerminal(['promote', '--wait', '0', ...flags()], 'cluster1\n');
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /Type the cluster name \(cluster1\) to confirm: /);
    assert.match(r.stdout, /isLeader set to true on cluster1; not waiting/);
    assert.equal((await amkoCluster()).spec?.isLeader, true);
  });

  it('promote on a terminal stops when another name is typed', async () => {
    await reset(false, follower);
    const before = await amkoCluster();
    const r = await kubectlAmkoOnTerminal(['promote', '--wait', '0', ...flags()], 'cluster2\n');
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /not confirmed \(answer "cluster2" is not cluster1\): nothing changed/);
    const after = await amkoCluster();
    assert.equal(after.metadata?.resourceVersion, before.metadata?.resourceVersion, 'untouched');
  });

  it('promote -o json prints one parseable document; progress goes to stderr', async () => {
    await reset(false, follower);
    const running = kubectlAmko(['promote', '-o', 'json', '--wait', '30s', ...promoteFlags()]);
    await seeIsLeader(true);
    await writeStatus({ role: 'leader', epoch: 5, leader: 'cluster1' });
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as PromoteResult;
    assert.equal(doc.command, 'promote');
    assert.equal(doc.context, 'cluster1');
    assert.equal(doc.amkoCluster, NAME);
    assert.equal(doc.result, 'promoted');
    assert.deepEqual(doc.before, { role: 'follower', epoch: 4 });
    assert.deepEqual(doc.after, { role: 'leader', epoch: 5 });
    assert.deepEqual(
      doc.members.map((m) => [m.cluster, m.source, m.role, m.epoch]),
      [
        ['cluster1', 'own-status', 'follower', 4],
        ['cluster2', 'unknown', undefined, undefined],
      ],
    );
    assert.match(doc.members[1]?.error ?? '', /context "cluster2" not found/);
    assert.match(r.stderr, /isLeader set to true on cluster1/);
  });

  it('demote -o yaml prints one parseable document', async () => {
    await reset(true, { role: 'leader', epoch: 5, leader: 'cluster1' });
    const running = kubectlAmko(['demote', '-o', 'yaml', '--wait', '30s', ...flags()]);
    await seeIsLeader(false);
    await writeStatus({ role: 'follower', epoch: 6, leader: 'cluster2' });
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(parse(r.stdout), {
      command: 'demote',
      context: 'cluster1',
      amkoCluster: NAME,
      result: 'demoted',
      before: { role: 'leader', epoch: 5 },
      after: { role: 'follower', epoch: 6 },
      leader: 'cluster2',
    });
  });
});
