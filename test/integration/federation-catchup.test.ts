import assert from 'node:assert/strict';
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import type { ReplicatedKind } from '../../src/shared/federation/replicated-kinds.js';
import { contentHash, contentOf } from '../../src/shared/federation/replicated-object.js';
import { toAmkoClusterStatus } from '../../src/leader/replicator/member-status.js';
import {
  callFetch,
  callGetState,
  federationClient,
} from '../../src/shared/federation/federation-client.js';
import { fromWireObject } from '../../src/shared/federation/replicated-object.js';
import { eventually } from '../support/eventually.js';
import { FederationFixture, type Obj } from '../support/federation-fixture.js';

const GDP = 'GlobalDeploymentPolicy';
const GHR = 'GSLBHostRule';
const gdpKey = { namespace: AVI_SYSTEM, name: 'global-gdp' };
const ghr = (name: string): { namespace: string; name: string } => ({ namespace: 'apps', name });

function hashOf(kind: string, o: Obj | undefined): string | undefined {
  return o ? contentHash(contentOf(kind as ReplicatedKind, o)) : undefined;
}

describe('federation: catch-up after downtime and drift repair', function () {
  this.timeout(300_000);
  let f: FederationFixture;

  async function sameOn(
    cluster: string,
    kind: string,
    key: { namespace: string; name: string },
  ): Promise<void> {
    await eventually(
      async () => {
        const want = hashOf(kind, await f.get('cluster1', kind, key));
        assert.equal(
          hashOf(kind, await f.get(cluster, kind, key)),
          want,
          `${cluster} ${kind} ${key.name}`,
        );
      },
      { timeoutMs: 30_000, what: `${kind} ${key.name} on ${cluster}` },
    );
  }

  before(async () => {
    f = await FederationFixture.start(3);
    await f.createNamespace('cluster1', 'apps');
    await f.startFollower('cluster2');
    await f.startFollower('cluster3');
    await f.create('cluster1', GDP, {
      metadata: gdpKey,
      spec: { ttl: 1, matchClusters: [{ cluster: 'cluster1' }] },
    });
    await f.create('cluster1', GHR, {
      metadata: ghr('doomed'),
      spec: { fqdn: 'doomed.example.com' },
    });
    await f.startLeader('cluster1', 1, ['cluster2', 'cluster3']);
    await sameOn('cluster3', GHR, ghr('doomed'));
  });

  after(async () => {
    await f?.stop();
  });

  it('shows a down follower lagging, then catches it up through a snapshot', async () => {
    const port = f.node('cluster3').server.federationPort;
    await f.stopNode('cluster3');
    for (let ttl = 2; ttl <= 21; ttl++) await f.patch('cluster1', GDP, gdpKey, { spec: { ttl } });
    await f.create('cluster1', GHR, {
      metadata: ghr('born-while-down'),
      spec: { fqdn: 'new.example.com' },
    });
    await f.remove('cluster1', GHR, ghr('doomed'));
    const leader = f.node('cluster1').replicator!;

    await eventually(() => {
      const s = toAmkoClusterStatus(leader.status(), { epoch: 1, leader: 'cluster1' });
      const c3 = s.members.find((m) => m.cluster === 'cluster3');
      assert.ok(c3?.lag !== undefined && c3.lag >= 22, `cluster3 lag ${c3?.lag}`);
      assert.ok(c3.lastError, 'cluster3 shows why it is behind');
      assert.equal(s.inSync, '1/2');
    });
    assert.ok(
      f.nodes
        .get('cluster1')!
        .statuses.some((s) => s.members.some((m) => m.cluster === 'cluster3' && m.lag > 0)),
    );
    assert.equal(
      (await f.get('cluster3', GDP, gdpKey))?.spec?.['ttl'],
      1,
      'cluster3 still holds the old GDP',
    );

    await f.startFollower('cluster3', port);
    await sameOn('cluster3', GDP, gdpKey);
    await sameOn('cluster3', GHR, ghr('born-while-down'));
    await eventually(async () => {
      assert.equal(await f.get('cluster3', GHR, ghr('doomed')), undefined);
    });
    await eventually(() => {
      const s = toAmkoClusterStatus(leader.status(), { epoch: 1, leader: 'cluster1' });
      assert.equal(s.inSync, '2/2');
    });
    const applied = f.node('cluster3').follower!.status().applied;
    assert.equal(applied.logId, leader.logId);
    assert.equal(applied.revision, leader.status().revision);
  });

  it('reverts a local edit of a replica to the replicated content', async () => {
    await sameOn('cluster2', GDP, gdpKey);
    await f.patch('cluster2', GDP, gdpKey, {
      spec: { ttl: 999 },
      metadata: { labels: { edited: 'locally' } },
    });
    await sameOn('cluster2', GDP, gdpKey);
    const back = await f.get('cluster2', GDP, gdpKey);
    assert.equal(back?.spec?.['ttl'], 21);
    assert.equal(back?.metadata?.labels?.['edited'], undefined);
  });

  it('recreates a replica deleted locally', async () => {
    await f.remove('cluster2', GHR, ghr('born-while-down'));
    await sameOn('cluster2', GHR, ghr('born-while-down'));
    assert.ok(await f.get('cluster2', GHR, ghr('born-while-down')));
  });

  it('leaves objects the leader never replicated alone', async () => {
    await f.create('cluster2', GHR, {
      metadata: ghr('local-only'),
      spec: { fqdn: 'local.example.com' },
    });
    await f.patch('cluster2', GHR, ghr('local-only'), { spec: { ttl: 5 } });
    await f.patch('cluster1', GDP, gdpKey, { spec: { ttl: 22 } });
    await sameOn('cluster2', GDP, gdpKey);
    const local = await f.get('cluster2', GHR, ghr('local-only'));
    assert.equal(local?.spec?.['ttl'], 5);
  });

  it('records what a follower applied (replica marks, then its AMKOCluster status), and answers with it after a restart', async () => {
    await f.patch('cluster1', GDP, gdpKey, { spec: { ttl: 23 } });
    await sameOn('cluster2', GDP, gdpKey);
    const leader = f.node('cluster1').replicator!;
    const head = { logId: leader.logId, revision: leader.status().revision };
    // The replica written by the change carries its position; the status follows once quiet.
    const marks = (await f.get('cluster2', GDP, gdpKey))?.metadata?.annotations ?? {};
    assert.equal(marks['amko.vmware.com/replica-log'], head.logId);
    assert.equal(marks['amko.vmware.com/replica-revision'], String(head.revision));
    await eventually(async () => {
      const applied = (await f.amkoCluster('cluster2')).status?.applied;
      assert.deepEqual(
        { logId: applied?.logId, revision: applied?.revision, leader: applied?.leader },
        { ...head, leader: 'cluster1' },
      );
    });
    // The leader goes first, so nothing sends the restarted follower a snapshot.
    await f.stopNode('cluster1');
    const port = f.node('cluster2').server.federationPort;
    await f.stopNode('cluster2');
    // As if cluster2 had stopped before its status caught up with the last change it applied.
    const behind = { leader: 'cluster1', epoch: 1, ...head, revision: head.revision - 1 };
    await (await f.epochStore('cluster2')).recordApplied(behind);
    await f.startFollower('cluster2', port);
    assert.equal(f.node('cluster2').follower!.status().applied.revision, head.revision);
    assert.equal(
      (await f.amkoCluster('cluster2')).status?.applied?.revision,
      head.revision,
      'the position the replicas witness is recorded at start',
    );

    const ep = { cluster: 'cluster2', address: `127.0.0.1:${port}` };
    const client = federationClient(f.proto, await f.certs.tls('cluster3'), ep);
    try {
      const state = await callGetState(client, 'cluster2', 5_000);
      assert.equal(state.applied_log_id, head.logId);
      assert.equal(Number(state.applied_revision), head.revision);
      assert.equal(Number(state.applied_epoch), 1);
      const fetched = await callFetch(client, 'cluster2', 5_000);
      assert.equal(Number(fetched.state?.applied_revision), head.revision);
      const gdp = fetched.objects.map(fromWireObject).find((o) => o.content.kind === GDP);
      assert.equal(gdp?.hash, hashOf(GDP, await f.get('cluster2', GDP, gdpKey)));
      assert.equal(gdp?.content.spec['ttl'], 23);
      assert.equal(
        fetched.objects.length,
        2,
        'the GDP and the GSLBHostRule replicated, not the local one',
      );
    } finally {
      client.close();
    }
  });
});
