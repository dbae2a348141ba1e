import assert from 'node:assert/strict';
import {
  leaseBody,
  leaseOf,
  observe,
  planRenew,
  staleMs,
  takeoverBlocked,
  takeoverClaim,
  UNSEEN,
  type Lease,
} from './lease-rules.js';

const UUID = '5e5e5e5e-1111-4222-8333-444444444444';
const lease = (epoch: number, leader: string, version = '100'): Lease => ({
  uuid: 'healthmonitor-1',
  version,
  claim: { epoch, leader },
  renewed: '2026-11-30T10:00:00.000Z',
});

describe('lease rules', () => {
  it('round-trips the holder, epoch and renew time through the health monitor markers', () => {
    const body = leaseBody(UUID, { epoch: 7, leader: 'cluster2' }, '2026-11-30T10:00:00.000Z');
    assert.equal(body.is_federated, false, 'the GSLB must not replicate the lease');
    const stored = { ...body, uuid: 'healthmonitor-1', url: 'u', _last_modified: '42' };
    const l = leaseOf(stored);
    assert.deepEqual(l.claim, { epoch: 7, leader: 'cluster2' });
    assert.equal(l.version, '42');
    assert.equal(l.renewed, '2026-11-30T10:00:00.000Z');
  });

  it('a leader creates, renews, or learns of a superseding claim', () => {
    const own = { epoch: 3, leader: 'cluster1' };
    assert.equal(planRenew(undefined, own).kind, 'create');
    assert.equal(planRenew(lease(3, 'cluster1'), own).kind, 'renew');
    assert.equal(planRenew(lease(2, 'cluster2'), own).kind, 'renew', 'a manual promotion takes it');
    assert.deepEqual(planRenew(lease(4, 'cluster2'), own), {
      kind: 'superseded',
      by: { epoch: 4, leader: 'cluster2' },
    });
  });

  it('takes over above both the lease and what it has seen', () => {
    assert.deepEqual(takeoverClaim(lease(3, 'cluster1'), { epoch: 5, leader: 'x' }, 'cluster2'), {
      epoch: 6,
      leader: 'cluster2',
    });
    assert.equal(takeoverClaim(lease(8, 'cluster1'), { epoch: 5, leader: 'x' }, 'c').epoch, 9);
  });

  it('counts staleness on its own clock and forgets it when a read fails', () => {
    let s = observe(UNSEEN, '100', 1_000);
    s = observe(s, '100', 4_000);
    assert.equal(staleMs(s, 4_000), 3_000);
    s = observe(s, '101', 5_000);
    assert.equal(staleMs(s, 5_500), 500);
    s = observe(s, undefined, 6_000);
    assert.equal(staleMs(s, 60_000), 0);
    s = observe(s, '101', 61_000);
    assert.equal(staleMs(s, 61_000), 0, 'what was seen before the failed read does not count');
  });

  it('blocks a takeover until the lease is stale, the leader silent and its priority turn come', () => {
    const base = {
      self: 'cluster3',
      lease: lease(1, 'cluster1'),
      staleMs: 2_000,
      silentMs: 4_000,
      leaseSeconds: 2,
      promoteAfterSeconds: 4,
      priority: 0,
    };
    assert.equal(takeoverBlocked(base), null);
    assert.match(takeoverBlocked({ ...base, lease: undefined }) ?? '', /no lease/);
    assert.match(takeoverBlocked({ ...base, staleMs: 1_999 }) ?? '', /held by cluster1/);
    assert.match(takeoverBlocked({ ...base, silentMs: 3_999 }) ?? '', /heard/);
    assert.match(takeoverBlocked({ ...base, priority: 1 }) ?? '', /held by/);
    assert.match(takeoverBlocked({ ...base, priority: 1, staleMs: 4_000 }) ?? '', /waits 2 s more/);
    assert.equal(takeoverBlocked({ ...base, priority: 1, staleMs: 4_000, silentMs: 6_000 }), null);
  });

  it('keeps the turn order when the leader silence decides, not the lease', () => {
    // promoteAfterSeconds above (1 + priority) × leaseSeconds: silence is the later gate.
    const at = (priority: number, ms: number): string | null =>
      takeoverBlocked({
        self: `cluster${priority + 2}`,
        lease: lease(1, 'cluster1'),
        staleMs: ms,
        silentMs: ms,
        leaseSeconds: 2,
        promoteAfterSeconds: 4,
        priority,
      });
    const firstFree = (priority: number): number => {
      for (let ms = 0; ; ms += 100) if (at(priority, ms) === null) return ms;
    };
    assert.equal(firstFree(0), 4_000);
    assert.equal(firstFree(1), 6_000);
    assert.equal(firstFree(2), 8_000);
  });
});
