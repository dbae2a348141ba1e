/**
 * The failover lease store (src/roles/lease-store.ts) against the real simulator process: create,
 * renew, take by compare-and-swap, 412 when another writer changed the lease, two racing takers of
 * which exactly one wins, and the lease kept across a controller restart with its state.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AviClient } from '../../src/shared/avi/avi-client.js';
import type { EpochClaim } from '../../src/shared/federation/epoch-rules.js';
import { LEASE_TENANT, leaseName, type Lease } from '../../src/roles/lease-rules.js';
import { LeaseStore } from '../../src/roles/lease-store.js';
import { clientFor, startAviSim, type AviSimHandle } from '../support/avi-sim.js';

const UUID = '1ea5e000-aaaa-4bbb-8ccc-dddddddddddd';
const RACES = 20;

const claim = (leader: string, epoch: number): EpochClaim => ({ leader, epoch });

/** A site's view of the lease: its own client (its User-Agent names it). */
class Site {
  readonly client: AviClient;
  readonly store: LeaseStore;

  constructor(sim: AviSimHandle, cluster: string) {
    this.client = clientFor(sim, { userAgent: { version: '0.1.0', cluster } });
    this.store = new LeaseStore({ client: this.client, amkoUuid: UUID });
  }
}

/** The lease of `swap`/`create` when it succeeded (fails the test otherwise). */
function won(res: { ok: true; lease: Lease } | { ok: false; current: Lease | undefined }): Lease {
  assert.ok(res.ok, `expected the write to win, the lease is ${JSON.stringify(res)}`);
  return res.lease;
}

