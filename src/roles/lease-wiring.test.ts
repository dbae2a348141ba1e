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
