/**
 * A three-site federation end to end: three real clusters, the Avi simulator and three real amko
 * processes with mutual TLS, started once for the file. Each test waits for the state it needs, so
 * any one can run alone: replication, health, metrics and refused peers on the first federation;
 * a follower outage and its catch-up; then the one sequential scenario, in a single test: the
 * leader killed during 500 updates, a follower promoted with kubectl, the old leader returning
 * fenced and being demoted, and what `kubectl get amkocluster` shows on the way.
 */
import assert from 'node:assert/strict';
import { credentials, status as Status } from '@grpc/grpc-js';
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import {
  HEALTH_SERVICES,
  REPLICA_OF_ANNOTATION,
  REPLICA_REVISION_ANNOTATION,
} from '../../src/shared/federation/federation-names.js';
import { loadFederationTls, type FederationTls } from '../../src/shared/federation/credentials.js';
import { loadFederationProto } from '../../src/shared/federation/proto.js';
import type { ReplicatedKind } from '../../src/shared/federation/replicated-kinds.js';
import {
  acceptedWrite,
  E2E_VERSION,
  E2eFederation,
  INTRUDER,
  type ObjKey,
} from '../support/e2e-federation.js';
import type { JournalEntry } from '../../src/sim/avi-controller/journal.js';
import { eventually } from '../support/eventually.js';
import { openReplicate, reflectedServices, sendUndecodable } from '../support/grpc.js';

const GC: ReplicatedKind = 'GSLBConfig';
const GDP: ReplicatedKind = 'GlobalDeploymentPolicy';
const GHR: ReplicatedKind = 'GSLBHostRule';
const NS = 'e2e';
const gdpKey = { namespace: AVI_SYSTEM, name: 'global-gdp' };
const HOSTS = ['a', 'b', 'c'].map((x) => `${x}.${NS}.example.com`);
const { process: PROCESS, federation: FEDERATION, leader: LEADER } = HEALTH_SERVICES;
const SERVING = 0;
const NOT_SERVING = 4;