describe('lease store against amko-avi-sim', function () {
  this.timeout(60_000);
  let dir: string;
  let sim: AviSimHandle;
  let sites: Site[];
  const signal = (): AbortSignal => AbortSignal.timeout(10_000);

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), 'lease-store-'));
    sim = await startAviSim({ statePath: path.join(dir, 'state.json') });
  });
  after(async function () {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async function () {
    await sim.control.reset();
    sites = ['cluster1', 'cluster2', 'cluster3'].map((c) => new Site(sim, c));
  });
  afterEach(async function () {
    for (const s of sites) await s.client.close();
  });

  function site(i: number): Site {
    const s = sites[i];
    if (!s) throw new Error(`no site ${i}`);
    return s;
  }

  it('creates the lease as a non-federated health monitor in admin, read back as written', async function () {
    const one = site(0).store;
    assert.equal(await one.read(signal()), undefined);
    const lease = won(await one.create(claim('cluster1', 1), '2026-01-01T00:00:00.000Z', signal()));
    assert.deepEqual(lease.claim, claim('cluster1', 1));
    assert.equal(lease.renewed, '2026-01-01T00:00:00.000Z');
    assert.deepEqual(await site(1).store.read(signal()), lease);
    const objs = await sim.control.objects({ type: 'healthmonitor', tenant: LEASE_TENANT });
    const hm = (objs['healthmonitor'] ?? []).find((o) => o['name'] === leaseName(UUID));
    assert.equal(hm?.['is_federated'], false);
    const federated = await site(1).client.healthMonitors.list({
      tenant: '*',
      isFederated: true,
    });
    assert.equal(federated.filter((h) => h.name === leaseName(UUID)).length, 0);
  });

  it('a second create finds the lease already there and says who holds it', async function () {
    const first = won(await site(0).store.create(claim('cluster1', 1), 'a', signal()));
    const second = await site(1).store.create(claim('cluster2', 1), 'b', signal());
    assert.deepEqual(second, { ok: false, current: first });
  });

  it('renews at the same claim: a new version each time, strictly increasing', async function () {
    const one = site(0).store;
    let lease = won(await one.create(claim('cluster1', 3), 't0', signal()));
    for (let i = 1; i <= 3; i++) {
      const next = won(await one.swap(lease, claim('cluster1', 3), `t${i}`, signal()));
      assert.ok(BigInt(next.version) > BigInt(lease.version), `${next.version} > ${lease.version}`);
      assert.equal(next.renewed, `t${i}`);
      lease = next;
    }
    assert.deepEqual(await site(2).store.read(signal()), lease);
  });

  it('a follower takes the lease by compare-and-swap; the old holder then gets 412 and sees the taker', async function () {
    const held = won(await site(0).store.create(claim('cluster1', 1), 'a', signal()));
    const seen = await site(1).store.read(signal());
    assert.ok(seen);
    const taken = won(await site(1).store.swap(seen, claim('cluster2', 2), 'b', signal()));
    assert.deepEqual(taken.claim, claim('cluster2', 2));
    const renew = await site(0).store.swap(held, claim('cluster1', 1), 'c', signal());
    assert.deepEqual(renew, { ok: false, current: taken });
    const puts = (await sim.control.journal()).filter((e) => e.method === 'PUT');
    assert.deepEqual(
      puts.map((e) => `${e.userAgent?.split(' ').at(-1) ?? ''} ${e.status}`),
      ['cluster/cluster2 200', 'cluster/cluster1 412'],
    );
  });

  it('refuses a swap when another writer changed the lease since it was read (412)', async function () {
    const lease = won(await site(0).store.create(claim('cluster1', 1), 'a', signal()));
    const bumped = await sim.control.touch('healthmonitor', lease.uuid);
    const res = await site(0).store.swap(lease, claim('cluster1', 1), 'b', signal());
    assert.equal(res.ok, false);
    assert.equal(res.ok ? '' : res.current?.version, bumped);
    const stats = await sim.control.stats();
    assert.equal(stats.byStatus['412'], 1);
  });

  it('says the lease is gone when it was deleted under a swap', async function () {
    const lease = won(await site(0).store.create(claim('cluster1', 1), 'a', signal()));
    await site(2).client.healthMonitors.delete(lease.uuid, { tenant: LEASE_TENANT });
    const res = await site(0).store.swap(lease, claim('cluster1', 1), 'b', signal());
    assert.deepEqual(res, { ok: false, current: undefined });
  });

  it(`two followers racing for the same lease: exactly one wins, ${RACES} times over`, async function () {
    let lease = won(await site(0).store.create(claim('cluster1', 1), 'start', signal()));
    const wins: Record<string, number> = { cluster2: 0, cluster3: 0 };
    for (let round = 0; round < RACES; round++) {
      const epoch = lease.claim.epoch + 1;
      const racers = [site(1), site(2)];
      const results = await Promise.all(
        racers.map((s, i) =>
          s.store.swap(lease, claim(`cluster${i + 2}`, epoch), `round ${round}`, signal()),
        ),
      );
      const winners = results.flatMap((r) => (r.ok ? [r.lease] : []));
      assert.equal(winners.length, 1, `round ${round}: ${JSON.stringify(results)}`);
      const winner = winners[0] as Lease;
      const loser = results.find((r) => !r.ok);
      assert.deepEqual(loser, { ok: false, current: winner }, 'the loser sees the winner');
      assert.deepEqual(await site(0).store.read(signal()), winner);
      wins[winner.claim.leader] = (wins[winner.claim.leader] ?? 0) + 1;
      lease = winner;
    }
    assert.equal((wins['cluster2'] ?? 0) + (wins['cluster3'] ?? 0), RACES);
    const stats = await sim.control.stats();
    assert.equal(stats.byStatus['412'], RACES, 'one 412 per race');
  });

  it('keeps the lease across a controller restart with its state; the holder renews after it', async function () {
    const lease = won(await site(0).store.create(claim('cluster1', 4), 'before', signal()));
    await sim.restart(200);
    const after = await site(1).store.read(signal());
    assert.deepEqual(after, lease, 'same version, holder and epoch after the restart');
    const renewed = won(await site(0).store.swap(lease, claim('cluster1', 4), 'after', signal()));
    assert.ok(BigInt(renewed.version) > BigInt(lease.version));
  });
});
