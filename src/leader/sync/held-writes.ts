/**
 * The writes a read-only plan held back, kept as what each would leave on the controller: an
 * object with a given checksum, or an object gone. A hot standby holds these per key; when what
 * the leader wrote brings its controller view to that state, the key is settled without being
 * planned again (planning a key means computing its desired state: at 50,000 keys, tens of CPU
 * seconds per standby). Pure.
 */
import { gslbKey } from '../../shared/keys.js';
import {
  cachedGsChecksum,
  type CachedGs,
  type CachedHm,
  type ControllerCache,
} from './controller-cache.js';
import type { GsOp } from './plan-gs.js';
import { gslbServiceChecksum, healthMonitorChecksum, type RefResolver } from './projection.js';

/** One held-back write, as the state it would leave. */
export type HeldWrite =
  | {
      readonly type: 'gslbservice' | 'healthmonitor';
      readonly tenant: string;
      readonly name: string;
      /** The object is there with this checksum. */
      readonly checksum: string;
    }
  | {
      readonly type: 'gslbservice' | 'healthmonitor';
      readonly tenant: string;
      readonly name: string;
      /** The object of this uuid is no longer there. */
      readonly goneUuid: string;
    };

/** What the controller view is asked about. */
export interface HeldWritesView {
  gs(tenant: string, name: string): CachedGs | undefined;
  hm(tenant: string, name: string): CachedHm | undefined;
  readonly resolve: RefResolver;
}

/** The held-back writes of a plan's operations. */
export function heldWritesOf(ops: readonly GsOp[], resolve: RefResolver): HeldWrite[] {
  return ops.map((op): HeldWrite => {
    switch (op.op) {
      case 'create-hm':
      case 'update-hm':
        return {
          type: 'healthmonitor',
          tenant: op.tenant,
          name: op.body.name,
          checksum: healthMonitorChecksum(op.body),
        };
      case 'create-gs':
      case 'update-gs':
        return {
          type: 'gslbservice',
          tenant: op.tenant,
          name: op.body.name,
          checksum: gslbServiceChecksum(op.body, resolve),
        };
      case 'delete-hm':
        return { type: 'healthmonitor', tenant: op.tenant, name: op.name, goneUuid: op.uuid };
      case 'delete-gs':
        return { type: 'gslbservice', tenant: op.tenant, name: op.name, goneUuid: op.uuid };
    }
  });
}

/** Whether the view already holds what every held-back write would have left. */
export function heldWritesDone(held: readonly HeldWrite[], view: HeldWritesView): boolean {
  return held.every((w) => {
    if (w.type === 'healthmonitor') {
      const hm = view.hm(w.tenant, w.name);
      return 'goneUuid' in w ? hm?.uuid !== w.goneUuid : hm?.checksum === w.checksum;
    }
    const gs = view.gs(w.tenant, w.name);
    if ('goneUuid' in w) return gs?.uuid !== w.goneUuid;
    // A contested GS may need restamping even with equal content: only a plan can tell.
    return (
      gs?.contested !== true &&
      gs !== undefined &&
      cachedGsChecksum(gs, view.resolve) === w.checksum
    );
  });
}

/** A controller cache as the view of held-back writes. */
export function cacheView(cache: ControllerCache): HeldWritesView {
  return {
    gs: (tenant, name) => cache.gs(gslbKey(tenant, name)),
    hm: (tenant, name) => cache.hm(tenant, name),
    resolve: cache.resolve,
  };
}
