/**
 * A hot standby's controller view: it follows what the leader wrote (sent with the replicas), and
 * when the standby's own read-only plans still hold writes back, it is verified against the
 * controller, as rarely as its cost allows (standby-verify.ts). Promoted, the standby then finds
 * its view current and verifying it reads little.
 */
import type { WrittenObject } from '../../shared/federation/controller-view.js';
import type { GslbKey } from '../../shared/keys.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { LeaderMetrics } from '../../shared/telemetry/metrics.js';
import type { ControllerCache } from '../sync/controller-cache.js';
import type { ControllerReader } from '../sync/controller-reader.js';
import type { GsController } from './gs-controller.js';
import { nextVerifyDelayMs, STANDBY_VERIFY_FIRST_MS } from './standby-verify.js';

export interface StandbyViewDeps {
  readonly cache: ControllerCache;
  readonly reader: ControllerReader;
  readonly gs: GsController;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: LeaderMetrics;
  readonly refreshIntervalMs: number;
  /** The pipeline writes (it keeps its own view then). */
  mayWrite(): boolean;
  /** Queues the verification after `delayMs`. */
  queueVerify(delayMs: number): void;
  /** Every key that may need work (after a whole read of the controller). */
  allKeys(): readonly GslbKey[];
}

export class StandbyView {
  readonly #deps: StandbyViewDeps;
  /** A verification is queued, and after how long the next one. */
  #verifyQueued = false;
  #verifyDelayMs = STANDBY_VERIFY_FIRST_MS;

  constructor(deps: StandbyViewDeps) {
    this.#deps = deps;
  }

  /**
   * Takes what the leader wrote into the controller view, so that the view follows the leader's
   * writes without listing the controller. A key whose writes were held back is settled when the
   * view now holds what they would have left, without planning it again. One that is not stays
   * held back: the rest of the leader's writes, an edit of the key (which plans it again) or the
   * next verification of the view settles it. A key whose last plan found nothing to write stays
   * so when the leader left what that plan saw; otherwise a promotion plans it again.
   */
  takeWritten(objects: readonly WrittenObject[]): void {
    const d = this.#deps;
    if (d.mayWrite()) return;
    let taken = 0;
    const byKey = new Map<GslbKey, WrittenObject[]>();
    for (const o of objects) {
      const key = d.cache.takeWritten(o);
      if (key === undefined) continue;
      taken++;
      const of = byKey.get(key);
      if (of) of.push(o);
      else byKey.set(key, [o]);
    }
    const keys = { settled: 0, held: 0, changed: 0 };
    for (const [key, written] of byKey) keys[d.gs.took(key, written)]++;
    d.metrics.viewTaken(taken, objects.length - taken);
    d.log.debug(
      { objects: objects.length, taken, keys, heldBack: d.gs.pendingWrites },
      'standby: controller view took what the leader wrote',
    );
  }

  /** A read-only pass held writes back: the view is verified soon. */
  heldBack(): void {
    if (this.#verifyQueued || this.#deps.mayWrite()) return;
    this.#verifyQueued = true;
    this.#deps.queueVerify(this.#verifyDelayMs);
  }

  /**
   * Writes still held back mean the view and the desired state disagree, most often because the
   * leader is writing what both of them want. The view is verified (versions only; what changed
   * is read again) and the keys whose objects changed look again. A verification that finds nothing new doubles the
   * wait before the next one (up to the refresh interval): the disagreement is then in the
   * desired state, which the leader resolves, not in the view. The wait also grows with what a
   * verification costs (standby-verify.ts). Nothing held back any more (what the leader wrote
   * since brought the view in agreement): nothing to verify.
   */
  async verify(signal: AbortSignal): Promise<void> {
    const d = this.#deps;
    this.#verifyQueued = false;
    if (d.mayWrite() || d.gs.pendingWrites === 0) return;
    const started = d.clock.now();
    const check = await d.reader.refreshCache(d.cache, signal);
    const tookMs = d.clock.now() - started;
    this.#verifyDelayMs = nextVerifyDelayMs({
      stale: check.changed + check.gone > 0,
      tookMs,
      previousDelayMs: this.#verifyDelayMs,
      refreshIntervalMs: d.refreshIntervalMs,
    });
    // Only keys whose objects changed can plan otherwise. A held-back key whose objects did not
    // change would hold the same writes back: what the leader writes settles it, or a promotion
    // plans it (its plan does not vouch for it).
    const keys = check.keys ?? d.allKeys();
    d.log.debug(
      {
        ...check,
        keys: keys.length,
        heldBack: d.gs.pendingWrites,
        tookMs,
        nextInMs: this.#verifyDelayMs,
      },
      'standby: controller view verified',
    );
    for (const k of keys) d.gs.add(k);
  }
}
