/**
 * One level-based pass over a GslbService key: read the desired state and the controller cache,
 * plan, and hand the plan to the applier. A key absent from the desired state means "delete".
 * In read-only mode (hot standby, fenced, controller not GSLB leader) the plan is computed and
 * counted but nothing is written.
 */
import { parseGslbKey, type GslbKey } from '../../shared/keys.js';
import { inSpan, tracingOn } from '../../shared/telemetry/tracing.js';
import type { DesiredGs } from '../model/desired-gslb-service.js';
import { passthroughHmName } from '../model/names.js';
import type { ControllerCache } from './controller-cache.js';
import type { ApplyOutcome, GsApplier } from './gs-applier.js';
import { cacheView, heldWritesDone, heldWritesOf, type HeldWrite } from './held-writes.js';
import { planGslbService } from './plan-gs.js';

export type ReconcileResult = ApplyOutcome | 'read-only' | 'fenced';

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
  readonly #pending = new Map<GslbKey, readonly HeldWrite[]>();

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

  /**
   * A key whose writes were held back, settled without planning again when the controller view
   * now holds what those writes would have left (what the leader wrote). True when settled.
   */
  settle(key: GslbKey): boolean {
    const held = this.#pending.get(key);
    if (!held || !heldWritesDone(held, cacheView(this.#deps.cache))) return false;
    this.#pending.delete(key);
    return true;
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
    const d = this.#deps;
    const { tenant, gsName } = parseGslbKey(key);
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
    const plan = planGslbService({
      tenant,
      gsName,
      desired,
      cached,
      epoch: d.epoch(),
      createdBy: d.cache.createdBy,
      passthroughHm: passthroughHmName(d.amkoUuid),
      hm: (t, n) => d.cache.hm(t, n),
      ownedHmsOfGs: (t, g) => d.cache.ownedHmsOfGs(t, g),
      resolve: d.cache.resolve,
    });
    if ('fenced' in plan) {
      if (d.writable()) d.fence(plan.fenced);
      return 'fenced';
    }
    if (plan.ops.length === 0) {
      this.#pending.delete(key);
      return 'unchanged';
    }
    if (!d.writable()) {
      this.#pending.set(key, heldWritesOf(plan.ops, d.cache.resolve));
      return 'read-only';
    }
    const outcome = await d.applier.apply(plan.ops, signal);
    this.#pending.delete(key);
    return outcome;
  }
}