describe('e2e: a three-site federation of amko processes', function () {
  this.timeout(600_000);
  let f: E2eFederation;

  /** Waits until both followers hold the leader's object (same content hash), or none at all. */
  async function converged(
    kind: ReplicatedKind,
    key: ObjKey,
    opts: { leader?: string; timeoutMs?: number } = {},
  ): Promise<string | undefined> {
    const leader = opts.leader ?? 'cluster1';
    const followers = f.contexts.filter((c) => c !== leader);
    return eventually(
      async () => {
        const want = await f.hash(leader, kind, key);
        for (const c of followers) {
          assert.equal(await f.hash(c, kind, key), want, `${c} ${kind} ${key.name}`);
        }
        return want ?? 'absent';
      },
      { timeoutMs: opts.timeoutMs ?? 30_000, what: `${kind} ${key.name} on every follower` },
    );
  }

  async function statusIs(
    cluster: string,
    want: Record<string, unknown>,
    timeoutMs = 60_000,
  ): Promise<void> {
    await eventually(
      async () => {
        const s = (await f.status(cluster)) as Record<string, unknown>;
        for (const [k, v] of Object.entries(want)) assert.deepEqual(s[k], v, `${cluster} ${k}`);
      },
      { timeoutMs, what: `${cluster} status ${JSON.stringify(want)}` },
    );
  }

  async function probes(cluster: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const s of [PROCESS, FEDERATION, LEADER]) out[s] = await f.probe(cluster, s);
    return out;
  }

  /** Opens a replication stream to cluster3 and says hello; returns how the follower ended it. */
  async function hello(
    tls: FederationTls,
    cluster: string,
    epoch: number,
  ): Promise<{ code: Status; details: string }> {
    const target = { address: f.federationAddress('cluster3'), peerCluster: 'cluster3' };
    const s = openReplicate({ proto: loadFederationProto(), tls, ...target });
    s.send({ hello: { cluster, epoch: String(epoch), version: E2E_VERSION, log_id: 'x' } });
    const end = await s.ended;
    assert.deepEqual(s.received, [], 'nothing sent to a refused peer');
    return end;
  }

  /** GslbServices of our hosts on the controller, by name. */
  async function gslbServices(): Promise<Map<string, Record<string, unknown>>> {
    const objs = await f.sim.control.objects({ type: 'gslbservice' });
    return new Map(
      (objs['gslbservice'] ?? [])
        .filter((o) => HOSTS.includes(String(o['name'])))
        .map((o) => [String(o['name']), o]),
    );
  }

  async function gsTtlsAre(ttl: number, timeoutMs = 60_000): Promise<void> {
    await eventually(
      async () => {
        const gs = await gslbServices();
        assert.equal(gs.size, HOSTS.length);
        for (const [name, o] of gs) assert.equal(o['ttl'], ttl, `ttl of ${name}`);
      },
      { timeoutMs, what: `every GslbService at ttl ${ttl}` },
    );
  }

  before(async () => {
    f = await E2eFederation.start();
    await f.createGslbConfig('cluster1');
    await f.create('cluster1', GDP, {
      metadata: gdpKey,
      spec: {
        matchRules: { appSelector: { label: { gslb: NS } } },
        matchClusters: f.contexts.map((cluster) => ({ cluster })),
        ttl: 30,
      },
    });
    for (const c of f.contexts) await f.objects.namespace(c, NS);
    for (const [i, host] of HOSTS.entries()) {
      for (const c of ['cluster1', 'cluster2']) {
        await f.objects.ingress(c, NS, host.split('.')[0] ?? '', {
          hosts: [{ host, ip: `10.${c.slice(-1)}.0.${i + 1}` }],
          labels: { gslb: NS },
        });
      }
    }
    for (const c of f.contexts) f.startAmko(c);
    // Start-up only: on a loaded machine three processes can take minutes to take their roles.
    for (const c of f.contexts) {
      await eventually(
        async () => {
          assert.ok((await f.status(c)).role);
        },
        {
          timeoutMs: 300_000,
          what: `${c} reports a role`,
        },
      );
    }
  });

  after(async () => {
    await f?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(f.logTails());
  });

  it('starts with cluster1 leading at epoch 1 and both followers following it, in sync', async () => {
    await statusIs('cluster1', { role: 'leader', epoch: 1, leader: 'cluster1', inSync: '2/2' });
    for (const c of ['cluster2', 'cluster3']) {
      await statusIs(c, { role: 'follower', epoch: 1, leader: 'cluster1', inSync: '' });
    }
    await gsTtlsAre(30);
    const writers = new Set((await f.writesFrom('cluster1')).map((e) => e.userAgent));
    assert.equal(writers.size, 1, 'the leader wrote the GslbServices');
    assert.equal((await f.writesFrom('cluster2')).length, 0, 'a hot standby writes nothing');
    assert.equal((await f.writesFrom('cluster3')).length, 0, 'a hot standby writes nothing');
  });

  it('replicates GSLBConfig, GDP and GSLBHostRule creates, updates and deletes to both followers', async () => {
    assert.notEqual(await converged(GC, { namespace: AVI_SYSTEM, name: 'gc-1' }), 'absent');
    assert.notEqual(await converged(GDP, gdpKey), 'absent');
    const replica = await f.get('cluster3', GDP, gdpKey);
    assert.equal(replica?.metadata?.annotations?.[REPLICA_OF_ANNOTATION], 'cluster1');

    const steps: [ReplicatedKind, ObjKey, Record<string, unknown>, Record<string, unknown>][] = [
      [
        GHR,
        { namespace: NS, name: 'shop-ghr' },
        { fqdn: 'elsewhere.e2e.example.com', ttl: 77 },
        { fqdn: 'elsewhere.e2e.example.com', ttl: 88 },
      ],
      [
        GDP,
        { namespace: AVI_SYSTEM, name: 'extra-gdp' },
        { matchRules: { appSelector: { label: { gslb: 'nothing' } } }, ttl: 5 },
        { matchRules: { appSelector: { label: { gslb: 'nothing' } } }, ttl: 6 },
      ],
      [
        GC,
        { namespace: AVI_SYSTEM, name: 'gc-2' },
        { gslbLeader: { credentials: 'x', controllerIP: '10.9.9.9' }, refreshInterval: 60 },
        { gslbLeader: { credentials: 'x', controllerIP: '10.9.9.9' }, refreshInterval: 90 },
      ],
    ];
    for (const [kind, key, created, updated] of steps) {
      await f.create('cluster1', kind, { metadata: { ...key }, spec: created });
      const first = await converged(kind, key);
      assert.notEqual(first, 'absent', `${kind} created`);
      await f.patch('cluster1', kind, key, { spec: updated });
      const second = await converged(kind, key);
      assert.notEqual(second, first, `${kind} updated`);
      assert.notEqual(second, 'absent');
      await f.remove('cluster1', kind, key);
      assert.equal(await converged(kind, key), 'absent', `${kind} deleted`);
    }
  });

  it('reports health per service: process, federation and leader on the leader; no leader on followers; services listed by reflection', async () => {
    await eventually(
      async () => {
        assert.deepEqual(await probes('cluster1'), {
          [PROCESS]: SERVING,
          [FEDERATION]: SERVING,
          [LEADER]: SERVING,
        });
      },
      { timeoutMs: 30_000, what: 'leader health' },
    );
    for (const c of ['cluster2', 'cluster3']) {
      await eventually(
        async () => {
          assert.deepEqual(await probes(c), {
            [PROCESS]: SERVING,
            [FEDERATION]: SERVING,
            [LEADER]: NOT_SERVING,
          });
        },
        { timeoutMs: 30_000, what: `${c} health` },
      );
    }
    assert.equal(await f.probeTls('cluster1', LEADER, 'cluster2'), SERVING, 'over mutual TLS');
    assert.equal(await f.probeTls('cluster2', LEADER, 'cluster1'), NOT_SERVING);
    // Server reflection reads its .proto files from its package: the bundled amko finds them.
    const tls = await f.certs.tls('cluster2');
    if (tls.mode !== 'mtls') throw new Error('expected mutual TLS');
    const services = await reflectedServices(
      f.federationAddress('cluster1'),
      credentials.createSsl(tls.ca, tls.key, tls.cert),
      { 'grpc.ssl_target_name_override': 'cluster1' },
    );
    assert.ok(services.includes('amko.federation.v1.Federation'), services.join(', '));
    assert.ok(services.includes('grpc.health.v1.Health'), services.join(', '));
  });

  it('serves metrics in Prometheus format: reconciles, queues, epoch, role and member lag', async () => {
    // The workload: one GslbService per host, each created once by the leader.
    await eventually(
      async () => {
        const text = await f.metrics('cluster1');
        const created = new RegExp(
          `^amko_gslb_reconciles_total\\{result="created",.*\\} ${HOSTS.length}$`,
          'm',
        );
        assert.match(text, created);
        assert.match(text, /^amko_federation_member_lag\{member="cluster2",.*\} 0$/m);
      },
      { timeoutMs: 30_000, what: 'leader metrics' },
    );
    const text = await f.metrics('cluster1');
    assert.match(text, /^# TYPE amko_queue_depth gauge$/m);
    assert.match(text, /^amko_federation_epoch\{.*\} 1$/m);
    assert.match(text, /^amko_federation_role\{role="leader",.*\} 1$/m);
    const follower = await f.metrics('cluster2');
    assert.match(follower, /^amko_federation_role\{role="follower",.*\} 1$/m);
  });

  it('refuses a rogue certificate, an unlisted cluster and garbage, changing nothing', async () => {
    await statusIs('cluster3', { role: 'follower', epoch: 1, leader: 'cluster1' });
    const before = await f.replicaState('cluster3');
    const rogue = await loadFederationTls({
      tlsCert: f.certs.rogue.certFile,
      tlsKey: f.certs.rogue.keyFile,
      tlsCa: f.certs.rogue.caFile,
    });
    assert.equal((await hello(rogue, 'cluster2', 9)).code, Status.UNAVAILABLE, 'no handshake');
    const intruder = await f.certs.tls(INTRUDER);
    assert.equal((await hello(intruder, INTRUDER, 9)).code, Status.PERMISSION_DENIED);
    const garbage = await sendUndecodable({
      tls: await f.certs.tls('cluster2'),
      address: f.federationAddress('cluster3'),
      peerCluster: 'cluster3',
      bytes: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
    });
    assert.ok([Status.INTERNAL, Status.INVALID_ARGUMENT].includes(garbage.code), garbage.details);
    assert.equal(await f.replicaState('cluster3'), before);
    await statusIs('cluster3', { role: 'follower', epoch: 1, leader: 'cluster1' });
  });

  it('keeps the hot standbys’ controller view current with what the leader writes', async () => {
    /** Objects the leader wrote that a standby's view took, or already held. */
    const viewed = async (c: string): Promise<{ taken: number; all: number }> => {
      const lines = [
        ...(await f.metrics(c)).matchAll(
          /^amko_controller_view_objects_total\{result="(taken|kept)".*\} (\d+)$/gm,
        ),
      ];
      const sum = (r?: string): number =>
        lines.filter((l) => r === undefined || l[1] === r).reduce((n, l) => n + Number(l[2]), 0);
      return { taken: sum('taken'), all: sum() };
    };
    const standbys = ['cluster2', 'cluster3'];
    const before = await Promise.all(standbys.map(viewed));
    await f.patch('cluster1', GDP, gdpKey, { spec: { ttl: 29 } });
    await gsTtlsAre(29);
    await eventually(
      async () => {
        for (const [i, c] of standbys.entries()) {
          const now = await viewed(c);
          assert.ok(
            now.all - (before[i]?.all ?? 0) >= HOSTS.length,
            `${c} took ${now.all - (before[i]?.all ?? 0)} of the ${HOSTS.length} updates`,
          );
          assert.ok(now.taken > 0, `${c} took some into its view`);
        }
      },
      { timeoutMs: 30_000, what: 'the leader’s writes in each hot standby’s view' },
    );
    assert.equal((await viewed('cluster1')).all, 0, 'a leader keeps its own view');
    for (const c of standbys) assert.deepEqual(await f.writesFrom(c), [], `${c} writes nothing`);
  });

  it('shows a stopped follower’s lag on the leader and catches it up by snapshot on return (cold standby)', async () => {
    await statusIs('cluster1', { inSync: '2/2' });
    await f.run('cluster3')?.kill('SIGKILL');
    const key = { namespace: NS, name: 'late-ghr' };
    await f.create('cluster1', GHR, {
      metadata: { ...key },
      spec: { fqdn: 'late.e2e.example.com', ttl: 50 },
    });
    await f.patch('cluster1', GDP, gdpKey, { spec: { ttl: 31 } });
    await eventually(
      async () => {
        const s = await f.status('cluster1');
        const m = s.members?.find((x) => x.cluster === 'cluster3');
        assert.ok((m?.lag ?? 0) >= 2, `cluster3 lag ${m?.lag}`);
        assert.equal(s.inSync, '1/2');
      },
      { timeoutMs: 30_000, what: 'the lag of cluster3 on the leader' },
    );
    assert.equal(
      await f.get('cluster3', GHR, key),
      undefined,
      'nothing reaches a stopped follower',
    );
    const back = f.startAmko('cluster3', ['--standby', 'cold']);
    await back.waitForLog(/snapshot applied/);
    assert.doesNotMatch(back.log(), /leader started/, 'a cold standby runs no leader pipeline');
    assert.notEqual(await converged(GHR, key), 'absent');
    await converged(GDP, gdpKey);
    await statusIs('cluster1', { inSync: '2/2' });
    await gsTtlsAre(31);
  });

  /**
   * Makes 500 GDP updates on cluster1 and SIGKILLs its amko after the `killAt`-th. Returns the
   * leader's revision before the updates and what it reported acked by cluster2 just before the kill.
   */
  async function updateAndKillLeader(killAt: number): Promise<{ r0: number; acked: number }> {
    await statusIs('cluster1', { inSync: '2/2' });
    const before = await f.status('cluster1');
    const r0 = before.revision ?? 0;
    assert.ok(before.members?.every((m) => m.appliedRevision === r0));
    let acked = 0;
    for (let i = 1; i <= 500; i++) {
      await f.patch('cluster1', GDP, gdpKey, { spec: { ttl: 1000 + i } });
      if (i !== killAt) continue;
      const s = await f.status('cluster1');
      acked = s.members?.find((m) => m.cluster === 'cluster2')?.appliedRevision ?? 0;
      await f.run('cluster1')?.kill('SIGKILL');
    }
    return { r0, acked };
  }

  async function setLeader(cluster: string, isLeader: boolean): Promise<void> {
    await f.kubectl(cluster, [
      ...['patch', 'amkocluster', 'amkocluster-federation', '-n', AVI_SYSTEM],
      ...['--type', 'merge', '-p', JSON.stringify({ spec: { isLeader } })],
    ]);
  }

  /**
   * The new leader's first writes: GS updates only, at most one accepted per GS. The killed
   * leader's last writes may not have reached the standby's view: an update made on the version
   * it holds is refused (412), and the GS is planned again on what the controller holds.
   */
  function writtenOnlyChangedGses(writes: JournalEntry[]): void {
    for (const w of writes) {
      assert.equal(`${w.method} ${w.objectType}`, 'PUT gslbservice', 'only changed GSes written');
    }
    const accepted = writes.filter(acceptedWrite);
    const refused = writes.filter((w) => !acceptedWrite(w));
    assert.deepEqual(
      refused.map((w) => w.status),
      refused.map(() => 412),
    );
    assert.ok(refused.length <= HOSTS.length, `${refused.length} refused for ${HOSTS.length} GSes`);
    assert.ok(
      accepted.length <= HOSTS.length,
      `${accepted.length} writes for ${HOSTS.length} GSes`,
    );
  }

  /** Promotes cluster2 after the kill; returns the GDP ttl the new leader took over. */
  async function promoteAfterKill(r0: number, acked: number, lastSent: number): Promise<number> {
    const replica = await f.get('cluster2', GDP, gdpKey);
    const revision = Number(replica?.metadata?.annotations?.[REPLICA_REVISION_ANNOTATION]);
    assert.ok(revision >= acked, `replica ${revision} ≥ acked ${acked}`);
    assert.ok(revision <= lastSent, `replica ${revision} ≤ last sent ${lastSent}`);
    assert.equal(
      Number(replica?.spec?.['ttl']),
      1000 + (revision - r0),
      'the replica holds the content of its revision',
    );
    // Whichever follower got further keeps its revisions: cluster2 catches up from it if needed.
    const other = await f.get('cluster3', GDP, gdpKey);
    const ttl = Math.max(Number(replica?.spec?.['ttl']), Number(other?.spec?.['ttl']));

    const journalStart = (await f.sim.control.stats()).total;
    await setLeader('cluster2', true);
    await statusIs('cluster2', { role: 'leader', epoch: 2, leader: 'cluster2', inSync: '1/2' });
    await statusIs('cluster3', { role: 'follower', epoch: 2, leader: 'cluster2' });
    await eventually(
      async () => {
        assert.equal(await f.probe('cluster2', LEADER), SERVING);
      },
      { timeoutMs: 60_000, what: 'the new leader in sync' },
    );
    // The state the hot standby reached read-only is written once it may write.
    await eventually(
      async () => {
        const gc = await f.get('cluster2', GC, { namespace: AVI_SYSTEM, name: 'gc-1' });
        const status = (gc as { status?: { state?: string } } | undefined)?.status;
        assert.equal(status?.state, 'success: gslb config accepted');
      },
      { timeoutMs: 30_000, what: 'the new leader’s GSLBConfig state' },
    );
    await gsTtlsAre(ttl);
    writtenOnlyChangedGses(await f.writesFrom('cluster2', journalStart));
    const markers = [...(await gslbServices()).values()].flatMap(
      (o) => (o['markers'] as { key: string; values: string[] }[] | undefined) ?? [],
    );
    const epochs = markers.filter((m) => m.key === 'amko-epoch').map((m) => Number(m.values[0]));
    assert.ok(epochs.every((e) => e <= 2));
    return ttl;
  }

  /** Restarts the killed cluster1 amko and checks it comes back fenced, writing nothing. */
  async function oldLeaderReturnsFenced(): Promise<void> {
    await f.patch('cluster2', GDP, gdpKey, { spec: { ttl: 2000 } });
    await gsTtlsAre(2000);
    const newLeaderWrites = await f.writesFrom('cluster2');
    assert.ok(newLeaderWrites.length > 0, 'the new leader wrote');
    const firstWrite = Math.min(...newLeaderWrites.map((e) => e.seq));
    const old = f.startAmko('cluster1');
    await statusIs('cluster1', {
      role: 'fenced',
      epoch: 2,
      leader: 'cluster2',
      message: 'fenced by cluster2 at epoch 2',
    });
    await old.waitForLog(/fenced/);
    assert.deepEqual(await f.writesFrom('cluster1', firstWrite), []);
    await gsTtlsAre(2000);
    assert.deepEqual(await probes('cluster1'), {
      [PROCESS]: SERVING,
      [FEDERATION]: NOT_SERVING,
      [LEADER]: NOT_SERVING,
    });
    assert.equal(old.child.exitCode, null, 'a fenced leader keeps running');
  }

  const row = async (c: string): Promise<string[]> => {
    const rows = await f.amkoClusterTable(c);
    assert.equal(rows.length, 1);
    const r = rows[0] ?? {};
    return [r['ROLE'] ?? '', r['EPOCH'] ?? '', r['LEADER'] ?? '', r['IN-SYNC'] ?? ''];
  };

  it('fails over: leader killed during 500 updates, follower promoted, old leader fenced then demoted', async () => {
    // 1. Kill the leader part-way through 500 GDP updates.
    const killAt = 250;
    const { r0, acked } = await updateAndKillLeader(killAt);

    // 2. Promote cluster2 with kubectl: it takes over from what it holds, at epoch 2.
    await promoteAfterKill(r0, acked, r0 + killAt);

    // 3. The old leader comes back at epoch 1: fenced before it writes anything.
    await oldLeaderReturnsFenced();

    // 4. A follower refuses the old leader's stale epoch, changing nothing.
    const before = await f.replicaState('cluster3');
    const stale = await hello(await f.certs.tls('cluster1'), 'cluster1', 1);
    assert.equal(stale.code, Status.FAILED_PRECONDITION);
    assert.equal(stale.details, 'stale epoch 1 from cluster1: cluster2 leads at epoch 2');
    assert.equal(await f.replicaState('cluster3'), before);

    // 5. kubectl get amkocluster shows the roles; demoting the fenced cluster makes it follow.
    assert.deepEqual(await row('cluster1'), ['fenced', '2', 'cluster2', '']);
    assert.deepEqual(await row('cluster2'), ['leader', '2', 'cluster2', '1/2']);
    assert.deepEqual(await row('cluster3'), ['follower', '2', 'cluster2', '']);
    await setLeader('cluster1', false);
    await statusIs('cluster1', { role: 'follower', epoch: 2, leader: 'cluster2' });
    await statusIs('cluster2', { inSync: '2/2' }, 90_000);
    await converged(GDP, gdpKey, { leader: 'cluster2' });
    assert.deepEqual(await row('cluster1'), ['follower', '2', 'cluster2', '']);
    assert.deepEqual(await row('cluster2'), ['leader', '2', 'cluster2', '2/2']);

    // 6. Every role change went through without a failed step or status write.
    for (const [file, text] of f.allLogs()) {
      assert.doesNotMatch(text, /role change failed|status write failed/, file);
    }
  });
});
