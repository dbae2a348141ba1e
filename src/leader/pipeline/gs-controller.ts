/**
 * The GslbService controller: a rate-limited queue of GslbService keys whose workers compute the
 * desired state, plan against the controller cache and apply. It knows nothing of bootup or full
 * syncs; the driver (pipeline.ts) adds keys and is told when each pass ends.
 *
 * - A key whose GS has members in a member cluster not yet listed is left alone.
 * - While a policy pass is pending, keys are put back briefly (not a pass).
 * - A write the controller refuses with a plain 400 is retried slowly (backoff from the slow
 *   retry delay, capped at minutes) and reported with the controller's words; any new input for
 *   the key (an edit, a full sync) tries again at once.
 * - An alias lost to another GslbService is logged and reported when it changes.
 */
import { backoffDelay, doubling, isRefusal, type BackoffPolicy } from '../../shared/backoff.js';
import { messageOf, OperatorError } from '../../shared/errors.js';
import type { WrittenObject } from '../../shared/federation/controller-view.js';
import type { GslbKey } from '../../shared/keys.js';
import { WorkQueue } from '../../shared/kube/work-queue.js';
import { runWorkers, type PassResult } from '../../shared/kube/worker-pool.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { LeaderMetrics } from '../../shared/telemetry/metrics.js';
import { clustersOfDescription } from '../ingestion/tracked-object.js';
import type { AliasGrant } from '../policy/alias-owner.js';
import { AliasWakes } from '../policy/alias-wakes.js';
import type { ControllerCache } from '../sync/controller-cache.js';
import type { GsReconciler, TookResult } from '../sync/gs-reconciler.js';

/** How long a GslbService key waits for a pending policy pass before it is looked at again. */
const POLICY_WAIT_MS = 50;
/** Cap of the retry delay of a key the controller refuses. */
const REJECTED_MAX_MS = 5 * 60_000;

export interface GsControllerDeps {
  readonly reconciler: GsReconciler;
  readonly cache: ControllerCache;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: LeaderMetrics;
  readonly workers: number;
  /** First retry delay of a refused key and of `slow` errors. */
  readonly slowRetryMs: number;
  /** Member clusters whose caches are not filled yet. */
  unsyncedClusters(): readonly string[];
  /** True while a policy pass is queued or running (and writes would happen). */
  policyPending(): boolean;
  /** The controller answered that it is not the GSLB leader. */
  lostControllerLeadership(): Promise<void>;
  /** A pass planned writes it did not make (read-only): the controller view may be behind. */
  heldBack(key: GslbKey): void;
  /** Every pass over a key ends here (also put-backs), for the driver's bookkeeping. */
  passed(key: GslbKey): void;
  /** A key's writes are refused by the controller (`message`), or no longer (undefined). */
  refused(key: GslbKey, message: string | undefined): void;
  /** The aliases a key loses to other GslbServices changed (empty: none lost any more). */
  aliasesLost(key: GslbKey, lost: AliasGrant['lost']): void;
}

interface Refusal {
  readonly message: string;
  attempts: number;
}

export class GsController {
  readonly #deps: GsControllerDeps;
  readonly #queue: WorkQueue<GslbKey>;
  readonly #stop = new AbortController();
  /** Keys whose last pass failed. */
  readonly #failing = new Set<GslbKey>();
  /** Keys put back because a policy pass was pending when they came up (not a pass). */
  readonly #deferred = new Set<GslbKey>();
  readonly #refused = new Map<GslbKey, Refusal>();
  readonly #refusedRetry: BackoffPolicy;
  /** Aliases each key lost, as last reported. */
  readonly #lost = new Map<GslbKey, string>();
  readonly #aliasWakes = new AliasWakes();
  #workers: Promise<void> | undefined;

