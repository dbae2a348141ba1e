import assert from 'node:assert/strict';
import type { GslbService, HealthMonitor } from '../../shared/avi/types.js';
import type { WrittenObject } from '../../shared/federation/controller-view.js';
import type { DesiredGs } from '../model/desired-gslb-service.js';
import type { CachedGs, CachedHm } from './controller-cache.js';
import {
  plannedObjects,
  planStillHolds,
  type HeldWrite,
  type HeldWritesView,
} from './held-writes.js';

const GS = 'shop.example.com';
const HM = 'amko--http--shop.example.com--/';

const desired: DesiredGs = {
  tenant: 'admin',
  gsName: GS,
  gs: { name: GS } as GslbService,
  monitors: [{ name: HM } as HealthMonitor],
};

/** A controller view holding the GS and the monitor with the checksums given (none: absent). */
function view(o: { gs?: string; hm?: string; contested?: boolean }): HeldWritesView {
  const gs =
    o.gs === undefined
      ? undefined
      : ({
          name: GS,
          uuid: 'gs-1',
          checksum: o.gs,
          ...(o.contested ? { contested: true } : {}),
        } as CachedGs);
  const hm =
    o.hm === undefined ? undefined : ({ name: HM, uuid: 'hm-1', checksum: o.hm } as CachedHm);
  return {
    gs: (t, n) => (t === 'admin' && n === GS ? gs : undefined),
    hm: (t, n) => (t === 'admin' && n === HM ? hm : undefined),
    resolve: (_type, ref) => ref,
  };
}

const written = (type: WrittenObject['type'], name: string, deleted = false): WrittenObject => ({
  type,
  tenant: 'admin',
  name,
  uuid: `${name}-2`,
  deleted,
  lastModified: '2',
  epoch: 1,
  checksum: 'c',
});

describe('what a read-only plan saw (held-writes)', function () {
  it('takes the checksums of the view, or of the writes held back', function () {
    assert.deepEqual(plannedObjects(desired, [], view({ gs: 'g1', hm: 'h1' })), [
      { type: 'healthmonitor', tenant: 'admin', name: HM, checksum: 'h1' },
      { type: 'gslbservice', tenant: 'admin', name: GS, checksum: 'g1' },
    ]);
    const held: HeldWrite[] = [{ type: 'gslbservice', tenant: 'admin', name: GS, checksum: 'g2' }];
    assert.deepEqual(
      plannedObjects(desired, held, view({ hm: 'h1' }))?.map((p) => p.checksum),
      ['h1', 'g2'],
    );
  });

  it('cannot tell when an object it did not write is missing or the GS is contested', function () {
    assert.equal(plannedObjects(desired, [], view({ gs: 'g1' })), undefined);
    assert.equal(
      plannedObjects(desired, [], view({ gs: 'g1', hm: 'h1', contested: true })),
      undefined,
    );
  });

  it('sees nothing for a key that wants no GS', function () {
    assert.deepEqual(plannedObjects(undefined, [], view({})), []);
  });

  it('holds while the leader leaves the same content, and not once it wrote anything else', function () {
    const planned = plannedObjects(desired, [], view({ gs: 'g1', hm: 'h1' })) ?? [];
    const same = view({ gs: 'g1', hm: 'h1' });
    assert.equal(planStillHolds(planned, [written('gslbservice', GS)], same), true);
    assert.equal(
      planStillHolds(planned, [written('gslbservice', GS)], view({ gs: 'g9', hm: 'h1' })),
      false,
      'other content',
    );
    assert.equal(
      planStillHolds(planned, [written('healthmonitor', 'amko--other')], same),
      false,
      'a monitor of the key the plan did not see',
    );
    assert.equal(
      planStillHolds(planned, [written('healthmonitor', 'amko--other', true)], same),
      true,
      'an object the plan did not see is gone',
    );
    assert.equal(
      planStillHolds([], [written('gslbservice', GS)], view({ gs: 'g1' })),
      false,
      'a GS the key does not want',
    );
  });
});
