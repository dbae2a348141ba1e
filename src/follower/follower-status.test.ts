import assert from 'node:assert/strict';
import { toFollowerAmkoClusterStatus } from './follower-status.js';

describe('follower AMKOCluster status', () => {
  it('names the holder of the highest epoch seen, even before anything from it was applied', () => {
    // A new leader (cluster2, epoch 6) has claimed us; what we hold still came from cluster3.
    const s = toFollowerAmkoClusterStatus({
      highest: { epoch: 6, leader: 'cluster2' },
      applied: { leader: 'cluster3', epoch: 5, logId: 'L', revision: 40 },
      connected: { epoch: 5, leader: 'cluster3' },
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
    const open = toFollowerAmkoClusterStatus({ highest, applied, connected: highest });
    const closed = toFollowerAmkoClusterStatus({ highest, applied, connected: undefined });
    assert.equal(open.revision, 41);
    assert.deepEqual(closed, open, 'a dropped stream changes nothing in the status');
  });

  it('leaves the in-sync count to leaders: empty whatever the follower holds', () => {
    const s = toFollowerAmkoClusterStatus({
      highest: { epoch: 9, leader: 'cluster1' },
      applied: { leader: 'cluster1', epoch: 9, logId: 'L2', revision: 7 },
      connected: { epoch: 9, leader: 'cluster1' },
    });
    assert.equal(s.inSync, '');
    assert.equal(s.role, 'follower');
  });

  it('shows epoch 0, no leader and revision 0 before any leader was seen', () => {
    const s = toFollowerAmkoClusterStatus({
      highest: { epoch: 0, leader: '' },
      applied: { leader: '', epoch: 0, logId: '', revision: 0 },
      connected: undefined,
    });
    assert.deepEqual(s, { role: 'follower', epoch: 0, leader: '', inSync: '', revision: 0 });
  });
});
