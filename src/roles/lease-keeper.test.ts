import assert from 'node:assert/strict';
import { ownedAfterConflict } from './lease-keeper.js';
import type { Lease } from './lease-rules.js';

const lease = (epoch: number, leader: string, version: string): Lease => ({
  uuid: 'healthmonitor-1',
  version,
  claim: { epoch, leader },
  renewed: '2026-11-30T10:00:00.000Z',
});

describe('ownedAfterConflict', () => {
  const own = { epoch: 7, leader: 'cluster2' };

  it('counts a 412 whose read-back holds our own claim as held (our other write won)', () => {
    const current = lease(7, 'cluster2', '200');
    assert.deepEqual(ownedAfterConflict({ ok: false, current }, own), { ok: true, lease: current });
  });

  it('leaves a success, a lease of another claim and a vanished lease as they are', () => {
    const ok = { ok: true, lease: lease(7, 'cluster2', '201') } as const;
    assert.equal(ownedAfterConflict(ok, own), ok);
    for (const current of [lease(8, 'cluster1', '202'), lease(7, 'cluster1', '203'), undefined]) {
      const refused = { ok: false, current } as const;
      assert.equal(ownedAfterConflict(refused, own), refused);
    }
  });
});
