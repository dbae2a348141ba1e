import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { startClusters, type ClusterSet } from '../support/clusters.js';
import { eventually } from '../support/eventually.js';
import { isAlive } from '../support/managed-process.js';

describe('cluster harness', function () {
  this.timeout(300_000);
  /** The set the first test starts and stops itself (stopped here only if it failed early). */
  let own: ClusterSet | undefined;
  /** Clusters shared by the other tests, started by whichever of them runs first. */
  let shared: ClusterSet | undefined;
  const clusters = async (): Promise<ClusterSet> =>
    (shared ??= await startClusters({ n: 2, openshift: ['cluster2'] }));

  after(async () => {
    await own?.stop();
    await shared?.stop();
  });

  it('starts two real clusters with our CRDs and avi-system, and leaves nothing behind', async () => {
    const started = await startClusters({ n: 2, openshift: ['cluster2'] });
    own = started;
    assert.deepEqual(started.contexts, ['cluster1', 'cluster2']);
    const pids = started.pids();
    assert.equal(pids.length, 4, 'one etcd and one kube-apiserver per cluster');
    for (const ctx of started.contexts) {
      const core = started.kubeConfig(ctx).makeApiClient(CoreV1Api);
      const ns = await core.readNamespace({ name: 'avi-system' });
      assert.equal(ns.metadata?.name, 'avi-system');
    }
    const dir = started.dir;
    await started.stop();
    own = undefined;
    for (const pid of pids) assert.equal(isAlive(pid), false, `process ${pid} still alive`);
    assert.equal(existsSync(dir), false, 'working directory removed');
  });

  it('installs the Route CRD only where a cluster plays OpenShift', async () => {
    const set = await clusters();
    const list = async (ctx: string): Promise<unknown> =>
      set.kubeConfig(ctx).makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
        group: 'route.openshift.io',
        version: 'v1',
        namespace: 'default',
        plural: 'routes',
      });
    await assert.rejects(list('cluster1'), /404|not found/i);
    const routes = (await list('cluster2')) as { items: unknown[] };
    assert.deepEqual(routes.items, []);
  });

  it('restarts one kube-apiserver by name and keeps its data', async () => {
    const set = await clusters();
    const core = (): CoreV1Api => set.kubeConfig('cluster1').makeApiClient(CoreV1Api);
    await core().createNamespace({ body: { metadata: { name: 'survivor' } } });
    await set.stopApiServer('cluster1');
    await assert.rejects(core().readNamespace({ name: 'survivor' }), (err: Error) => {
      assert.match(
        `${err.message} ${String((err.cause as Error | undefined)?.message)}`,
        /fetch failed|ECONNREFUSED/,
      );
      return true;
    });
    const other = set.kubeConfig('cluster2').makeApiClient(CoreV1Api);
    assert.equal((await other.readNamespace({ name: 'avi-system' })).metadata?.name, 'avi-system');
    await set.startApiServer('cluster1');
    const ns = await eventually(() => core().readNamespace({ name: 'survivor' }));
    assert.equal(ns.metadata?.name, 'survivor');
  });

  it('restarts one etcd by name and keeps its data', async () => {
    const set = await clusters();
    const core = set.kubeConfig('cluster2').makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'kept' } } });
    await set.stopEtcd('cluster2');
    await set.startEtcd('cluster2');
    const ns = await eventually(() => core.readNamespace({ name: 'kept' }), { timeoutMs: 60_000 });
    assert.equal(ns.metadata?.name, 'kept');
  });
});
