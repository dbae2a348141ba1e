import assert from 'node:assert/strict';
import type { ReplicationStatus } from '../leader/replicator/member-status.js';
import {
  desiredStatusPatch,
  federationConditions,
  roleViewOf,
  withTransitionTimes,
  type RoleView,
} from './role-status.js';

import { initialState, type LeadershipState } from './leadership-types.js';

const VALID = { type: 'current AMKOCluster Validation', status: 'valid AMKOCluster object' };
const NOW = '2026-01-02T03:04:05.000Z';
const EARLIER = '2026-01-01T00:00:00.000Z';

function replication(over: Partial<ReplicationStatus> = {}): ReplicationStatus {
  return {
    logId: 'log-1',
    revision: 12,
    members: [
      {
        cluster: 'cluster2',
        appliedRevision: 12,
        lag: 0,
        lastAckAt: Date.parse(EARLIER),
        connected: true,
      },
      { cluster: 'cluster3', appliedRevision: 9, lag: 3, connected: false, lastError: 'down' },
    ],
    ...over,
  };
}

const patch = (view: RoleView): Record<string, unknown> | undefined =>
  desiredStatusPatch({ view, validation: VALID, previous: undefined, now: NOW });

describe('AMKOCluster status of a role', () => {
  it('writes nothing without a role', () => {
    assert.equal(patch({ phase: 'none' }), undefined);
  });

  it('reports a leader: epoch, in-sync count, members, revision and AMKO conditions', () => {
    const p = patch({
      phase: 'leader',
      claim: { epoch: 3, leader: 'cluster1' },
      replication: replication(),
      unheard: [],
    });
    assert.equal(p?.['role'], 'leader');
    assert.equal(p?.['epoch'], 3);
    assert.equal(p?.['inSync'], '1/2');
    assert.equal(p?.['revision'], 12);
    assert.equal(p?.['message'], null);
    assert.equal('leader' in (p ?? {}), false, 'status.leader belongs to the epoch store');
    assert.deepEqual(p?.['members'], [
      { cluster: 'cluster2', appliedRevision: 12, lag: 0, lastAckTime: EARLIER },
      { cluster: 'cluster3', appliedRevision: 9, lag: 3, lastError: 'down' },
    ]);
    const types = (p?.['conditions'] as { type: string; status: string }[]).map((c) => [
      c.type,
      c.status,
    ]);
    assert.deepEqual(types, [
      ['current AMKOCluster Validation', 'valid AMKOCluster object'],
      ['GSLBConfig Federation', 'error in federating to some clusters'],
      ['GDP Federation', 'error in federating to some clusters'],
    ]);
  });

  it('says epoch unverified, naming the members that have not answered', () => {
    const p = patch({
      phase: 'leader',
      claim: { epoch: 3, leader: 'cluster1' },
      replication: replication(),
      unheard: ['cluster3'],
    });
    assert.equal(p?.['message'], 'epoch unverified: no answer from cluster3');
  });

  it('reports a leader the replicator found superseded as fenced, naming the winner', () => {
    const p = patch({
      phase: 'leader',
      claim: { epoch: 3, leader: 'cluster1' },
      replication: replication({ fencedBy: { epoch: 4, leader: 'cluster2' } }),
      unheard: [],
    });
    assert.equal(p?.['role'], 'fenced');
    assert.equal(p?.['epoch'], 4);
    assert.equal(p?.['message'], 'fenced by cluster2 at epoch 4');
  });

  it('reports a follower with AMKO’s follower condition, its leader contact and no members', () => {
    const p = patch({
      phase: 'follower',
      follower: {
        highest: { epoch: 2, leader: 'cluster1' },
        applied: { leader: 'cluster1', epoch: 2, logId: 'l', revision: 40 },
        connected: { epoch: 2, leader: 'cluster1' },
        contact: {
          state: 'reachable',
          leader: 'cluster1',
          lastContact: Date.parse(EARLIER),
          since: Date.parse(EARLIER) - 5_000,
          timeoutMs: 30_000,
        },
      },
    });
    assert.deepEqual(
      { ...p, conditions: undefined },
      {
        role: 'follower',
        epoch: 2,
        revision: 40,
        inSync: '',
        members: null,
        message: null,
        leaderLastContact: EARLIER,
        conditions: undefined,
      },
    );
    assert.deepEqual(p?.['conditions'], [
      {
        type: 'current AMKOCluster Validation',
        status: "won't federate objects",
        reason: 'AMKO not a leader',
        lastTransitionTime: NOW,
      },
      {
        type: 'LeaderReachable',
        status: 'True',
        reason: 'Replicating',
        message: `leader cluster1 heard from at ${EARLIER}`,
        lastTransitionTime: NOW,
      },
    ]);
  });

  it('removes a follower’s leader contact on a leader and a fenced leader', () => {
    const leader = patch({
      phase: 'leader',
      claim: { epoch: 3, leader: 'cluster1' },
      replication: replication(),
      unheard: [],
    });
    const fenced = patch({ phase: 'fenced', claim: undefined, by: undefined, reason: 'x' });
    for (const p of [leader, fenced]) {
      assert.equal(p?.['leaderLastContact'], null);
      const types = (p?.['conditions'] as { type: string }[]).map((c) => c.type);
      assert.ok(!types.includes('LeaderReachable'), types.join());
    }
  });

  it('adds a notice as the message and one more condition, whatever the role', () => {
    const notice = {
      type: 'Federation',
      status: 'False',
      reason: 'TLSNotConfigured',
      message: 'federation needs TLS',
    };
    const p = desiredStatusPatch({
      view: {
        phase: 'leader',
        claim: { epoch: 3, leader: 'cluster1' },
        replication: replication({ members: [] }),
        unheard: [],
      },
      validation: VALID,
      previous: undefined,
      now: NOW,
      notice,
    });
    assert.equal(p?.['message'], 'federation needs TLS');
    assert.deepEqual((p?.['conditions'] as unknown[]).at(-1), {
      ...notice,
      lastTransitionTime: NOW,
    });
  });

  it('reports a fenced leader with who superseded it, or the controller’s reason', () => {
    const byPeer = patch({
      phase: 'fenced',
      claim: { epoch: 1, leader: 'cluster1' },
      by: { epoch: 2, leader: 'cluster2' },
      reason: 'x',
    });
    assert.equal(byPeer?.['role'], 'fenced');
    assert.equal(byPeer?.['epoch'], 2);
    assert.equal(byPeer?.['message'], 'fenced by cluster2 at epoch 2');
    assert.equal(byPeer?.['inSync'], '');
    const byController = patch({
      phase: 'fenced',
      claim: { epoch: 1, leader: 'cluster1' },
      by: undefined,
      reason: 'GslbService a has amko-epoch 5, higher than ours (1)',
    });
    assert.equal(byController?.['epoch'], 1);
    assert.match(String(byController?.['message']), /higher than ours/);
  });

  it('keeps a condition’s transition time while its status holds', () => {
    const prev = [{ ...VALID, lastTransitionTime: EARLIER }];
    assert.deepEqual(withTransitionTimes([VALID], prev, NOW), [
      { ...VALID, lastTransitionTime: EARLIER },
    ]);
    const changed = { type: VALID.type, status: 'invalid AMKOCluster object' };
    assert.deepEqual(withTransitionTimes([changed], prev, NOW), [
      { ...changed, lastTransitionTime: NOW },
    ]);
  });

  it('says every member was federated when all are connected without errors', () => {
    const ok = replication({
      members: [{ cluster: 'cluster2', appliedRevision: 1, lag: 0, connected: true }],
    });
    assert.deepEqual(
      federationConditions(ok).map((c) => c.status),
      [
        'federated to all valid clusters successfully',
        'federated to all valid clusters successfully',
      ],
    );
    const none = replication({
      members: [{ cluster: 'cluster2', appliedRevision: 0, lag: 1, connected: false }],
    });
    assert.deepEqual(federationConditions(none)[0], {
      type: 'GSLBConfig Federation',
      status: 'failure in federation',
      reason: 'cluster2: not connected',
    });
    assert.deepEqual(federationConditions(replication({ members: [] })), []);
  });
});

