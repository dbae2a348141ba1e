/**
 * A hot standby's held-back writes, settled by what the leader wrote, on the real simulator: the
 * standby plans read-only and holds its writes back; the leader writes; the standby takes the
 * leader's written objects into its controller view and settles the key without planning it
 * again, but only when the leader wrote what the standby wanted.
 */
import assert from 'node:assert/strict';
import {
  fromWireWritten,
  toWireWritten,
  type WrittenObject,
} from '../../src/shared/federation/controller-view.js';
import type { ControllerObject__Output } from '../../src/shared/federation/gen/amko/federation/v1/ControllerObject.js';
import { gslbKey } from '../../src/shared/keys.js';
import { useEmptyAviSim } from '../support/avi-sim.js';
import { gsSync } from '../support/gs-sync.js';

const GS = 'shop.example.com';
const KEY = gslbKey('admin', GS);

/** As the object reaches the standby: encoded and decoded as on the wire. */
const travelled = (o: WrittenObject): WrittenObject =>
  fromWireWritten(toWireWritten(o) as ControllerObject__Output);

describe('a hot standby settles held-back writes with what the leader wrote (amko-avi-sim)', function () {
  const avi = useEmptyAviSim();

  /** The leader creates the GS; returns the objects it wrote, as its cache holds them. */
  async function leaderWrites(ip: string): Promise<WrittenObject[]> {
    const written: WrittenObject[] = [];
    const leader = await gsSync(avi.client, GS, { ip, written: (o) => written.push(o) });
    assert.equal(await leader.reconciler.reconcile(KEY), 'created');
    return written;
  }

  it('settles the key without a plan when the leader wrote what the standby held back', async function () {
    const standby = await gsSync(avi.client, GS, { writable: false });
    assert.equal(await standby.reconciler.reconcile(KEY), 'read-only');
    assert.equal(standby.reconciler.pendingCount, 1);
    assert.equal(standby.reconciler.took(KEY, []), 'held', 'nothing written yet');

    const written = await leaderWrites('10.0.0.1');
    assert.deepEqual(
      written.map((o) => o.type),
      ['healthmonitor', 'gslbservice'],
    );
    const [hm, gs] = written.map(travelled);
    assert.ok(hm && gs);
    standby.cache.takeWritten(hm);
    assert.equal(standby.reconciler.took(KEY, [hm]), 'held', 'the GS is not written yet');
    standby.cache.takeWritten(gs);
    const plans = standby.desiredCalls();
    assert.equal(standby.reconciler.took(KEY, [gs]), 'settled');
    assert.equal(standby.desiredCalls(), plans, 'settled without computing the desired state');
    assert.equal(standby.reconciler.pendingCount, 0);
    assert.equal(standby.reconciler.mustPlan(KEY), false, 'what its plan wanted is there');
    assert.equal(
      await standby.reconciler.reconcile(KEY),
      'unchanged',
      'a plan agrees: the view holds what the standby wants',
    );
  });

  it('keeps the key held back when the leader wrote other content', async function () {
    const standby = await gsSync(avi.client, GS, { writable: false, ip: '10.0.0.2' });
    assert.equal(await standby.reconciler.reconcile(KEY), 'read-only');
    const written = (await leaderWrites('10.0.0.1')).map(travelled);
    for (const o of written) standby.cache.takeWritten(o);
    assert.equal(standby.reconciler.took(KEY, written), 'held', 'the leader wrote another VIP');
    assert.equal(standby.reconciler.mustPlan(KEY), true);
    assert.deepEqual(standby.reconciler.pendingKeys(), [KEY]);
    assert.equal(
      await standby.reconciler.reconcile(KEY),
      'read-only',
      'a plan agrees: the standby would update the GS',
    );
  });

  it('settles held-back deletes when the leader deleted those objects', async function () {
    await leaderWrites('10.0.0.1');
    const standby = await gsSync(avi.client, GS, { writable: false, gone: true });
    assert.equal(standby.cache.gsCount, 1, 'the standby read what the leader created');
    assert.equal(await standby.reconciler.reconcile(KEY), 'read-only', 'it would delete both');

    const deleted: WrittenObject[] = [];
    const leader = await gsSync(avi.client, GS, { gone: true, written: (o) => deleted.push(o) });
    assert.equal(await leader.reconciler.reconcile(KEY), 'deleted');
    assert.deepEqual(
      deleted.map((o) => [o.type, o.deleted]),
      [
        ['gslbservice', true],
        ['healthmonitor', true],
      ],
    );
    const plans = standby.desiredCalls();
    const gone = deleted.map(travelled);
    for (const o of gone) standby.cache.takeWritten(o);
    assert.equal(standby.reconciler.took(KEY, gone), 'settled');
    assert.equal(standby.reconciler.mustPlan(KEY), false);
    assert.equal(standby.desiredCalls(), plans);
    assert.equal(await standby.reconciler.reconcile(KEY), 'unchanged');
  });

  it('holds back an update of what the leader it follows wrote, and settles it with its write', async function () {
    // A hot standby runs at epoch 0; the leader it follows writes at epoch 1.
    await leaderWrites('10.0.0.1');
    let epoch = 0;
    const standby = await gsSync(avi.client, GS, {
      writable: false,
      ip: '10.0.0.2',
      epoch: () => epoch,
    });
    assert.equal(standby.cache.gs(KEY)?.epoch, 1);
    assert.equal(await standby.reconciler.reconcile(KEY), 'read-only', 'held back, not fenced');
    assert.deepEqual(standby.reconciler.pendingKeys(), [KEY]);

    const written: WrittenObject[] = [];
    const leader = await gsSync(avi.client, GS, {
      ip: '10.0.0.2',
      written: (o) => written.push(o),
    });
    assert.equal(await leader.reconciler.reconcile(KEY), 'updated');
    const gs = written.map(travelled);
    for (const o of gs) standby.cache.takeWritten(o);
    assert.equal(standby.reconciler.took(KEY, gs), 'settled');
    epoch = 2; // promoted
    assert.equal(standby.reconciler.mustPlan(KEY), false, 'its plan vouches for it');

    // Another leader, at epoch 3, wrote the same content: promoted at 2, it must look at it.
    await avi.sim.control.reset();
    const above: WrittenObject[] = [];
    const third = await gsSync(avi.client, GS, {
      ip: '10.0.0.2',
      epoch: () => 3,
      written: (o) => above.push(o),
    });
    assert.equal(await third.reconciler.reconcile(KEY), 'created');
    epoch = 0;
    const again = above.map(travelled);
    for (const o of again) standby.cache.takeWritten(o);
    assert.equal(standby.reconciler.took(KEY, again), 'settled', 'the same content');
    epoch = 2;
    assert.equal(standby.reconciler.mustPlan(KEY), true, 'its GS carries epoch 3, above ours');
  });

  describe('a key whose last plan found nothing to write', function () {
    /** A standby whose plan of the GS the leader created finds nothing to write. */
    async function unchangedStandby(ip = '10.0.0.1') {
      await leaderWrites('10.0.0.1');
      const standby = await gsSync(avi.client, GS, { writable: false, ip });
      assert.equal(await standby.reconciler.reconcile(KEY), 'unchanged');
      assert.equal(standby.reconciler.mustPlan(KEY), false, 'its plan vouches for it');
      return standby;
    }

    /** The controller loses every object and the leader writes the GS again (new uuids). */
    async function leaderWritesAgain(ip: string): Promise<WrittenObject[]> {
      await avi.sim.control.reset();
      return (await leaderWrites(ip)).map(travelled);
    }

    it('stays vouched for when the leader writes the same content again', async function () {
      const standby = await unchangedStandby();
      const before = standby.cache.gs(KEY)?.uuid;
      const written = await leaderWritesAgain('10.0.0.1');
      for (const o of written) standby.cache.takeWritten(o);
      assert.notEqual(standby.cache.gs(KEY)?.uuid, before, 'the view took the new objects');
      assert.equal(standby.reconciler.took(KEY, written), 'settled');
      assert.equal(standby.reconciler.mustPlan(KEY), false);
      assert.equal(await standby.reconciler.reconcile(KEY), 'unchanged', 'a plan agrees');
    });

    it('must be planned when the leader wrote other content', async function () {
      const standby = await unchangedStandby();
      const written = await leaderWritesAgain('10.0.0.7');
      for (const o of written) standby.cache.takeWritten(o);
      assert.equal(standby.reconciler.took(KEY, written), 'changed');
      assert.equal(standby.reconciler.mustPlan(KEY), true);
      assert.equal(await standby.reconciler.reconcile(KEY), 'read-only', 'a plan agrees');
    });

    it('must be planned once it has new input, even if the leader then writes what it saw', async function () {
      const standby = await unchangedStandby();
      standby.reconciler.touch(KEY);
      assert.equal(standby.reconciler.mustPlan(KEY), true);
      const written = await leaderWritesAgain('10.0.0.1');
      for (const o of written) standby.cache.takeWritten(o);
      assert.equal(standby.reconciler.took(KEY, written), 'changed');
      assert.equal(standby.reconciler.mustPlan(KEY), true);
    });
  });
});

