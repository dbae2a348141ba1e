/**
 * The informer wrapper against a real kube-apiserver, as a user RBAC lets list config maps but
 * not watch them: every restart is refused at the watch, and the restarts must back off.
 */
import assert from 'node:assert/strict';
import { CoreV1Api, RbacAuthorizationV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import type { Clock } from '../../src/shared/clock.js';
import { ResilientInformer } from '../../src/shared/kube/informer.js';
import { ManualClock } from '../../src/shared/kube/manual-clock.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { startClusters, type ClusterSet } from '../support/clusters.js';
import { eventually } from '../support/eventually.js';
import { makeUserCert } from '../support/kube-pki.js';

const USER = 'list-only';

describe('informer: restarts back off when the watch is forbidden', function () {
  this.timeout(120_000);
  let clusters: ClusterSet;

  before(async () => {
    clusters = await startClusters({ n: 1 });
    const admin = clusters.kubeConfig('cluster1');
    await admin.makeApiClient(CoreV1Api).createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'listed' }, data: { k: 'v' } },
    });
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createClusterRole({
      body: {
        metadata: { name: USER },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }],
      },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: USER },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: USER },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: USER }],
      },
    });
  });

  after(async () => {
    await clusters?.stop();
  });

  it('doubles the delay between restarts up to the cap, and lists only once', async () => {
    const kc = clusters.kubeConfigAs('cluster1', await makeUserCert(clusters.dir, USER));
    const core = kc.makeApiClient(CoreV1Api);
    // The user may list: the precondition of the scenario.
    await eventually(() => core.listConfigMapForAllNamespaces());
    let lists = 0;
    const manual = new ManualClock();
    const sleeps: number[] = [];
    const clock: Clock = {
      now: () => manual.now(),
      sleep: (ms, signal) => {
        sleeps.push(ms);
        return manual.sleep(ms, signal);
      },
    };
    const informer = new ResilientInformer<V1ConfigMap>({
      kubeConfig: kc,
      path: '/api/v1/configmaps',
      list: (page) => {
        lists++;
        return core.listConfigMapForAllNamespaces(page);
      },
      clock,
      log: silentLogger(),
      name: 'cluster1/configmaps',
      minBackoffMs: 500,
      maxBackoffMs: 4_000,
      // A draw of 0 takes the jitter out: each delay is its ceiling.
      random: () => 0,
    });
    informer.start();
    try {
      // Each round: the run ends with the watch refused, then the informer sleeps its backoff on
      // the clock; moving the clock to the end of that sleep starts the next round.
      for (let round = 1; round <= 6; round++) {
        await eventually(() => manual.pending === 1 && sleeps.length === round, {
          timeoutMs: 30_000,
          what: `restart ${round} waiting on the clock`,
        });
        assert.match(informer.lastError ?? '', /forbidden/i);
        assert.equal(informer.healthy, false);
        manual.advance((manual.nextWakeAt ?? manual.now()) - manual.now());
      }
      await eventually(() => sleeps.length === 7, { what: 'the seventh restart' });
    } finally {
      await informer.stop();
    }
    assert.deepEqual(sleeps, [500, 1_000, 2_000, 4_000, 4_000, 4_000, 4_000]);
    assert.equal(lists, 1, 'the refused watch is retried from the listed version, not relisted');
    assert.equal(informer.get('listed', 'default')?.data?.['k'], 'v', 'the list filled the cache');
  });
});
