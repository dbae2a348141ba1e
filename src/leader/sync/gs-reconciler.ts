/**
 * One level-based pass over a GslbService key: read the desired state and the controller cache,
 * plan, and hand the plan to the applier. A key absent from the desired state means "delete".
 * In read-only mode (hot standby, fenced, controller not GSLB leader) the plan is computed and
 * counted but nothing is written.
 */
import { gslbKey, parseGslbKey, type GslbKey } from '../../shared/keys.js';
import { inSpan, tracingOn } from '../../shared/telemetry/tracing.js';
import type { DesiredGs } from '../model/desired-gslb-service.js';
import { passthroughHmName } from '../model/names.js';
import type { ControllerCache } from './controller-cache.js';
import type { ApplyOutcome, GsApplier } from './gs-applier.js';
import type { WrittenObject } from '../../shared/federation/controller-view.js';
import {
  cacheView,
  heldWritesDone,
  heldWritesOf,
  plannedObjects,
  planStillHolds,
  type HeldWrite,
  type PlannedObject,
} from './held-writes.js';
import { planGslbService, type GsOp } from './plan-gs.js';

export type ReconcileResult = ApplyOutcome | 'read-only' | 'fenced';

/** The epoch a read-only plan is made at: above any an object can carry. */
const READ_ONLY_EPOCH = Number.MAX_SAFE_INTEGER;

/** What the leader's writes did to a key of a hot standby (`GsReconciler.took`). */
export type TookResult =
  /** Its held-back writes are still to be made. */
  | 'held'
  /** Its held-back writes are made, or its last plan still holds: nothing to write. */
  | 'settled'
  /** Its last plan no longer tells: planned again when it matters (a promotion). */
  | 'changed';

interface HeldBack {
  readonly writes: readonly HeldWrite[];
  /** What the plan saw once those writes are made; undefined when the view could not tell. */
  readonly planned: readonly PlannedObject[] | undefined;
}

export interface GsReconcilerDeps {
  readonly cache: ControllerCache;
  readonly applier: GsApplier;
  readonly amkoUuid: string;
  /** The desired GS of a key; `exists` tells whether the controller has it. */
  desired(key: GslbKey, exists: boolean, signal?: AbortSignal): Promise<DesiredGs | undefined>;
  epoch(): number;
  /** False in hot standby, when fenced, or while the controller is not the GSLB leader. */
  writable(): boolean;
  fence(reason: string): void;
}

export class GsReconciler {
  readonly #deps: GsReconcilerDeps;
  /** Keys whose last plan had writes that were not made (read-only mode), and those writes. */
  readonly #pending = new Map<GslbKey, HeldBack>();
  /**
   * Read-only mode: keys whose last plan found nothing to write and still holds (no new input,
   * no change of their objects since), with what it saw. A promotion plans only the others.
   */
  readonly #settled = new Map<GslbKey, readonly PlannedObject[]>();
  /** Keys with new input since their current pass began: that pass cannot settle them. */
  readonly #touched = new Set<GslbKey>();

  constructor(deps: GsReconcilerDeps) {
    this.#deps = deps;
  }

