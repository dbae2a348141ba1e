import assert from 'node:assert/strict';
import { initialState, type LeadershipState } from './leadership-types.js';
import { leaseModeOf } from './lease-wiring.js';

const claim = { epoch: 2, leader: 'cluster2' };
const base = initialState('cluster2', 'hot', { epoch: 1, leader: 'cluster1' });
const state = (p: Partial<LeadershipState>): LeadershipState => ({
  ...base,
  autoFailover: true,
  ...p,
});

describe('leaseModeOf', () => {
  it('watches as a follower and does nothing with autoFailover off', () => {
    assert.deepEqual(leaseModeOf(state({ role: 'follower' })), { kind: 'watch' });
    assert.deepEqual(leaseModeOf(state({ role: 'leader', claim, autoFailover: false })), {
      kind: 'off',
    });
  });

  it('renews while a take-over surveys and catches up, before acquire-lease answered', () => {
    // A follower that took the expired lease is promoting at its claim: the lease must not stand
    // still through a survey that waits for an unreachable member, or the next follower by
    // priority finds it expired and takes it over too.
    for (const progress of [[], ['surveyed'], ['surveyed', 'caught-up']] as const) {
      assert.deepEqual(leaseModeOf(state({ role: 'promoting', claim, progress })), {
        kind: 'lead',
        claim,
      });
    }
  });

  it('renews a lease it took from the moment it took it, until its take-over has a claim', () => {
    // Setting spec.isLeader and persisting the epoch are kube writes that may outlast the lease.
    const taken = claim;
    const selfSet = { isLeader: true, sent: true };
    const lead = { kind: 'lead', claim: taken };
    assert.deepEqual(leaseModeOf(state({ role: 'follower', taken, selfSet })), lead);
    const wanted = { kind: 'lead', status: undefined } as const;
    assert.deepEqual(leaseModeOf(state({ role: 'promoting', taken, wanted })), lead);
    // Its own claim, once persisted, is what it renews.
    const own = { epoch: 3, leader: 'cluster2' };
    assert.deepEqual(leaseModeOf(state({ role: 'promoting', taken, wanted, claim: own })), {
      kind: 'lead',
      claim: own,
    });
    // Not when the spec says follow again, nor once a higher claim is known.
    assert.deepEqual(leaseModeOf(state({ role: 'follower', taken })), { kind: 'watch' });
    const learnt = { epoch: 4, leader: 'cluster3' };
    assert.deepEqual(leaseModeOf(state({ role: 'follower', taken, selfSet, learnt })), {
      kind: 'watch',
    });
  });

  it('renews as a leader and as a self-fenced leader, not when fenced by a higher claim', () => {
    assert.deepEqual(leaseModeOf(state({ role: 'leader', claim })), { kind: 'lead', claim });
    const lapsed = { by: undefined, reason: 'not renewed', lapsed: true };
    assert.deepEqual(leaseModeOf(state({ role: 'fenced', claim, fence: lapsed })), {
      kind: 'lead',
      claim,
    });
    const by = { epoch: 3, leader: 'cluster3' };
    assert.deepEqual(
      leaseModeOf(state({ role: 'fenced', claim, fence: { by, reason: 'higher epoch' } })),
      { kind: 'off' },
    );
  });
});
