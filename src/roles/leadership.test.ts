import assert from 'node:assert/strict';
import { NO_CLAIM } from '../shared/federation/epoch-rules.js';
import { fencedMessage, leadershipAtStart } from './leadership.js';

describe('leadership at start-up', () => {
  const self = 'cluster1';

  it('promotes on a fresh install (no status, no claim)', () => {
    assert.deepEqual(leadershipAtStart(undefined, NO_CLAIM, self), { kind: 'promote' });
    assert.deepEqual(leadershipAtStart({}, NO_CLAIM, self), { kind: 'promote' });
  });

  it('promotes a follower whose isLeader was set while it was down', () => {
    const highest = { epoch: 4, leader: 'cluster2' };
    assert.deepEqual(leadershipAtStart({ role: 'follower' }, highest, self), { kind: 'promote' });
  });

  it('promotes a former leader that had been demoted to follower', () => {
    const highest = { epoch: 4, leader: self };
    assert.deepEqual(leadershipAtStart({ role: 'follower' }, highest, self), { kind: 'promote' });
  });

  it('promotes anew when its own claim is newer than the leadership its status shows', () => {
    // Demoted at epoch 4 (status not yet rewritten), promoted to 5, restarted before leading:
    // the take-over at 5 never caught up, so resuming it as a leader would skip the catch-up.
    const highest = { epoch: 5, leader: self };
    assert.deepEqual(leadershipAtStart({ role: 'leader', epoch: 4 }, highest, self), {
      kind: 'promote',
    });
  });

  it('resumes the persisted epoch of a leader restarted while leading', () => {
    const highest = { epoch: 7, leader: self };
    assert.deepEqual(leadershipAtStart({ role: 'leader', epoch: 7 }, highest, self), {
      kind: 'resume',
      claim: highest,
    });
  });

  it('is fenced when it led but has since recorded a winning claim', () => {
    const highest = { epoch: 8, leader: 'cluster2' };
    assert.deepEqual(leadershipAtStart({ role: 'leader', epoch: 7 }, highest, self), {
      kind: 'fenced',
      by: highest,
      reason: 'fenced by cluster2 at epoch 8',
    });
  });

  it('stays fenced after a restart, keeping the recorded reason', () => {
    const highest = { epoch: 8, leader: 'cluster2' };
    const status = { role: 'fenced' as const, message: 'fenced by cluster2 at epoch 8' };
    assert.deepEqual(leadershipAtStart(status, highest, self), {
      kind: 'fenced',
      by: highest,
      reason: 'fenced by cluster2 at epoch 8',
    });
    const own = leadershipAtStart({ role: 'fenced' }, { epoch: 3, leader: self }, self);
    assert.equal(own.kind, 'fenced');
    assert.equal(own.kind === 'fenced' ? own.by : 'x', undefined);
  });

  it('names who superseded a fenced leader', () => {
    assert.equal(fencedMessage({ epoch: 5, leader: 'cluster2' }), 'fenced by cluster2 at epoch 5');
    assert.equal(fencedMessage({ epoch: 5, leader: '' }), 'fenced by another leader at epoch 5');
  });
});