  /** How many keys' last plans had writes that were not made (read-only mode). */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** The keys whose last plans had writes that were not made (read-only mode). */
  pendingKeys(): GslbKey[] {
    return [...this.#pending.keys()];
  }

  /** The key has new input (an edit, a changed object): its last plan no longer holds. */
  touch(key: GslbKey): void {
    this.#settled.delete(key);
    this.#touched.add(key);
  }

  /**
   * The leader wrote `written` (objects of `key`), and the controller view holds them. A key
   * whose writes were held back is settled without planning again when the view now holds what
   * those writes would have left; one whose last plan found nothing to write stays so when the
   * leader left what that plan saw (rewrote it with the same content, for example).
   */
  took(key: GslbKey, written: readonly WrittenObject[]): TookResult {
    const view = cacheView(this.#deps.cache);
    const held = this.#pending.get(key);
    if (held && !heldWritesDone(held.writes, view)) return 'held';
    this.#pending.delete(key);
    const planned = held ? held.planned : this.#settled.get(key);
    if (
      planned &&
      !this.#touched.has(key) &&
      !this.#deps.writable() &&
      planStillHolds(planned, written, view)
    ) {
      this.#settled.set(key, planned);
      return 'settled';
    }
    this.touch(key);
    return held ? 'settled' : 'changed';
  }

  /**
   * Whether a promotion must plan the key: its last read-only plan does not hold any more, or
   * its GS carries an epoch above ours (that plan assumed a promotion above every epoch it saw).
   */
  mustPlan(key: GslbKey): boolean {
    const cached = this.#deps.cache.gs(key);
    if (cached?.contested === true || (cached?.epoch ?? 0) > this.#deps.epoch()) return true;
    const planned = this.#settled.get(key);
    return planned === undefined || planned.some((o) => this.#above(o));
  }

  /** The object the plan saw now carries an epoch above ours. */
  #above(o: PlannedObject): boolean {
    const c = this.#deps.cache;
    const held =
      o.type === 'gslbservice' ? c.gs(gslbKey(o.tenant, o.name)) : c.hm(o.tenant, o.name);
    return (held?.epoch ?? 0) > this.#deps.epoch();
  }

  /** Writing now: what read-only plans saw is no longer kept. */
  forgetPlans(): void {
    this.#settled.clear();
    this.#touched.clear();
  }

  /** One pass; traced as an `amko.gslb.reconcile` span (its Avi requests are child spans). */
  reconcile(key: GslbKey, signal?: AbortSignal): Promise<ReconcileResult> {
    if (!tracingOn()) return this.#reconcile(key, signal);
    const { tenant, gsName } = parseGslbKey(key);
    return inSpan(
      'amko.gslb.reconcile',
      { 'amko.gslb.name': gsName, 'amko.tenant': tenant },
      async (span) => {
        const result = await this.#reconcile(key, signal);
        span.setAttribute('amko.gslb.action', result);
        return result;
      },
    );
  }

  async #reconcile(key: GslbKey, signal?: AbortSignal): Promise<ReconcileResult> {
    try {
      return await this.#pass(key, signal);
    } catch (err) {
      // A write met a change the cache had not seen (the last writes of a leader killed before
      // it sent them to the standby promoted since, another writer): the cache holds what the
      // controller does now, and one plan more sees it. A second conflict backs off.
      if (!this.#deps.applier.repaired(err)) throw err;
      return this.#pass(key, signal);
    }
  }

  async #pass(key: GslbKey, signal?: AbortSignal): Promise<ReconcileResult> {
    const d = this.#deps;
    const { tenant, gsName } = parseGslbKey(key);
    this.#touched.delete(key);
    this.#settled.delete(key);
    const cached = d.cache.gs(key);
    if (cached && cached.epoch > d.epoch() && d.writable()) {
      // Another leader wrote it since: the marker is outside the checksum, so equal content
      // would otherwise read as "nothing to do" and hide the newer leadership.
      d.fence(
        `GslbService ${cached.name} carries amko-epoch ${cached.epoch}, higher than ours (${d.epoch()})`,
      );
      return 'fenced';
    }
    const desired = await d.desired(key, cached !== undefined, signal);
    const writable = d.writable();
    const plan = planGslbService({
      tenant,
      gsName,
      desired,
      cached,
      // A read-only plan asks what a promotion would write. A promoted leader's epoch is above
      // that of every object the leader it follows wrote; objects stamped above the promotion's
      // epoch are checked when it activates (`mustPlan`).
      epoch: writable ? d.epoch() : READ_ONLY_EPOCH,
      createdBy: d.cache.createdBy,
      passthroughHm: passthroughHmName(d.amkoUuid),
      hm: (t, n) => d.cache.hm(t, n),
      ownedHmsOfGs: (t, g) => d.cache.ownedHmsOfGs(t, g),
      resolve: d.cache.resolve,
    });
    if ('fenced' in plan) {
      if (writable) d.fence(plan.fenced);
      return 'fenced';
    }
    if (!writable) return this.#keepReadOnly(key, desired, plan.ops);
    if (plan.ops.length === 0) {
      this.#pending.delete(key);
      return 'unchanged';
    }
    const outcome = await d.applier.apply(plan.ops, signal);
    this.#pending.delete(key);
    return outcome;
  }

  /** Read-only: keeps what the plan saw, and the writes it holds back. */
  #keepReadOnly(
    key: GslbKey,
    desired: DesiredGs | undefined,
    ops: readonly GsOp[],
  ): ReconcileResult {
    const d = this.#deps;
    const view = cacheView(d.cache);
    if (ops.length === 0) {
      this.#pending.delete(key);
      const planned = plannedObjects(desired, [], view);
      if (planned && !this.#touched.has(key)) this.#settled.set(key, planned);
      return 'unchanged';
    }
    const writes = heldWritesOf(ops, d.cache.resolve);
    this.#pending.set(key, { writes, planned: plannedObjects(desired, writes, view) });
    return 'read-only';
  }
}