describe('roleViewOf', () => {
  const claim = { epoch: 3, leader: 'cluster1' };
  const base = initialState('cluster1', 'hot', claim);
  const at = (p: Partial<LeadershipState>): LeadershipState => ({ ...base, ...p });
  const rep = replication();

  it('shows a leader with its replication only once the replicator runs', () => {
    const leader = at({ role: 'leader', claim, unheard: ['cluster3'] });
    assert.deepEqual(roleViewOf(leader, undefined, rep), {
      phase: 'leader',
      claim,
      replication: rep,
      unheard: ['cluster3'],
    });
    assert.deepEqual(roleViewOf(leader, undefined, undefined), { phase: 'promoting', claim });
  });

  it('shows fenced with the winning claim, and nothing before a role is taken', () => {
    const by = { epoch: 4, leader: 'cluster2' };
    const fenced = at({ role: 'fenced', claim, fence: { by, reason: 'higher epoch' } });
    assert.deepEqual(roleViewOf(fenced, undefined, rep), {
      phase: 'fenced',
      claim,
      by,
      reason: 'higher epoch',
    });
    assert.deepEqual(roleViewOf(at({ role: 'none' }), undefined, rep), { phase: 'none' });
    assert.deepEqual(roleViewOf(at({ role: 'follower' }), undefined, undefined), {
      phase: 'none',
    });
  });
});
