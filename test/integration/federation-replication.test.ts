import assert from 'node:assert/strict';
import { AMKO_UUID_ANNOTATION, AVI_SYSTEM } from '../../src/shared/crd/common.js';
import {
  REPLICA_EPOCH_ANNOTATION,
  REPLICA_OF_ANNOTATION,
  REPLICA_REVISION_ANNOTATION,
} from '../../src/shared/federation/federation-names.js';
import type { ReplicatedKind } from '../../src/shared/federation/replicated-kinds.js';
import { contentHash, contentOf } from '../../src/shared/federation/replicated-object.js';
import { toAmkoClusterStatus } from '../../src/leader/replicator/member-status.js';
import { eventually } from '../support/eventually.js';
import { FederationFixture, type Obj } from '../support/federation-fixture.js';

const GC = 'GSLBConfig';
const GDP = 'GlobalDeploymentPolicy';
const GHR = 'GSLBHostRule';
const gcKey = { namespace: AVI_SYSTEM, name: 'gc-1' };
const gdpKey = { namespace: AVI_SYSTEM, name: 'global-gdp' };
const ghrKey = { namespace: 'default', name: 'app-ghr' };

function hashOf(kind: string, o: Obj | undefined): string | undefined {
  return o ? contentHash(contentOf(kind as ReplicatedKind, o)) : undefined;
}

describe('federation: replication to followers through real kube-apiservers', function () {
  this.timeout(300_000);
  let f: FederationFixture;
  const followers = ['cluster2', 'cluster3'];

  /** Waits until every follower holds the leader's object (same content hash) or none at all. */
  async function converged(kind: string, key: { namespace: string; name: string }): Promise<void> {
    await eventually(
      async () => {
        const want = hashOf(kind, await f.get('cluster1', kind, key));
        for (const c of followers) {
          const got = hashOf(kind, await f.get(c, kind, key));
          assert.equal(got, want, `${c} ${kind} ${key.namespace}/${key.name}`);
        }
      },
      { timeoutMs: 30_000, what: `${kind} replicated` },
    );
  }

  before(async () => {
    f = await FederationFixture.start(3);
    for (const c of followers) await f.startFollower(c);
    await f.create('cluster1', GC, {
      metadata: {
        ...gcKey,
        annotations: { [AMKO_UUID_ANNOTATION]: 'uuid-1234' },
        labels: { site: 'a' },
      },
      spec: {
        gslbLeader: {
          credentials: 'gslb-avi-secret',
          controllerVersion: '22.1.3',
          controllerIP: '10.0.0.1',
        },
        memberClusters: [{ clusterContext: 'cluster1' }, { clusterContext: 'cluster2' }],
        refreshInterval: 60,
      },
    });
    await f.startLeader('cluster1', 1, followers);
  });

  after(async () => {
    await f?.stop();
  });

  it('copies what existed before the leader started, uuid annotation included, with replica marks', async () => {
    await converged(GC, gcKey);
    for (const c of followers) {
      const replica = await f.get(c, GC, gcKey);
      const a = replica?.metadata?.annotations ?? {};
      assert.equal(a[AMKO_UUID_ANNOTATION], 'uuid-1234');
      assert.equal(a[REPLICA_OF_ANNOTATION], 'cluster1');
      assert.equal(a[REPLICA_EPOCH_ANNOTATION], '1');
      assert.ok(Number(a[REPLICA_REVISION_ANNOTATION]) >= 1);
      assert.equal(replica?.metadata?.labels?.['site'], 'a');
    }
  });

  it('persists the epoch in each follower AMKOCluster status before acking', async () => {
    const leader = f.node('cluster1').replicator!;
    await eventually(() => {
      const acked = leader.status().members.filter((m) => m.lastAckAt !== undefined);
      assert.deepEqual(
        acked.map((m) => m.cluster),
        followers,
      );
    });
    // Every follower has acked: its epoch must already be on record, with no waiting.
    for (const c of followers) {
      const amko = await f.amkoCluster(c);
      assert.equal(amko.status?.highestEpochSeen, 1);
      assert.equal(amko.status?.leader, 'cluster1');
    }
  });

  it('replicates GDP and GSLBHostRule creates, updates and deletes', async () => {
    await f.create('cluster1', GDP, {
      metadata: gdpKey,
      spec: {
        matchRules: { appSelector: { label: { app: 'gslb' } } },
        matchClusters: [{ cluster: 'cluster1' }],
        ttl: 30,
      },
    });
    await f.create('cluster1', GHR, {
      metadata: ghrKey,
      spec: { fqdn: 'app.example.com', ttl: 10 },
    });
    await converged(GDP, gdpKey);
    await converged(GHR, ghrKey);

    await f.patch('cluster1', GDP, gdpKey, { spec: { ttl: 45 } });
    await f.patch('cluster1', GHR, ghrKey, {
      spec: { ttl: 20 },
      metadata: { labels: { tier: 'gold' } },
    });
    await converged(GDP, gdpKey);
    await converged(GHR, ghrKey);
    assert.equal((await f.get('cluster3', GDP, gdpKey))?.spec?.['ttl'], 45);
    assert.equal((await f.get('cluster2', GHR, ghrKey))?.metadata?.labels?.['tier'], 'gold');

    await f.remove('cluster1', GHR, ghrKey);
    await f.remove('cluster1', GDP, gdpKey);
    await converged(GHR, ghrKey);
    await converged(GDP, gdpKey);
    assert.equal(await f.get('cluster2', GDP, gdpKey), undefined);
    assert.equal(await f.get('cluster3', GHR, ghrKey), undefined);
  });

  it('reports every member in sync at the leader revision', async () => {
    const leader = f.node('cluster1').replicator!;
    await eventually(() => {
      const s = toAmkoClusterStatus(leader.status(), { epoch: 1, leader: 'cluster1' });
      assert.equal(s.inSync, '2/2');
      for (const m of s.members) assert.equal(m.appliedRevision, leader.status().revision);
    });
    const s = toAmkoClusterStatus(leader.status(), { epoch: 1, leader: 'cluster1' });
    assert.deepEqual(
      s.members.map((m) => m.cluster),
      followers,
    );
    assert.ok(s.members.every((m) => m.lag === 0 && typeof m.lastAckTime === 'string'));
  });
});
