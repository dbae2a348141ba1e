import assert from 'node:assert/strict';
import { toAmkoClusterStatus, type ReplicationStatus } from './member-status.js';

const self = { epoch: 3, leader: 'cluster1' };
const status: ReplicationStatus = Object.freeze({
  logId: 'L',
  revision: 12,
  members: [
    {
      cluster: 'cluster2',
      appliedRevision: 12,
      lag: 0,
      lastAckAt: Date.UTC(2026, 0, 2, 3, 4, 5),
      connected: true,
    },
    {
      cluster: 'cluster3',
      appliedRevision: 7,
      lag: 5,
      lastError: 'cluster3: UNAVAILABLE: down',
      connected: false,
    },
  ],
});

describe('leader AMKOCluster status', () => {
  it('shows role, epoch, leader, revision, the in-sync count and each member', () => {
    assert.deepEqual(toAmkoClusterStatus(status, self), {
      role: 'leader',
      epoch: 3,
      leader: 'cluster1',
      revision: 12,
      inSync: '1/2',
      members: [
        {
          cluster: 'cluster2',
          appliedRevision: 12,
          lag: 0,
          lastAckTime: '2026-01-02T03:04:05.000Z',
        },
        {
          cluster: 'cluster3',
          appliedRevision: 7,
          lag: 5,
          lastError: 'cluster3: UNAVAILABLE: down',
        },
      ],
    });
  });

  it('says fenced and names who superseded it', () => {
    const s = toAmkoClusterStatus({ ...status, fencedBy: { epoch: 4, leader: 'cluster2' } }, self);
    assert.equal(s.role, 'fenced');
    assert.equal(s.epoch, 4);
    assert.equal(s.leader, 'cluster2');
  });

  it('does not count a connected member behind the head, nor a disconnected one at it', () => {
    const members = [
      { cluster: 'a', appliedRevision: 11, lag: 1, connected: true },
      { cluster: 'b', appliedRevision: 12, lag: 0, connected: false },
    ];
    assert.equal(toAmkoClusterStatus({ ...status, members }, self).inSync, '0/2');
  });
});
