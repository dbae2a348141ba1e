/**
 * Bad input to a follower that serves a real leader: every case of test/support/grpc-bad-cases.ts
 * against a follower and a replicator running in this process on two real kube-apiservers, with
 * real certificates. Each case must end with its status, change nothing on the follower (its
 * replicas' resourceVersions and its persisted epoch) and leave the follower serving its leader:
 * an update made on the leader afterwards is replicated and acknowledged.
 */
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import { REPLICA_REVISION_ANNOTATION } from '../../src/shared/federation/federation-names.js';
import { REPLICATED_KINDS } from '../../src/shared/federation/replicated-kinds.js';
import { eventually } from '../support/eventually.js';
import { FederationFixture, VERSION } from '../support/federation-fixture.js';
import { BAD_CASES } from '../support/grpc-bad-cases.js';
import { runBadCase, violationsOf, type BadInputHarness } from '../support/grpc-bad-run.js';

const GDP = 'GlobalDeploymentPolicy';
const gdpKey = { namespace: AVI_SYSTEM, name: 'global-gdp' };
const INTRUDER = 'intruder';
const LEADER_EPOCH = 5;

describe('federation: bad input to a follower serving a real leader', function () {
  this.timeout(300_000);
  let f: FederationFixture;
  let h: BadInputHarness;
  let updates = 0;

  async function observe(): Promise<string> {
    const objs: string[] = [];
    for (const r of REPLICATED_KINDS) {
      for (const o of await f.list('cluster2', r.kind)) {
        objs.push(
          `${r.kind}/${o.metadata?.namespace}/${o.metadata?.name}@${o.metadata?.resourceVersion}`,
        );
      }
    }
    const s = (await f.amkoCluster('cluster2')).status;
    return JSON.stringify({ objs: objs.sort(), epoch: s?.highestEpochSeen, leader: s?.leader });
  }

  /** Sets the GDP's ttl on the leader; waits until the follower applied it and the leader saw the ack. */
  async function leaderUpdate(n: number): Promise<void> {
    const ttl = 100 + n;
    await f.patch('cluster1', GDP, gdpKey, { spec: { ttl } });
    const revision = await eventually(
      async () => {
        const replica = await f.get('cluster2', GDP, gdpKey);
        assert.equal(replica?.spec?.['ttl'], ttl, 'replica ttl');
        return Number(replica?.metadata?.annotations?.[REPLICA_REVISION_ANNOTATION]);
      },
      { timeoutMs: 30_000, what: `ttl ${ttl} replicated` },
    );
    await eventually(
      () => {
        const member = f
          .node('cluster1')
          .statuses.at(-1)
          ?.members.find((m) => m.cluster === 'cluster2');
        assert.ok((member?.appliedRevision ?? 0) >= revision, `acked ${member?.appliedRevision}`);
      },
      { timeoutMs: 30_000, what: `revision ${revision} acked` },
    );
  }

  before(async () => {
    f = await FederationFixture.start(2, [INTRUDER]);
    await f.startFollower('cluster2');
    await f.create('cluster1', GDP, { metadata: gdpKey, spec: { ttl: 30 } });
    await f.startLeader('cluster1', LEADER_EPOCH, ['cluster2']);
    h = {
      target: {
        proto: f.proto,
        certs: f.certs,
        address: f.address('cluster2'),
        follower: 'cluster2',
        leader: 'cluster1',
        intruder: INTRUDER,
        version: VERSION,
        floodHellos: 1_000,
      },
      observe,
      leaderUpdate,
      alive: () => true,
    };
    await leaderUpdate(++updates);
  });

  after(async () => {
    await f?.stop();
  });

  for (const c of BAD_CASES) {
    it(`${c.name}: ${c.what} → ${Status[c.expected]}, nothing applied, leader still served`, async () => {
      const r = await runBadCase(h, c, ++updates);
      assert.deepEqual(violationsOf(r), [], JSON.stringify(r));
      assert.equal(r.code, Status[c.expected]);
    });
  }

  it('still holds the epoch of the real leader after every case', async () => {
    const s = (await f.amkoCluster('cluster2')).status;
    assert.equal(s?.highestEpochSeen, LEADER_EPOCH);
    assert.equal(s?.leader, 'cluster1');
  });
});
