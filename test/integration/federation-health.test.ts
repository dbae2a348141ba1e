import assert from 'node:assert/strict';
import { credentials, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import { callGetState, federationClient } from '../../src/shared/federation/federation-client.js';
import { HEALTH_SERVICES } from '../../src/shared/federation/federation-names.js';
import { eventually } from '../support/eventually.js';
import { FederationFixture, type Obj } from '../support/federation-fixture.js';
import { checkHealth, healthProbe, reflectedServices } from '../support/grpc.js';

const GDP = 'GlobalDeploymentPolicy';
const gdpKey = { namespace: AVI_SYSTEM, name: 'global-gdp' };
const { process: PROCESS, federation: FEDERATION, leader: LEADER } = HEALTH_SERVICES;
const SERVING = 0;
const NOT_SERVING = 4;

describe('federation: health statuses and fencing', function () {
  this.timeout(300_000);
  let f: FederationFixture;

  const plain = (cluster: string): string => `127.0.0.1:${f.node(cluster).server.healthPort}`;

  /** grpc-health-probe exit codes per service on the plaintext health port. */
  async function probeAll(cluster: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const s of [PROCESS, FEDERATION, LEADER])
      out[s] = (await healthProbe(plain(cluster), s)).exitCode;
    return out;
  }

  async function stateOf(
    cluster: string,
  ): Promise<{ role: string; highest: string; leader: string }> {
    const client = federationClient(f.proto, await f.certs.tls('cluster2'), {
      cluster,
      address: f.address(cluster),
    });
    try {
      const s = await callGetState(client, cluster, 5_000);
      return { role: s.role, highest: s.highest_epoch, leader: s.highest_epoch_leader };
    } finally {
      client.close();
    }
  }

  async function replicaState(cluster: string): Promise<string> {
    const objs: Obj[] = [];
    for (const kind of ['GSLBConfig', GDP, 'GSLBHostRule'])
      objs.push(...(await f.list(cluster, kind)));
    return JSON.stringify(
      objs.map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`).sort(),
    );
  }

  before(async () => {
    f = await FederationFixture.start(3);
    await f.startFollower('cluster2');
    await f.startFollower('cluster3');
    await f.create('cluster1', GDP, { metadata: gdpKey, spec: { ttl: 10 } });
    await f.startLeader('cluster1', 1, ['cluster2', 'cluster3']);
    await eventually(async () => {
      assert.equal((await f.get('cluster3', GDP, gdpKey))?.spec?.['ttl'], 10);
    });
  });

  after(async () => {
    await f?.stop();
  });

  it('reports a follower ready for replicas and not a leader, on the plaintext probe port', async () => {
    assert.deepEqual(await probeAll('cluster2'), {
      [PROCESS]: SERVING,
      [FEDERATION]: SERVING,
      [LEADER]: NOT_SERVING,
    });
  });

  // amko.leader turns SERVING only in the role switch, once the leader pipeline's last sync with
  // the Avi controller succeeded (test/e2e/federation.test.ts runs that with real amko processes).
  // A replicator on its own serves federation and never claims amko.leader.
  it('reports a replicating leader ready for federation, and amko.leader left to the pipeline', async () => {
    await eventually(async () => {
      assert.equal((await healthProbe(plain('cluster1'), FEDERATION)).exitCode, SERVING);
    });
    assert.deepEqual(await probeAll('cluster1'), {
      [PROCESS]: SERVING,
      [FEDERATION]: SERVING,
      [LEADER]: NOT_SERVING,
    });
  });

  it('serves Health on the mutual-TLS port to a client with a member certificate, and only Health in plaintext', async () => {
    const leaf = f.certs.leaf('cluster1');
    const tls = {
      caFile: f.certs.caFile,
      certFile: leaf.certFile,
      keyFile: leaf.keyFile,
      serverName: 'cluster2',
    };
    assert.equal((await healthProbe(f.address('cluster2'), FEDERATION, tls)).exitCode, SERVING);
    assert.notEqual(
      (await healthProbe(f.address('cluster2'), FEDERATION)).exitCode,
      SERVING,
      'plaintext refused on the mTLS port',
    );
    assert.equal(
      await checkHealth(plain('cluster2'), credentials.createInsecure(), FEDERATION),
      'SERVING',
    );
    const Federation = f.proto.grpc.amko.federation.v1.Federation;
    const client = new Federation(plain('cluster2'), credentials.createInsecure());
    const err = await new Promise<ServiceError | null>((resolve) => {
      client.GetState({}, new Metadata(), { deadline: Date.now() + 5_000 }, (e) => {
        resolve(e);
      });
    });
    client.close();
    assert.equal(err?.code, Status.UNIMPLEMENTED);
  });

  it('lists Federation and Health through server reflection on the mutual-TLS port', async () => {
    const tls = await f.certs.tls('cluster1');
    if (tls.mode !== 'mtls') throw new Error('expected mutual TLS');
    const creds = credentials.createSsl(tls.ca, tls.key, tls.cert);
    const services = await reflectedServices(f.address('cluster2'), creds, {
      'grpc.ssl_target_name_override': 'cluster2',
    });
    assert.ok(services.includes('amko.federation.v1.Federation'), services.join(', '));
    assert.ok(services.includes('grpc.health.v1.Health'), services.join(', '));
  });

  it('fences a leader at once when a new leader with a higher epoch dials it', async () => {
    await f.stopNode('cluster3');
    await f.startLeader('cluster3', 2, ['cluster1']);
    await eventually(() => {
      assert.deepEqual(f.node('cluster1').fencedBy, { epoch: 2, leader: 'cluster3' });
    });
    assert.deepEqual(await probeAll('cluster1'), {
      [PROCESS]: SERVING,
      [FEDERATION]: NOT_SERVING,
      [LEADER]: NOT_SERVING,
    });
    assert.deepEqual(await stateOf('cluster1'), {
      role: 'fenced',
      highest: '2',
      leader: 'cluster3',
    });
    const status = f.node('cluster1').replicator!.status();
    assert.deepEqual(status.fencedBy, { epoch: 2, leader: 'cluster3' });
    assert.ok(status.members.every((m) => !m.connected));
  });

  it('fences an old leader that returns at its old epoch before it changes anything on a follower', async () => {
    const port = f.node('cluster1').server.federationPort;
    await f.stopNode('cluster3');
    await f.startLeader('cluster3', 2, ['cluster2']);
    await eventually(async () => {
      const amko = await f.amkoCluster('cluster2');
      assert.equal(amko.status?.highestEpochSeen, 2);
      assert.equal(amko.status?.leader, 'cluster3');
      const replica = await f.get('cluster2', GDP, gdpKey);
      assert.equal(replica?.metadata?.annotations?.['amko.vmware.com/replica-of'], 'cluster3');
    });
    await eventually(() => {
      assert.equal(f.node('cluster3').replicator!.status().members[0]?.lag, 0);
    });
    const before = await replicaState('cluster2');

    await f.stopNode('cluster1');
    await f.patch('cluster1', GDP, gdpKey, { spec: { ttl: 99 } });
    await f.startServer('cluster1', port);
    await f.startLeader('cluster1', 1, ['cluster2']);
    await eventually(() => {
      assert.deepEqual(f.node('cluster1').fencedBy, { epoch: 2, leader: 'cluster3' });
    });
    assert.equal(await replicaState('cluster2'), before);
    assert.equal((await f.get('cluster2', GDP, gdpKey))?.spec?.['ttl'], 10);
    assert.deepEqual(await probeAll('cluster1'), {
      [PROCESS]: SERVING,
      [FEDERATION]: NOT_SERVING,
      [LEADER]: NOT_SERVING,
    });
    assert.deepEqual(await probeAll('cluster3'), {
      [PROCESS]: SERVING,
      [FEDERATION]: SERVING,
      [LEADER]: NOT_SERVING,
    });
  });
});
