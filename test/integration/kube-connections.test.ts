/**
 * Requests to a real kube-apiserver share kept-alive connections: counted as this process's
 * established TCP sockets to the API server's port (/proc/net/tcp, matched to /proc/self/fd).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { startClusters, type ClusterSet } from '../support/clusters.js';

/** The inodes of this process's sockets. */
function ownSocketInodes(): Set<string> {
  const own = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m?.[1]) own.add(m[1]);
    } catch {
      // closed between readdir and readlink
    }
  }
  return own;
}

function readIfThere(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** This process's established TCP connections to `port` on loopback. */
function ownConnectionsTo(port: number): number {
  const own = ownSocketInodes();
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const lines = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((f) =>
    readIfThere(f).split('\n').slice(1),
  );
  // fields: [2] remote address:port, [3] state (01 = ESTABLISHED), [9] inode
  return lines
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[2]?.endsWith(hexPort) && f[3] === '01' && own.has(f[9] ?? '')).length;
}

describe('kube clients share connections', function () {
  this.timeout(120_000);
  let clusters: ClusterSet;
  let port: number;
  const gdp = {
    group: 'amko.vmware.com',
    version: 'v1alpha2',
    namespace: 'avi-system',
    plural: 'globaldeploymentpolicies',
  };

  before(async () => {
    clusters = await startClusters({ n: 1 });
    port = Number(new URL(clusters.kubeConfig('cluster1').getCurrentCluster()?.server ?? '').port);
  });

  after(async () => {
    await clusters?.stop();
  });

  it('100 sequential requests of two API clients use at most two connections', async () => {
    const kc = clusters.kubeConfig('cluster1');
    const before = ownConnectionsTo(port);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    for (let i = 0; i < 50; i++) {
      await custom.listNamespacedCustomObject(gdp);
      await core.readNamespace({ name: 'avi-system' });
    }
    const opened = ownConnectionsTo(port) - before;
    assert.ok(opened >= 1 && opened <= 2, `connections opened: ${opened}`);
  });

  it('20 requests in flight at once reuse their connections for the next 20', async () => {
    const kc = clusters.kubeConfig('cluster1');
    const custom = kc.makeApiClient(CustomObjectsApi);
    const before = ownConnectionsTo(port);
    await Promise.all(Array.from({ length: 20 }, () => custom.listNamespacedCustomObject(gdp)));
    const afterFirst = ownConnectionsTo(port);
    await Promise.all(Array.from({ length: 20 }, () => custom.listNamespacedCustomObject(gdp)));
    assert.ok(afterFirst - before <= 20, `first burst opened ${afterFirst - before}`);
    assert.equal(ownConnectionsTo(port), afterFirst, 'the second burst opened new connections');
  });

  it('a plain client-node KubeConfig opens a connection per request (why PooledKubeConfig exists)', async () => {
    const pooled = clusters.kubeConfig('cluster1');
    const plain = new KubeConfig();
    plain.loadFromOptions({
      clusters: pooled.clusters,
      users: pooled.users,
      contexts: pooled.contexts,
      currentContext: pooled.getCurrentContext(),
    });
    const custom = plain.makeApiClient(CustomObjectsApi);
    const before = ownConnectionsTo(port);
    for (let i = 0; i < 10; i++) await custom.listNamespacedCustomObject(gdp);
    assert.ok(ownConnectionsTo(port) - before >= 10);
  });
});
