import assert from 'node:assert/strict';
import type { AmkoCluster } from '../shared/crd/amko-cluster.js';
import {
  demotePrecheck,
  describeView,
  promotePrecheck,
  roleViewOf,
  supersededBy,
  waitOutcome,
  type RoleView,
} from './role-wait.js';

const view = (v: Partial<RoleView>): RoleView => ({ isLeader: false, epoch: 0, ...v });

describe('roleViewOf', () => {
  it('reads the flag, role, epoch, leader and resourceVersion', () => {
    const obj: AmkoCluster = {
      metadata: { name: 'a', resourceVersion: '42' },
      spec: { isLeader: true },
      status: { role: 'fenced', epoch: 7, leader: 'cluster3', message: 'superseded' },
    };
    assert.deepEqual(roleViewOf(obj), {
      isLeader: true,
      role: 'fenced',
      epoch: 7,
      leader: 'cluster3',
      message: 'superseded',
      resourceVersion: '42',
    });
  });

  it('treats a missing status as epoch 0 and no role', () => {
    assert.deepEqual(roleViewOf({ metadata: {} }), { isLeader: false, epoch: 0 });
  });
});

describe('promotePrecheck', () => {
  it('has nothing to do on a cluster that already leads', () => {
    const pre = promotePrecheck('c1', view({ isLeader: true, role: 'leader', epoch: 3 }));
    assert.deepEqual(pre, { action: 'already', message: 'c1 is already the leader at epoch 3' });
  });

  it('refuses a fenced leader, saying who superseded it', () => {
    const pre = promotePrecheck(
      'c1',
      view({ isLeader: true, role: 'fenced', epoch: 5, leader: 'c2' }),
    );
    assert.equal(pre.action, 'refuse');
    assert.match(pre.action === 'refuse' ? pre.message : '', /superseded by c2, epoch 5.*demote/);
  });

  it('patches a follower, and a cluster whose flag is set but has not led yet', () => {
    assert.equal(promotePrecheck('c', view({ role: 'follower' })).action, 'patch');
    assert.equal(promotePrecheck('c', view({ isLeader: true })).action, 'patch');
    assert.equal(promotePrecheck('c', view({ role: 'fenced' })).action, 'patch');
  });
});

describe('demotePrecheck', () => {
  it('has nothing to do on a follower told to follow; patches anything else', () => {
    assert.equal(demotePrecheck('c', view({ role: 'follower' })).action, 'already');
    assert.equal(demotePrecheck('c', view({ isLeader: true, role: 'leader' })).action, 'patch');
    assert.equal(demotePrecheck('c', view({ isLeader: true, role: 'follower' })).action, 'patch');
  });
});

describe('waitOutcome', () => {
  const leaderGoal = { role: 'leader', epochAbove: 4 } as const;

  it('is reached when the cluster leads at a higher epoch', () => {
    assert.equal(waitOutcome(leaderGoal, view({ role: 'leader', epoch: 5 }), '1'), 'reached');
  });

  it('is pending while the cluster leads at the old epoch or still follows', () => {
    assert.equal(waitOutcome(leaderGoal, view({ role: 'leader', epoch: 4 }), '1'), 'pending');
    assert.equal(waitOutcome(leaderGoal, view({ role: 'follower', epoch: 4 }), '1'), 'pending');
    assert.equal(waitOutcome(leaderGoal, view({ epoch: 0 }), '1'), 'pending');
  });

  it('is fenced only when the fenced status was written after the patch', () => {
    const stale = view({ role: 'fenced', epoch: 6, resourceVersion: '10' });
    assert.equal(waitOutcome(leaderGoal, stale, '10'), 'pending');
    assert.equal(waitOutcome(leaderGoal, { ...stale, resourceVersion: '11' }, '10'), 'fenced');
  });

  it('is reached for a demotion as soon as the role is follower', () => {
    assert.equal(waitOutcome({ role: 'follower' }, view({ role: 'follower' })), 'reached');
    assert.equal(waitOutcome({ role: 'follower' }, view({ role: 'leader' })), 'pending');
    assert.equal(waitOutcome({ role: 'follower' }, view({ role: 'fenced' })), 'pending');
  });
});

describe('role messages', () => {
  it('say who superseded a fenced leader and what was last seen', () => {
    assert.equal(
      supersededBy(view({ role: 'fenced', epoch: 9, leader: 'c3', message: 'stale epoch' })),
      'superseded by c3, epoch 9: stale epoch',
    );
    assert.equal(supersededBy(view({ epoch: 2 })), 'superseded by another leader, epoch 2');
    assert.equal(describeView(view({ epoch: 1 })), 'role not reported, epoch 1');
  });
});
