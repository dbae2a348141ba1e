/**
 * `kubectl amko promote` and `status` across the members of a federation: three real
 * kube-apiservers, each with its AMKOCluster; the built plugin run as a child process reads every
 * member through its kubeconfig context. No amko runs: the test writes the statuses amko would.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { PromoteResult } from '../../src/cli/role-command.js';
import type { StatusReport } from '../../src/cli/status-report.js';
import {
  AMKO_CLUSTER,
  type AmkoCluster,
  type AmkoClusterStatus,
} from '../../src/shared/crd/amko-cluster.js';
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import { startClusters, type ClusterSet } from '../support/clusters.js';
import { kubectlAmko } from '../support/kubectl-amko.js';

const NAME = 'amkocluster-federation';
const MEMBERS = ['cluster1', 'cluster2', 'cluster3'];

const ref = {
  group: AMKO_CLUSTER.group,
  version: AMKO_CLUSTER.version,
  plural: AMKO_CLUSTER.plural,
  namespace: AVI_SYSTEM,
};

describe('kubectl amko promote / status across the members', function () {
  let clusters: ClusterSet;
  const api = (c: string): CustomObjectsApi =>
    clusters.kubeConfig(c).makeApiClient(CustomObjectsApi);
  const flags = (): string[] => ['--kubeconfig', clusters.kubeconfigPath, '--context', 'cluster1'];

  const read = async (c: string): Promise<AmkoCluster> =>
    (await api(c).getNamespacedCustomObject({ ...ref, name: NAME })) as AmkoCluster;

  /** A fresh AMKOCluster on `c` with the flag and the status amko would have written. */
  async function put(c: string, isLeader: boolean, status: AmkoClusterStatus): Promise<void> {
    await api(c)
      .deleteNamespacedCustomObject({ ...ref, name: NAME })
      .catch(() => undefined);
    await api(c).createNamespacedCustomObject({
      ...ref,
      body: {
        apiVersion: AMKO_CLUSTER.apiVersion,
        kind: AMKO_CLUSTER.kind,
        metadata: { name: NAME },
        spec: { isLeader, clusterContext: c, version: '0.1.0', clusters: MEMBERS },
      },
    });
    await api(c).patchNamespacedCustomObjectStatus(
      { ...ref, name: NAME, body: { status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /** cluster2 leads at epoch 5, head 40; cluster3 applied 40, cluster1 only 30. */
  async function federation(leader: AmkoClusterStatus['role'] = 'leader'): Promise<void> {
    await put('cluster2', true, {
      role: leader,
      epoch: 5,
      leader: 'cluster2',
      revision: 40,
      members: [
        { cluster: 'cluster1', appliedRevision: 30, lag: 10 },
        { cluster: 'cluster3', appliedRevision: 40, lag: 0 },
      ],
    });
    await put('cluster1', false, { role: 'follower', epoch: 5, leader: 'cluster2', revision: 30 });
    await put('cluster3', false, { role: 'follower', epoch: 5, leader: 'cluster2', revision: 40 });
  }

  before(async () => {
    clusters = await startClusters({ n: 3 });
  });

  after(async () => {
    await clusters.stop();
  });

  it('promote refuses while another member leads, says what it saw, and changes nothing', async () => {
    await federation();
    const before = await read('cluster1');
    const r = await kubectlAmko(['promote', '--yes', '--wait', '0', ...flags()]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stderr,
      /^kubectl-amko promote: refusing to promote cluster1: cluster2 reports role leader at epoch 5 \(status written \S+ ago\) and is not fenced; demote it first/,
    );
    assert.match(r.stderr, /--force/);
    const after = await read('cluster1');
    assert.equal(after.spec?.isLeader, false);
    assert.equal(after.metadata?.resourceVersion, before.metadata?.resourceVersion, 'untouched');
  });

  it('promote shows every position, marks the most up to date, and names the catch-up source', async () => {
    await federation();
    const r = await kubectlAmko(['promote', '--yes', '--force', '--wait', '0', ...flags()]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout;
    assert.match(out, /^MEMBER\s+ROLE\s+LEADER\s+EPOCH\s+APPLIED\s+HEARS-LEADER\s+FROM\n/);
    assert.match(out, /\ncluster1\s+follower\s+cluster2\s+5\s+30\s+-\s+own-status\n/);
    assert.match(out, /\ncluster2 \*\s+leader\s+cluster2\s+5\s+40\s+-\s+own-status\n/);
    assert.match(out, /\ncluster3 \*\s+follower\s+cluster2\s+5\s+40\s+-\s+own-status\n/);
    assert.match(
      out,
      /cluster1 is behind cluster3 \(revision 30 of cluster2's log at epoch 5 < revision 40 of cluster2's log at epoch 5\): on promotion it will first catch up from cluster3/,
    );
    assert.match(
      out,
      /warning: cluster2 reports role leader at epoch 5 .*promoting cluster1 anyway \(--force\)/,
    );
    assert.equal((await read('cluster1')).spec?.isLeader, true);
  });

  it('promote -o json carries the positions, the catch-up source and the other leader', async () => {
    await federation();
    const r = await kubectlAmko([
      'promote',
      '-o',
      'json',
      '-y',
      '--force',
      '--wait',
      '0',
      ...flags(),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as PromoteResult;
    assert.equal(doc.result, 'requested');
    assert.equal(doc.cluster, 'cluster1');
    assert.deepEqual(
      doc.members.map((m) => [m.cluster, m.source, m.role, m.epoch, m.revision, m.mostUpToDate]),
      [
        ['cluster1', 'own-status', 'follower', 5, 30, false],
        ['cluster2', 'own-status', 'leader', 5, 40, true],
        ['cluster3', 'own-status', 'follower', 5, 40, true],
      ],
    );
    assert.deepEqual(doc.mostUpToDate, ['cluster2', 'cluster3']);
    assert.equal(doc.catchUpFrom, 'cluster3');
    assert.deepEqual(
      doc.otherLeaders.map((l) => [l.cluster, l.epoch, l.role]),
      [['cluster2', 5, 'leader']],
    );
    assert.ok(Date.parse(doc.otherLeaders[0]?.statusTime ?? '') > 0, 'status time read');
  });

  it('promote goes ahead when the other leader is fenced, and without catch-up when none is ahead', async () => {
    await federation('fenced');
    await put('cluster3', false, { role: 'follower', epoch: 5, leader: 'cluster2', revision: 20 });
    const r = await kubectlAmko(['promote', '--yes', '--wait', '0', ...flags()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /cluster1 is not behind any follower: no catch-up needed/);
    assert.doesNotMatch(r.stdout, /warning/);
    assert.equal((await read('cluster1')).spec?.isLeader, true);
  });

  it('promote does not count a leader whose status is older than --stale-after', async () => {
    await federation();
    const r = await kubectlAmko([
      'promote',
      '--yes',
      '--stale-after',
      '1ms',
      '--wait',
      '0',
      ...flags(),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /note: cluster2 reports role leader at epoch 5 \(status written \S+ ago\), older than --stale-after: not counted as leading/,
    );
    assert.equal((await read('cluster1')).spec?.isLeader, true);
  });

  it('status -o json shows every member position, the most up-to-date one marked', async () => {
    await federation();
    const r = await kubectlAmko(['status', '-o', 'json', ...flags()]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as StatusReport;
    assert.deepEqual(
      report.positions.map((p) => [p.cluster, p.role, p.leader, p.epoch, p.revision]),
      [
        ['cluster1', 'follower', 'cluster2', 5, 30],
        ['cluster2', 'leader', 'cluster2', 5, 40],
        ['cluster3', 'follower', 'cluster2', 5, 40],
      ],
    );
    assert.deepEqual(report.mostUpToDate, ['cluster2', 'cluster3']);
  });

  it('status falls back to what the leader reports for a member whose API server is down', async () => {
    await federation();
    await clusters.stopApiServer('cluster3');
    try {
      const r = await kubectlAmko(['status', '--peer-timeout', '10s', ...flags()]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\ncluster3 \*\s+follower\s+cluster2\s+5\s+40\s+-\s+leader-status\n/);
      assert.match(r.stdout, /\ncluster2 \*\s+leader\s+cluster2\s+5\s+40\s+-\s+own-status\n/);
      assert.match(r.stdout, /\* most up to date/);
    } finally {
      await clusters.startApiServer('cluster3');
    }
  });

  it('a kubeconfig without a member context shows that member as unknown, with the reason', async () => {
    await federation();
    const file = path.join(clusters.dir, 'only-cluster1.kubeconfig');
    await writeFile(file, clusters.kubeconfigYaml(['cluster1']), { mode: 0o600 });
    const r = await kubectlAmko(['status', '--kubeconfig', file, '--context', 'cluster1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /\ncluster3\s+-\s+-\s+-\s+-\s+-\s+unreachable: context "cluster3" not found/,
    );
  });
});