describe('a promoted standby’s first writes meet the last ones of the leader it replaced (amko-avi-sim)', function () {
  const avi = useEmptyAviSim();

  /**
   * The old leader (epoch 1) creates the GS with VIP 10.0.0.1; the promoted standby (epoch 2,
   * wanting `ip`) reads the controller; then the old leader's last write (VIP `last`) lands,
   * which the standby's view misses. Returns the standby and the journal position after that.
   */
  async function missedLastWrite(ip: string, last: string, onWrite?: () => void) {
    const old = await gsSync(avi.client, GS, { ip: '10.0.0.1' });
    assert.equal(await old.reconciler.reconcile(KEY), 'created');
    const promoted = await gsSync(avi.client, GS, {
      ip,
      epoch: () => 2,
      ...(onWrite ? { onWrite } : {}),
    });
    const lastWrite = await gsSync(avi.client, GS, { ip: last });
    assert.equal(await lastWrite.reconciler.reconcile(KEY), 'updated');
    return { promoted, since: (await avi.sim.control.stats()).total };
  }

  async function gsWritesSince(since: number): Promise<string[]> {
    const journal = await avi.sim.control.journal({ since });
    return journal
      .filter((e) => e.method === 'PUT' && e.objectType === 'gslbservice')
      .map((e) => `${e.method} ${e.status}`);
  }

  it('plans again at once after the conflict, and writes only what still differs', async function () {
    const { promoted, since } = await missedLastWrite('10.0.0.2', '10.0.0.3');
    promoted.cache.unverified(); // as a promotion leaves a standby's view
    assert.equal(await promoted.reconciler.reconcile(KEY), 'updated', 'no error, no backoff');
    assert.deepEqual(await gsWritesSince(since), ['PUT 412', 'PUT 200']);
    assert.equal(promoted.cache.gs(KEY)?.epoch, 2);
  });

  it('writes nothing when the old leader’s last write left what it wants', async function () {
    const { promoted, since } = await missedLastWrite('10.0.0.2', '10.0.0.2');
    promoted.cache.unverified();
    assert.equal(await promoted.reconciler.reconcile(KEY), 'unchanged');
    assert.deepEqual(await gsWritesSince(since), ['PUT 412']);
    assert.equal(promoted.cache.gs(KEY)?.contested, undefined, 'the view only missed a write');
  });

  it('judges a conflict by the view its write was planned on, not one verified since', async function () {
    let verify = (): void => undefined;
    const { promoted, since } = await missedLastWrite('10.0.0.2', '10.0.0.2', () => {
      verify();
    });
    promoted.cache.unverified();
    // The view check applies its findings while the write is on its way.
    verify = () => {
      promoted.cache.applyChanges({
        names: [],
        hms: [],
        goneHms: [],
        gs: [],
        ignoredGs: [],
        goneGs: [],
      });
    };
    assert.equal(await promoted.reconciler.reconcile(KEY), 'unchanged');
    assert.equal(promoted.cache.verified, true);
    assert.deepEqual(await gsWritesSince(since), ['PUT 412']);
  });

  it('restamps the GS once its view is verified: the conflict is then another leader’s write', async function () {
    const { promoted, since } = await missedLastWrite('10.0.0.2', '10.0.0.2');
    assert.equal(promoted.cache.verified, true, 'its cache was read from the controller');
    assert.equal(await promoted.reconciler.reconcile(KEY), 'updated');
    assert.deepEqual(await gsWritesSince(since), ['PUT 412', 'PUT 200']);
    assert.equal(promoted.cache.gs(KEY)?.epoch, 2, 'restamped at its epoch');
  });
});
