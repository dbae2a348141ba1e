/**
 * The informer's initial list against a real kube-apiserver: read a page at a time (limit and
 * continue), each page reduced by the transform, the whole collection cached, and the watch
 * started from the list's snapshot. Pages are read as plain JSON (rawList), as amko reads them.
 */
import assert from 'node:assert/strict';
import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { listAllPages, ResilientInformer, type ListPage } from '../../src/shared/kube/informer.js';
import { classifyKubeError, kubeStatusOf } from '../../src/shared/kube/kube-errors.js';
import { rawList } from '../../src/shared/kube/raw-list.js';
import { ManualClock } from '../../src/shared/kube/manual-clock.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { startClusters, type ClusterSet } from '../support/clusters.js';
import { eventually } from '../support/eventually.js';

const NS = 'pages';

describe('informer: the initial list is read in pages', function () {
  this.timeout(120_000);
  let clusters: ClusterSet;

  before(async () => {
    clusters = await startClusters({ n: 1 });
  });

  after(async () => {
    await clusters?.stop();
  });

  it('asks for pages of pageSize, caches every object transformed, and watches from there', async () => {
    const core = clusters.kubeConfig('cluster1').makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    for (let i = 0; i < 7; i++) {
      await core.createNamespacedConfigMap({
        namespace: NS,
        body: { metadata: { name: `cm${i}` }, data: { big: 'x'.repeat(1000), i: String(i) } },
      });
    }
    const total = (await core.listConfigMapForAllNamespaces()).items.length;
    const asked: ListPage[] = [];
    const raw = rawList<V1ConfigMap>(clusters.kubeConfig('cluster1'), '/api/v1/configmaps');
    const informer = new ResilientInformer<V1ConfigMap>({
      kubeConfig: clusters.kubeConfig('cluster1'),
      path: '/api/v1/configmaps',
      list: (page) => {
        asked.push(page);
        return raw(page);
      },
      pageSize: 3,
      // Keeps the name, namespace, resourceVersion and only the `i` entry.
      transform: (cm) => ({
        metadata: {
          name: cm.metadata?.name ?? '',
          namespace: cm.metadata?.namespace ?? '',
          resourceVersion: cm.metadata?.resourceVersion ?? '',
        },
        data: { i: cm.data?.['i'] ?? '' },
      }),
      clock: new ManualClock(),
      log: silentLogger(),
      name: 'cluster1/configmaps',
    });
    informer.start();
    try {
      await informer.waitForSync();
      assert.equal(asked.length, Math.ceil(total / 3), `${total} config maps in pages of 3`);
      assert.ok(asked.every((p) => p.limit === 3));
      assert.equal(asked[0]?._continue, undefined);
      assert.ok(asked.slice(1).every((p) => typeof p._continue === 'string' && p._continue));
      assert.equal(informer.list().length, total);
      const mine = informer
        .list(NS)
        .map((cm) => [cm.metadata?.name, cm.data])
        .sort();
      assert.deepEqual(
        mine,
        Array.from({ length: 7 }, (_, i) => [`cm${i}`, { i: String(i) }]),
        'each object transformed as its page arrived',
      );
      // The watch starts from the list's snapshot: a later object arrives, and nothing is relisted.
      await core.createNamespacedConfigMap({
        namespace: NS,
        body: { metadata: { name: 'after' }, data: { i: 'later' } },
      });
      await eventually(() => informer.get('after', NS)?.data?.['i'] === 'later', {
        what: 'the object created after the list',
      });
      assert.equal(asked.length, Math.ceil(total / 3), 'no second list');
    } finally {
      await informer.stop();
    }
  });

  it('reads a page as the server sent it, and a refusal as an error carrying its status', async () => {
    const kc = clusters.kubeConfig('cluster1');
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'plain' } } });
    for (let i = 0; i < 3; i++) {
      await core.createNamespacedConfigMap({
        namespace: 'plain',
        body: { metadata: { name: `cm${i}` }, data: { i: String(i) } },
      });
    }
    const list = rawList<V1ConfigMap>(kc, '/api/v1/namespaces/plain/configmaps');
    const first = await list({ limit: 2 });
    assert.equal(first.items.length, 2);
    const meta = first.metadata as { continue?: string; resourceVersion?: string };
    assert.ok(meta.continue, 'the continue token, under its JSON name');
    assert.equal(
      typeof first.items[0]?.metadata?.creationTimestamp,
      'string',
      'plain JSON: the timestamp is the text the server sent, not a parsed Date',
    );
    const all = await listAllPages(list, 2);
    assert.deepEqual(all.items.map((cm) => cm.metadata?.name).sort(), ['cm0', 'cm1', 'cm2']);
    assert.ok(all.metadata?.resourceVersion);

    const missing = rawList(kc, '/apis/nothing.example.com/v1/things');
    const err = await missing({}).then(
      () => assert.fail('a list of an unknown resource must fail'),
      (e: unknown) => e,
    );
    assert.equal(kubeStatusOf(err), 404);
    assert.equal(classifyKubeError(err, 'list things').code, 'KUBE_REJECTED');
  });
});
