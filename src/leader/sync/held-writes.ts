/**
 * The writes a read-only plan held back, kept as what each would leave on the controller: an
 * object with a given checksum, or an object gone. A hot standby holds these per key; when what
 * the leader wrote brings its controller view to that state, the key is settled without being
 * planned again (planning a key means computing its desired state: at 50,000 keys, tens of CPU
 * seconds per standby). Pure.
 */
import type { WrittenObject } from '../../shared/federation/controller-view.js';
import { gslbKey } from '../../shared/keys.js';
import type { DesiredGs } from '../model/desired-gslb-service.js';
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

/** An object as a plan saw it or would leave it: there, with this checksum. */
export type PlannedObject = Extract<HeldWrite, { readonly checksum: string }>;

/**
 * What a read-only plan saw of its key on the controller once its held-back writes are made:
 * every desired object with the checksum it has or would have. Undefined when the view cannot
 * tell (an object the plan did not write is missing, or a GS holds references the cache could
 * not resolve, or is contested): the key is then planned again when it matters.
 */
export function plannedObjects(
  desired: DesiredGs | undefined,
  held: readonly HeldWrite[],
  view: HeldWritesView,
): PlannedObject[] | undefined {
  if (!desired) return [];
  const written = (type: HeldWrite['type'], name: string): PlannedObject | undefined =>
    held.find((w): w is PlannedObject => w.type === type && w.name === name && 'checksum' in w);
  const out: PlannedObject[] = [];
  for (const m of desired.monitors) {
    const checksum =
      written('healthmonitor', m.name)?.checksum ?? view.hm(desired.tenant, m.name)?.checksum;
    if (checksum === undefined) return undefined;
    out.push({ type: 'healthmonitor', tenant: desired.tenant, name: m.name, checksum });
  }
  let checksum = written('gslbservice', desired.gs.name)?.checksum;
  if (checksum === undefined) {
    const gs = view.gs(desired.tenant, desired.gs.name);
    if (!gs || gs.unresolved || gs.contested) return undefined;
    checksum = gs.checksum;
  }
  out.push({ type: 'gslbservice', tenant: desired.tenant, name: desired.gs.name, checksum });
  return out;
}

/**
 * Whether a key's last read-only plan still holds after the leader wrote `written` (objects of
 * that key): every object it saw is still there with the same content, and the leader wrote no
 * object of the key that the plan did not see (a GS it did not want, a monitor it would delete).
 * A plan computed again would then find the same: nothing to write.
 */
export function planStillHolds(
  planned: readonly PlannedObject[],
  written: readonly WrittenObject[],
  view: HeldWritesView,
): boolean {
  const seen = (o: WrittenObject): boolean =>
    planned.some((p) => p.type === o.type && p.tenant === o.tenant && p.name === o.name);
  return written.every((o) => o.deleted || seen(o)) && heldWritesDone(planned, view);
}
