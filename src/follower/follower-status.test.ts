import assert from 'node:assert/strict';
import { leaderContactStatus, toFollowerAmkoClusterStatus } from './follower-status.js';
import type { LeaderContactView } from './leader-contact.js';

const T0 = Date.parse('2026-03-04T05:06:07.000Z');
const AWAITING: LeaderContactView = {
  state: 'awaiting',
  leader: undefined,
  lastContact: undefined,
  since: T0,
  timeoutMs: 30_000,
};

describe('follower AMKOCluster status', () => {
  it('names the holder of the highest epoch seen, even before anything from it was applied', () => {
    // A new leader (cluster2, epoch 6) has claimed us; what we hold still came from cluster3.
    const s = toFollowerAmkoClusterStatus({
      highest: { epoch: 6, leader: 'cluster2' },
      applied: { leader: 'cluster3', epoch: 5, logId: 'L', revision: 40 },
      connected: { epoch: 5, leader: 'cluster3' },
      contact: AWAITING,
    });
    assert.deepEqual(s, {
      role: 'follower',
      epoch: 6,
      leader: 'cluster2',
      inSync: '',
      revision: 40,
    });
  });

  it('reports the applied revision, whether or not a stream is open', () => {
    const applied = { leader: 'cluster3', epoch: 5, logId: 'L', revision: 41 };
    const highest = { epoch: 5, leader: 'cluster3' };
    const contact = AWAITING;
    const open = toFollowerAmkoClusterStatus({ highest, applied, connected: highest, contact });
    const closed = toFollowerAmkoClusterStatus({ highest, applied, connected: undefined, contact });
    assert.equal(open.revision, 41);
    assert.deepEqual(closed, open, 'a dropped stream changes nothing in the status');
  });

  it('leaves the in-sync count to leaders: empty whatever the follower holds', () => {
    const s = toFollowerAmkoClusterStatus({
      highest: { epoch: 9, leader: 'cluster1' },
      applied: { leader: 'cluster1', epoch: 9, logId: 'L2', revision: 7 },
      connected: { epoch: 9, leader: 'cluster1' },
      contact: AWAITING,
    });
    assert.equal(s.inSync, '');
    assert.equal(s.role, 'follower');
  });

  it('shows epoch 0, no leader and revision 0 before any leader was seen', () => {
    const s = toFollowerAmkoClusterStatus({
      highest: { epoch: 0, leader: '' },
      applied: { leader: '', epoch: 0, logId: '', revision: 0 },
      connected: undefined,
      contact: AWAITING,
    });
    assert.deepEqual(s, { role: 'follower', epoch: 0, leader: '', inSync: '', revision: 0 });
  });
});

describe('follower leader contact status', () => {
  it('is Unknown (AwaitingLeader) without a contact time before the first leader', () => {
    const s = leaderContactStatus(AWAITING);
    assert.equal(s.leaderLastContact, null);
    assert.deepEqual(s.condition, {
      type: 'LeaderReachable',
      status: 'Unknown',
      reason: 'AwaitingLeader',
      message: 'waiting for a leader since 2026-03-04T05:06:07.000Z (timeout 30 s)',
    });
  });

  it('is True (Replicating) with the leader and the time it was heard from', () => {
    const s = leaderContactStatus({
      ...AWAITING,
      state: 'reachable',
      leader: 'cluster1',
      lastContact: T0 + 2_500,
    });
    assert.equal(s.leaderLastContact, '2026-03-04T05:06:09.500Z');
    assert.equal(s.condition.status, 'True');
    assert.equal(s.condition.reason, 'Replicating');
    assert.equal(s.condition.message, 'leader cluster1 heard from at 2026-03-04T05:06:09.500Z');
  });

  it('is False (NoContact) naming the leader and since when, or that none ever came', () => {
    const lost = leaderContactStatus({
      ...AWAITING,
      state: 'lost',
      leader: 'cluster1',
      lastContact: T0 + 1_000,
      timeoutMs: 3_000,
    });
    assert.equal(lost.leaderLastContact, '2026-03-04T05:06:08.000Z');
    assert.equal(lost.condition.status, 'False');
    assert.equal(lost.condition.reason, 'NoContact');
    assert.equal(
      lost.condition.message,
      'no contact from leader cluster1 since 2026-03-04T05:06:08.000Z (timeout 3 s)',
    );
    const never = leaderContactStatus({ ...AWAITING, state: 'lost' });
    assert.equal(never.leaderLastContact, null);
    assert.equal(
      never.condition.message,
      'no leader has contacted this cluster since 2026-03-04T05:06:07.000Z (timeout 30 s)',
    );
  });
});
