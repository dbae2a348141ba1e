import assert from 'node:assert/strict';
import type { AmkoCluster, AmkoClusterStatus } from '../shared/crd/amko-cluster.js';
import {
  catchUpLine,
  catchUpSource,
  memberPositions,
  statusTimeOf,
  type MemberPositionView,
  type MemberRead,
  leaderUnheard,
  leaderUnheardLine,
} from './positions.js';

const ac = (status: AmkoClusterStatus, isLeader = false): AmkoCluster => ({
  apiVersion: 'amko.vmware.com/v1alpha1',
  kind: 'AMKOCluster',
  metadata: { name: 'amkocluster-federation', namespace: 'avi-system' },
  spec: { isLeader },
  status,
});

const CLUSTERS = ['c1', 'c2', 'c3'];
const follower = (revision: number, epoch = 5, leader = 'c2'): AmkoClusterStatus => ({
  role: 'follower',
  epoch,
  leader,
  revision,
});

describe('memberPositions', () => {
  it('takes each member from its own status and marks the highest epoch, then revision', () => {
    const reads: MemberRead[] = [
      { cluster: 'c1', amkoCluster: ac(follower(30)) },
      { cluster: 'c2', amkoCluster: ac({ role: 'leader', epoch: 5, leader: 'c2', revision: 41 }) },
      { cluster: 'c3', amkoCluster: ac(follower(40)) },
    ];
    const p = memberPositions(CLUSTERS, reads);
    assert.deepEqual(
      p.map((m) => [m.cluster, m.source, m.revision, m.mostUpToDate]),
      [
        ['c1', 'own-status', 30, false],
        ['c2', 'own-status', 41, true],
        ['c3', 'own-status', 40, false],
      ],
    );
  });

  it('a higher epoch wins over a higher revision', () => {
    const reads: MemberRead[] = [
      { cluster: 'c1', amkoCluster: ac(follower(3, 7, 'c3')) },
      { cluster: 'c2', amkoCluster: ac(follower(90, 6)) },
    ];
    const p = memberPositions(['c1', 'c2'], reads);
    assert.deepEqual(
      p.filter((m) => m.mostUpToDate).map((m) => m.cluster),
      ['c1'],
    );
  });

  it('falls back to the leader’s members list, else unknown with the reason', () => {
    const leader = ac({
      role: 'leader',
      epoch: 5,
      leader: 'c2',
      revision: 40,
      members: [{ cluster: 'c3', appliedRevision: 35, lag: 5 }],
    });
    const reads: MemberRead[] = [
      { cluster: 'c2', amkoCluster: leader },
      { cluster: 'c1', error: 'connection refused' },
      { cluster: 'c3', error: 'timed out' },
    ];
    const p = memberPositions(CLUSTERS, reads);
    assert.deepEqual(p[0], {
      cluster: 'c1',
      source: 'unknown',
      mostUpToDate: false,
      error: 'connection refused',
    });
    assert.deepEqual(
      [p[2]?.source, p[2]?.revision, p[2]?.epoch, p[2]?.leader, p[2]?.error],
      ['leader-status', 35, 5, 'c2', 'timed out'],
    );
  });

  it('does not rank a member without a status', () => {
    const p = memberPositions(['c1'], [{ cluster: 'c1', amkoCluster: ac({}) }]);
    assert.equal(p[0]?.mostUpToDate, false);
  });
});

describe('catchUpSource', () => {
  const positions = (target: AmkoClusterStatus, other: AmkoClusterStatus): MemberRead[] => [
    { cluster: 'c1', amkoCluster: ac(target) },
    { cluster: 'c3', amkoCluster: ac(other) },
  ];

  it('names a follower ahead on the same leader’s log at the same epoch', () => {
    const p = memberPositions(['c1', 'c3'], positions(follower(30), follower(40)));
    assert.equal(catchUpSource('c1', p)?.cluster, 'c3');
    assert.match(
      catchUpLine('c1', p),
      /^c1 is behind c3 \(revision 30 .* < revision 40 .*first catch up from c3/,
    );
  });

  it('names a follower at a higher epoch whatever its log', () => {
    const p = memberPositions(['c1', 'c3'], positions(follower(30, 5), follower(2, 6, 'c9')));
    assert.equal(catchUpSource('c1', p)?.cluster, 'c3');
  });

  it('does not order followers of different leaders at the same epoch', () => {
    const p = memberPositions(['c1', 'c3'], positions(follower(30, 5), follower(40, 5, 'c9')));
    assert.equal(catchUpSource('c1', p), undefined);
    assert.equal(catchUpLine('c1', p), 'c1 is not behind any follower: no catch-up needed');
  });

  it('never catches up from a leader, nor for a target that is not a follower', () => {
    const fromLeader = memberPositions(
      ['c1', 'c3'],
      positions(follower(30), { role: 'leader', epoch: 5, leader: 'c3', revision: 90 }),
    );
    assert.equal(catchUpSource('c1', fromLeader), undefined);
    const notFollower = memberPositions(
      ['c1', 'c3'],
      positions({ role: 'fenced', epoch: 5, revision: 1 }, follower(40)),
    );
    assert.equal(catchUpSource('c1', notFollower), undefined);
  });
});

describe('statusTimeOf', () => {
  it('is the latest of the status field manager’s time and the members’ last acks', () => {
    const obj = ac({
      role: 'leader',
      members: [{ cluster: 'c3', lastAckTime: '2026-01-01T10:00:05Z' }],
    });
    (obj.metadata as Record<string, unknown>)['managedFields'] = [
      { manager: 'amko', subresource: 'status', time: '2026-01-01T10:00:00Z' },
      { manager: 'kubectl', time: '2026-01-02T00:00:00Z' },
    ];
    assert.equal(statusTimeOf(obj), '2026-01-01T10:00:05Z');
    assert.equal(statusTimeOf(ac({})), undefined);
  });
  it('warns when every follower that says shows the leader unreachable, and only then', () => {
    const follower = (cluster: string, reachable: string): MemberPositionView => ({
      cluster,
      source: 'own-status',
      role: 'follower',
      leader: 'cluster1',
      epoch: 2,
      revision: 7,
      leaderReachable: reachable,
      leaderLastContact: '2026-11-30T08:00:00Z',
      mostUpToDate: false,
    });
    const leader: MemberPositionView = {
      cluster: 'cluster1',
      source: 'unknown',
      error: 'connection refused',
      mostUpToDate: false,
    };
    const none = [leader, follower('cluster2', 'False'), follower('cluster3', 'False')];
    assert.equal(leaderUnheard(none)?.leader, 'cluster1');
    assert.equal(
      leaderUnheardLine(none),
      'WARNING: no follower hears cluster1 (cluster2 last heard from it 2026-11-30T08:00:00Z; ' +
        'cluster3 last heard from it 2026-11-30T08:00:00Z): it may be down or cut off',
    );
    assert.equal(
      leaderUnheard([leader, follower('cluster2', 'False'), follower('cluster3', 'True')]),
      undefined,
    );
    assert.equal(leaderUnheard([leader]), undefined, 'no follower says anything');
  });
});
