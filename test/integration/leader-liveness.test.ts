/**
 * Leader liveness seen from a follower, between real amko processes over mutual TLS: the
 * follower's `status.leaderLastContact` advances while the leader runs (refreshed no more often
 * than every 10 s, although the leader pings every 500 ms), its `LeaderReachable` condition turns
 * False with a reason once the leader is stopped (`--leader-contact-timeout 3`), True again when it
 * returns, and `kubectl get amkocluster` shows both in its LEADER-SEEN and REACHABLE columns.
 */
import assert from 'node:assert/strict';
import type { AmkoClusterCondition, AmkoClusterStatus } from '../../src/shared/crd/amko-cluster.js';
import { E2eFederation } from '../support/e2e-federation.js';
import { eventually } from '../support/eventually.js';
import { kubectlAmko } from '../support/kubectl-amko.js';

const reachable = (s: AmkoClusterStatus): AmkoClusterCondition | undefined =>
  s.conditions?.find((c) => c.type === 'LeaderReachable');

describe('leader liveness on a follower', function () {
  this.timeout(600_000);
  let f: E2eFederation;
  /** Every distinct leaderLastContact the follower showed, in the order seen. */
  const seen: string[] = [];

  before(async () => {
    f = await E2eFederation.start();
    await f.createGslbConfig('cluster1');
    f.startAmko('cluster1', ['--replication-ping-ms', '500']);
    f.startAmko('cluster2', ['--leader-contact-timeout', '3']);
  });

  after(async () => {
    await f?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(f.logTails());
  });

  /** The follower's status, recording each new leaderLastContact. */
  async function follower(): Promise<AmkoClusterStatus> {
    const s = await f.status('cluster2');
    const at = s.leaderLastContact;
    if (at !== undefined && seen.at(-1) !== at) seen.push(at);
    return s;
  }

  async function row(cluster: string): Promise<Record<string, string>> {
    const rows = await f.amkoClusterTable(cluster);
    assert.equal(rows.length, 1);
    return rows[0] ?? {};
  }

  it('shows the leader reachable, with the time it was last heard from', async () => {
    await eventually(
      async () => {
        const s = await follower();
        assert.equal(s.role, 'follower');
        const c = reachable(s);
        assert.equal(c?.status, 'True');
        assert.equal(c?.reason, 'Replicating');
        assert.ok(s.leaderLastContact, 'leaderLastContact set');
        assert.equal(c?.message, `leader cluster1 heard from at ${s.leaderLastContact}`);
      },
      // Start-up only: two processes taking their roles on a loaded machine.
      { timeoutMs: 300_000, intervalMs: 250, what: 'LeaderReachable True on cluster2' },
    );
    // The leader replicates before its own status write says "leader": wait for that write.
    const leader = await eventually(
      async () => {
        const s = await f.status('cluster1');
        assert.equal(s.role, 'leader');
        return s;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'cluster1 status role leader' },
    );
    assert.equal(leader.leaderLastContact, undefined, 'a leader records no leader contact');
    assert.equal(reachable(leader), undefined, 'nor the condition');
  });

  it('advances leaderLastContact while the leader runs, at most every 10 s', async () => {
    const first = Date.parse(seen.at(-1) ?? '');
    await eventually(
      async () => {
        const s = await follower();
        assert.ok(Date.parse(s.leaderLastContact ?? '') > first, 'leaderLastContact advanced');
        assert.equal(reachable(s)?.status, 'True');
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'leaderLastContact advancing' },
    );
    // The leader pings every 500 ms; the status shows a newer contact only 10 s after the last.
    const times = seen.map((t) => Date.parse(t));
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i] ?? 0) - (times[i - 1] ?? 0);
      assert.ok(gap >= 10_000, `published ${seen[i - 1]} then ${seen[i]}`);
    }
  });

  it('kubectl get amkocluster shows LEADER-SEEN as an age and REACHABLE True', async () => {
    const r = await row('cluster2');
    assert.equal(r['ROLE'], 'follower');
    assert.match(r['LEADER-SEEN'] ?? '', /^\d+s$/);
    assert.equal(r['REACHABLE'], 'True');
    const l = await row('cluster1');
    assert.equal(l['ROLE'], 'leader');
    assert.notEqual(l['REACHABLE'], 'True');
  });

  it('turns LeaderReachable False with a reason once the leader is stopped', async () => {
    const before = await follower();
    const leader = f.run('cluster1');
    assert.ok(leader, 'leader runs');
    await leader.kill('SIGTERM');
    const stoppedAt = Date.now();
    const lost = await eventually(
      async () => {
        const s = await follower();
        const c = reachable(s);
        assert.equal(c?.status, 'False');
        assert.equal(c?.reason, 'NoContact');
        return { s, c };
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'LeaderReachable False on cluster2' },
    );
    const last = lost.s.leaderLastContact ?? '';
    assert.ok(Date.parse(last) >= Date.parse(before.leaderLastContact ?? ''), last);
    assert.ok(Date.parse(last) <= stoppedAt, `last contact ${last} before the stop`);
    assert.equal(lost.c?.message, `no contact from leader cluster1 since ${last} (timeout 3 s)`);
    assert.equal(lost.s.role, 'follower');
    const r = await row('cluster2');
    assert.equal(r['REACHABLE'], 'False');
    assert.match(r['LEADER-SEEN'] ?? '', /^\d+s$/);
    await f.run('cluster2')?.waitForLog(/LeaderReachable False: nothing heard from cluster1/);
    // kubectl amko status on the follower's cluster marks the leader no follower hears.
    const status = await kubectlAmko([
      'status',
      '--kubeconfig',
      f.clusters.kubeconfigPath,
      '--context',
      'cluster2',
    ]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      /WARNING: no follower hears cluster1 \(cluster2 last heard from it /,
    );
    assert.match(status.stdout, /\ncluster2 \*?\s+follower\s+cluster1\s+\d+\s+\d+\s+False\s/);
  });

  it('turns it True again when the leader returns', async () => {
    f.startAmko('cluster1', ['--replication-ping-ms', '500']);
    await eventually(
      async () => {
        const c = reachable(await follower());
        assert.equal(c?.status, 'True');
        assert.equal(c?.reason, 'Replicating');
      },
      { timeoutMs: 120_000, intervalMs: 250, what: 'LeaderReachable True again' },
    );
  });
});
