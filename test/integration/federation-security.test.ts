import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { credentials, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import { loadFederationTls, type FederationTls } from '../../src/shared/federation/credentials.js';
import { callGetState, federationClient } from '../../src/shared/federation/federation-client.js';
import { REFUSAL_METADATA } from '../../src/shared/federation/federation-names.js';
import { startFederationServer } from '../../src/shared/federation/federation-server.js';
import { systemClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/telemetry/logger.js';
import { startFollower } from '../../src/follower/follower.js';
import {
  hashed,
  toWireObject,
  type ReplicaContent,
} from '../../src/shared/federation/replicated-object.js';
import { openReplicate, sendUndecodable, type Ended } from '../support/grpc.js';
import { FederationFixture, VERSION } from '../support/federation-fixture.js';

const GDP = 'GlobalDeploymentPolicy';
const gdp = (ttl: number): ReplicaContent => ({
  kind: GDP,
  namespace: AVI_SYSTEM,
  name: 'global-gdp',
  spec: { ttl },
  labels: {},
  annotations: {},
});

describe('federation: refusals leave the follower unchanged', function () {
  this.timeout(300_000);
  let f: FederationFixture;
  let leaderTls: FederationTls;

  /** Every replicated object (kind, name, resourceVersion) and the persisted epoch. */
  async function followerState(): Promise<string> {
    const objs = [];
    for (const kind of ['GSLBConfig', GDP, 'GSLBHostRule']) {
      for (const o of await f.list('cluster2', kind))
        objs.push(`${kind}/${o.metadata?.name}@${o.metadata?.resourceVersion}`);
    }
    const amko = await f.amkoCluster('cluster2');
    return JSON.stringify({
      objs: objs.sort(),
      epoch: amko.status?.highestEpochSeen,
      leader: amko.status?.leader,
    });
  }

  function stream(tls: FederationTls): ReturnType<typeof openReplicate> {
    return openReplicate({
      proto: f.proto,
      tls,
      address: f.address('cluster2'),
      peerCluster: 'cluster2',
    });
  }

  async function refused(
    tls: FederationTls,
    hello: { cluster: string; epoch: number; version?: string },
  ): Promise<Ended> {
    const s = stream(tls);
    s.send({
      hello: {
        cluster: hello.cluster,
        epoch: String(hello.epoch),
        version: hello.version ?? VERSION,
        log_id: 'x',
      },
    });
    const end = await s.ended;
    assert.deepEqual(s.received, [], 'no state sent to a refused peer');
    return end;
  }

  before(async () => {
    f = await FederationFixture.start(2, ['intruder']);
    await f.startFollower('cluster2');
    leaderTls = await f.certs.tls('cluster1');
    // A first leader at epoch 5 applies one object.
    const s = stream(leaderTls);
    s.send({ hello: { cluster: 'cluster1', epoch: '5', version: VERSION, log_id: 'log-1' } });
    const state = await s.nth(1);
    assert.equal(state.state?.highest_epoch, '5');
    s.send({ snapshot: { revision: '1', objects: [toWireObject(hashed(gdp(30)))], more: false } });
    assert.equal((await s.nth(2)).ack?.revision, '1');
    assert.equal(
      (await f.get('cluster2', GDP, { namespace: AVI_SYSTEM, name: 'global-gdp' }))?.spec?.['ttl'],
      30,
    );
    s.close();
    await s.ended;
  });

  after(async () => {
    await f?.stop();
  });

  it('fails the TLS handshake of a client whose certificate another CA signed', async () => {
    const before = await followerState();
    const rogue = await loadFederationTls({
      tlsCert: f.certs.rogue.certFile,
      tlsKey: f.certs.rogue.keyFile,
      tlsCa: f.certs.rogue.caFile,
    });
    const end = await refused(rogue, { cluster: 'cluster1', epoch: 9 });
    assert.equal(end.code, Status.UNAVAILABLE, end.details);
    assert.match(end.details, /No connection established|Failed to connect/);
    assert.equal(await followerState(), before);
  });

  it('fails the TLS handshake of a client without a certificate', async () => {
    const before = await followerState();
    const Federation = f.proto.grpc.amko.federation.v1.Federation;
    const client = new Federation(
      f.address('cluster2'),
      credentials.createSsl(await readFile(f.certs.caFile)),
      {
        'grpc.ssl_target_name_override': 'cluster2',
      },
    );
    const err = await new Promise<ServiceError | null>((resolve) => {
      client.GetState({}, new Metadata(), { deadline: Date.now() + 5_000 }, (e) => {
        resolve(e);
      });
    });
    client.close();
    assert.equal(err?.code, Status.UNAVAILABLE, err?.details);
    assert.equal(await followerState(), before);
  });

  it('answers PERMISSION_DENIED to a valid certificate of a cluster that is not a member', async () => {
    const before = await followerState();
    const intruder = await f.certs.tls('intruder');
    const end = await refused(intruder, { cluster: 'intruder', epoch: 9 });
    assert.equal(end.code, Status.PERMISSION_DENIED);
    assert.match(end.details, /certificate names intruder: not a member/);
    const posing = await refused(intruder, { cluster: 'cluster1', epoch: 9 });
    assert.equal(posing.code, Status.PERMISSION_DENIED);
    const client = federationClient(f.proto, intruder, {
      cluster: 'cluster2',
      address: f.address('cluster2'),
    });
    await assert.rejects(callGetState(client, 'cluster2', 5_000), (e: Error) =>
      e.message.includes('PERMISSION_DENIED'),
    );
    client.close();
    assert.equal(await followerState(), before);
  });

  it('answers FAILED_PRECONDITION naming the current leader and epoch to a stale epoch', async () => {
    const before = await followerState();
    const end = await refused(leaderTls, { cluster: 'cluster1', epoch: 4 });
    assert.equal(end.code, Status.FAILED_PRECONDITION);
    assert.equal(end.details, 'stale epoch 4 from cluster1: cluster1 leads at epoch 5');
    assert.deepEqual(end.metadata.get(REFUSAL_METADATA.reason), ['stale-epoch']);
    assert.deepEqual(end.metadata.get(REFUSAL_METADATA.epoch), ['5']);
    assert.deepEqual(end.metadata.get(REFUSAL_METADATA.leader), ['cluster1']);
    assert.equal(await followerState(), before);
  });

  it('refuses a version mismatch clearly', async () => {
    const before = await followerState();
    const end = await refused(leaderTls, { cluster: 'cluster1', epoch: 5, version: '0.9.0' });
    assert.equal(end.code, Status.FAILED_PRECONDITION);
    assert.equal(
      end.details,
      `version mismatch, current AMKO: ${VERSION}, AMKO in cluster cluster1: 0.9.0`,
    );
    assert.equal(await followerState(), before);
  });

  it('ends a stream that sends undecodable bytes, changing nothing', async () => {
    const before = await followerState();
    const end = await sendUndecodable({
      tls: leaderTls,
      address: f.address('cluster2'),
      peerCluster: 'cluster2',
      bytes: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
    });
    assert.equal(end.code, Status.INTERNAL, end.details);
    assert.match(end.details, /deserializing/);
    assert.equal(await followerState(), before);
  });

  it('ends a stream whose messages make no sense, changing nothing', async () => {
    const before = await followerState();
    const early = stream(leaderTls);
    early.send({ delta: { revision: '2', put: toWireObject(hashed(gdp(1))) } });
    assert.equal((await early.ended).code, Status.INVALID_ARGUMENT);

    const forged = stream(leaderTls);
    forged.send({ hello: { cluster: 'cluster1', epoch: '5', version: VERSION, log_id: 'log-2' } });
    await forged.nth(1);
    const wire = { ...toWireObject(hashed(gdp(77))), content_hash: 'f'.repeat(64) };
    forged.send({ snapshot: { revision: '1', objects: [wire], more: false } });
    const end = await forged.ended;
    assert.equal(end.code, Status.INVALID_ARGUMENT);
    assert.match(end.details, /content hash does not match/);
    assert.equal(forged.received.length, 1, 'no ack');
    assert.equal(await followerState(), before);
  });

  it('persists promotions and raised claims in the AMKOCluster status, and reads them back', async () => {
    const store = await f.epochStore('cluster1');
    assert.deepEqual(store.highest(), { epoch: 0, leader: '' });
    assert.deepEqual(await store.raise({ epoch: 3, leader: 'cluster2' }), {
      epoch: 3,
      leader: 'cluster2',
    });
    assert.deepEqual(await store.promote('cluster1'), { epoch: 4, leader: 'cluster1' });
    assert.deepEqual(await store.raise({ epoch: 4, leader: 'cluster0' }), {
      epoch: 4,
      leader: 'cluster1',
    });
    const status = (await f.amkoCluster('cluster1')).status;
    assert.equal(status?.highestEpochSeen, 4);
    assert.equal(status?.leader, 'cluster1');
    assert.deepEqual((await f.epochStore('cluster1')).highest(), { epoch: 4, leader: 'cluster1' });
  });

  it('runs plaintext only when asked, warns loudly, and still refuses non-members', async () => {
    const lines: string[] = [];
    const log = createLogger({
      level: 'warn',
      destination: { write: (line: string) => lines.push(line) },
    });
    const insecure = { mode: 'insecure' } as const;
    const server = await startFederationServer({
      federationListen: '127.0.0.1:0',
      healthListen: '127.0.0.1:0',
      tls: insecure,
      proto: f.proto,
      log,
    });
    const follower = await startFollower({
      server,
      kubeConfig: f.clusters.kubeConfig('cluster2'),
      epochs: await f.epochStore('cluster2'),
      membership: () => f.membership('cluster2'),
      clock: systemClock,
      log,
    });
    try {
      assert.ok(lines.some((l) => l.includes('FEDERATION IS PLAINTEXT')));
      const address = `127.0.0.1:${server.federationPort}`;
      const before = await followerState();
      const s = openReplicate({ proto: f.proto, tls: insecure, address, peerCluster: 'cluster2' });
      s.send({ hello: { cluster: 'intruder', epoch: '9', version: VERSION, log_id: 'x' } });
      assert.equal((await s.ended).code, Status.PERMISSION_DENIED);
      const client = federationClient(f.proto, insecure, { cluster: 'cluster2', address });
      assert.equal((await callGetState(client, 'cluster2', 5_000)).cluster, 'cluster2');
      client.close();
      assert.equal(await followerState(), before);
    } finally {
      await follower.stop();
      await server.stop();
    }
  });
});
