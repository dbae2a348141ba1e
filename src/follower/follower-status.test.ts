import assert from 'node:assert/strict';
import { toFollowerAmkoClusterStatus } from './follower-status.js';

describe('follower AMKOCluster status', () => {
  it('follows the holder of the highest epoch seen, with an empty in-sync count', () => {
    const s = toFollowerAmkoClusterStatus({
      highest: { epoch: 5, leader: 'cluster3' },
      applied: { leader: 'cluster3', epoch: 5, logId: 'L', revision: 40 },
      connected: undefined,
    });
    assert.deepEqual(s, {
      role: 'follower',
      epoch: 5,
      leader: 'cluster3',
      inSync: '',
      revision: 40,
    });
  });

  it('shows epoch 0 and no leader before any leader was seen', () => {
    const s = toFollowerAmkoClusterStatus({
      highest: { epoch: 0, leader: '' },
      applied: { leader: '', epoch: 0, logId: '', revision: 0 },
      connected: undefined,
    });
    assert.equal(s.epoch, 0);
    assert.equal(s.leader, '');
  });
});