  constructor(deps: GsControllerDeps) {
    this.#deps = deps;
    this.#refusedRetry = doubling(deps.slowRetryMs, REJECTED_MAX_MS);
    this.#queue = new WorkQueue({ clock: deps.clock, baseDelayMs: 50, maxDelayMs: 30_000 });
    deps.metrics.watchQueue({ name: 'gslbservice', depth: () => this.#queue.length });
  }

  /** Keys whose last pass failed (refused ones included). */
  get failing(): number {
    return this.#failing.size;
  }

  /** Keys whose plan had writes that were held back (read-only mode). */
  get pendingWrites(): number {
    return this.#deps.reconciler.pendingCount;
  }

  /** The leader wrote `written` (objects of `key`): see `GsReconciler.took`. */
  took(key: GslbKey, written: readonly WrittenObject[]): TookResult {
    return this.#deps.reconciler.took(key, written);
  }

  /** Of `keys`, those a promotion must plan (the others' last read-only plans still hold). */
  mustPlan(keys: Iterable<GslbKey>): GslbKey[] {
    const r = this.#deps.reconciler;
    const out: GslbKey[] = [];
    for (const k of keys) if (this.#failing.has(k) || r.mustPlan(k)) out.push(k);
    return out;
  }

  /** Writing now: what read-only plans saw is no longer kept. */
  forgetPlans(): void {
    this.#deps.reconciler.forgetPlans();
  }

  /** Queues a key for a pass now; a refused key gets a fresh try. */
  add(key: GslbKey): void {
    const r = this.#refused.get(key);
    if (r) r.attempts = 0;
    this.#deps.reconciler.touch(key);
    this.#queue.add(key);
  }

  start(): void {
    this.#workers ??= runWorkers({
      queue: this.#queue,
      count: this.#deps.workers,
      log: this.#deps.log,
      slowRetryMs: this.#deps.slowRetryMs,
      process: (key) => this.#pass(key),
      onPass: (key, outcome) => {
        this.#afterPass(key, outcome);
      },
    });
  }

  async stop(): Promise<void> {
    this.#stop.abort(new Error('GslbService controller stopped'));
    await this.#queue.shutDownWithDrain();
    await this.#workers;
  }

  /** Called by the desired state on every pass: the aliases `key` keeps and those it lost. */
  noteAliases(key: GslbKey, grant: AliasGrant): void {
    this.#aliasWakes.note(key, grant);
    const { lost } = grant;
    const now = JSON.stringify(lost);
    if ((this.#lost.get(key) ?? '[]') === now) return;
    if (lost.length === 0) this.#lost.delete(key);
    else this.#lost.set(key, now);
    this.#deps.aliasesLost(key, lost);
  }

  async #pass(key: GslbKey): Promise<PassResult> {
    const d = this.#deps;
    const started = d.clock.now();
    if (this.#held(key)) return undefined;
    if (d.policyPending()) {
      // Planned now, this key would be written with the GDP/GSLBHostRules the policy pass is
      // about to replace (e.g. right after a promotion caught up from a member), then again.
      this.#deferred.add(key);
      return { requeueAfterMs: POLICY_WAIT_MS };
    }
    try {
      const result = await d.reconciler.reconcile(key, this.#stop.signal);
      if (result === 'read-only') {
        d.log.debug({ key }, 'writes held back: read-only');
        d.heldBack(key);
      } else if (result !== 'unchanged') d.log.debug({ key, result }, 'GslbService synced');
      d.metrics.reconcile(result, (d.clock.now() - started) / 1000);
      this.#accepted(key);
      return undefined;
    } catch (err) {
      const seconds = (d.clock.now() - started) / 1000;
      if (isRefusal(err)) {
        d.metrics.reconcile('rejected', seconds);
        return { requeueAfterMs: this.#refusedNow(key, messageOf(err)) };
      }
      if (err instanceof OperatorError && err.code === 'AVI_NOT_LEADER')
        await d.lostControllerLeadership();
      d.metrics.reconcile('error', seconds);
      throw err;
    }
  }

  /** Records a refusal; returns the delay before the next try. */
  #refusedNow(key: GslbKey, message: string): number {
    const before = this.#refused.get(key);
    const attempts = (before?.attempts ?? 0) + 1;
    this.#refused.set(key, { message, attempts });
    const delay = backoffDelay(this.#refusedRetry, attempts - 1);
    this.#deps.log.warn(
      { key, attempts, retryInMs: delay, err: message },
      'the controller refused the GslbService; retrying slowly',
    );
    if (before?.message !== message) this.#deps.refused(key, message);
    return delay;
  }

  #accepted(key: GslbKey): void {
    if (!this.#refused.delete(key)) return;
    this.#deps.log.info({ key }, 'the controller accepted the GslbService it refused before');
    this.#deps.refused(key, undefined);
  }

  /** A GS that has members in a cluster not yet listed is left alone until that cluster lists. */
  #held(key: GslbKey): boolean {
    const unsynced = this.#deps.unsyncedClusters();
    if (unsynced.length === 0) return false;
    const clusters = clustersOfDescription(this.#deps.cache.gs(key)?.description);
    return unsynced.some((c) => clusters.has(c));
  }

  #afterPass(key: GslbKey, outcome: 'ok' | 'retry' | 'slow' | 'dropped'): void {
    if (this.#deferred.delete(key)) return;
    if (outcome === 'ok' && !this.#refused.has(key)) this.#failing.delete(key);
    else this.#failing.add(key);
    // Its aliases changed: the keys that lost one to it or claim one it took look again.
    for (const k of this.#aliasWakes.after(key) as GslbKey[]) {
      this.#deps.reconciler.touch(k);
      this.#queue.add(k);
    }
    this.#deps.passed(key);
  }
}
