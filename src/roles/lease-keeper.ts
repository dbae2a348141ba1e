/**
 * Keeps the failover lease (lease-rules.ts) for the role switch, whose step decides everything
 * else. Three modes, set from the step's state after every event:
 *
 * - `lead` (a take-over past its survey, a leader, or a leader self-fenced on the lease): renews
 *   at its claim every leaseSeconds/3. A watchdog armed at each renewal's *send* time tells the
 *   step `lease-lapsed` once leaseSeconds pass without another success; a lease held by a
 *   superseding claim is a higher epoch.
 * - `watch` (a follower): reads the lease every leaseSeconds/3 (read-only GETs, one at a time),
 *   tracks how long it has stood still, and tells the step `lease-vacant` when this follower may
 *   take it (`takeoverBlocked`).
 * - `off`.
 *
 * `acquire` and `take` do the step's two lease effects. Each call to the controller is bounded by
 * leaseSeconds/3. Every transition is logged, counted and recorded as an Event.
 */
import type { Meter } from '@opentelemetry/api';
import type { Clock } from '../shared/clock.js';
import type { AutoFailover } from '../shared/crd/auto-failover.js';
import { messageOf } from '../shared/errors.js';
import { compareClaims, type EpochClaim } from '../shared/federation/epoch-rules.js';
import type { Logger } from '../shared/telemetry/logger.js';
import type { Event } from './leadership-types.js';
import {
  observe,
  planRenew,
  staleMs,
  takeoverBlocked,
  takeoverClaim,
  UNSEEN,
  type Lease,
  type Staleness,
} from './lease-rules.js';
import { LeaseStore, type LeaseController, type SwapResult } from './lease-store.js';

/** How long `acquire` waits for a starting pipeline's controller connection. */
const CONNECT_WAIT_MS = 15_000;

/**
 * A swap refused (412) because the lease changed, into the lease at `claim` itself: the change was
 * this process's own (the renewal loop and an acquire both write, and a write whose answer was
 * lost leaves a stale version behind), so the lease is held as wanted.
 */
export function ownedAfterConflict(res: SwapResult, claim: EpochClaim): SwapResult {
  if (res.ok || !res.current || compareClaims(res.current.claim, claim) !== 0) return res;
  return { ok: true, lease: res.current };
}

export type LeaseMode =
  | { readonly kind: 'off' }
  | { readonly kind: 'lead'; readonly claim: EpochClaim }
  | { readonly kind: 'watch' };

/** What the status shows of the lease. */
export interface LeaseView {
  readonly state: 'off' | 'held' | 'lapsed' | 'watching' | 'unreadable';
  readonly lease: Lease | undefined;
  /** Why a follower does not take over, or the last error. */
  readonly detail: string;
  /** A follower that cannot read the lease and has not heard its leader for promoteAfter. */
  readonly manualFailoverNeeded: boolean;
}

export interface LeaseKeeperDeps {
  controller(): LeaseController | undefined;
  settings(): AutoFailover;
  self(): string;
  /** The highest claim this cluster has persisted. */
  highest(): EpochClaim;
  /** How long this follower has not heard from its leader. */
  silentMs(): number;
  dispatch(e: Event): void;
  /** Records an Event on the AMKOCluster. */
  event(reason: string, message: string, warning: boolean): void;
  /** The status should be written again. */
  poke(): void;
  clock: Clock;
  log: Logger;
  meter?: Meter | undefined;
}

export class LeaseKeeper {
  readonly #d: LeaseKeeperDeps;
  readonly #log: Logger;
  readonly #stopping = new AbortController();
  readonly #transitions: ReturnType<Meter['createCounter']> | undefined;
  #mode: LeaseMode = { kind: 'off' };
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #watchdog: AbortController | undefined;
  #stale: Staleness = UNSEEN;
  #view: LeaseView = { state: 'off', lease: undefined, detail: '', manualFailoverNeeded: false };
  /** The lease a follower found vacant (what `take` swaps over). */
  #vacant: Lease | undefined;
  /** When the last successful renewal (or acquire) was sent, and at which claim. */
  #lastSent: { claim: EpochClaim; at: number } | undefined;

  constructor(deps: LeaseKeeperDeps) {
    this.#d = deps;
    this.#log = deps.log.child({ component: 'lease' });
    this.#transitions = deps.meter?.createCounter('amko_lease_transitions_total', {
      description: 'Transitions of the automatic-failover lease, by transition',
    });
  }

  get view(): LeaseView {
    return this.#view;
  }

  setMode(mode: LeaseMode): void {
    const same =
      mode.kind === this.#mode.kind &&
      (mode.kind !== 'lead' ||
        (this.#mode.kind === 'lead' && compareClaims(mode.claim, this.#mode.claim) === 0));
    if (same) return;
    const wasLead = this.#mode.kind === 'lead';
    this.#mode = mode;
    this.#stale = UNSEEN;
    this.#vacant = undefined;
    if (mode.kind !== 'lead' || !wasLead) this.#disarm();
    if (mode.kind === 'lead' && !wasLead) {
      // Counted from the send time of the last success at this claim (the acquire), if any.
      const last = this.#lastSent;
      const same = last && compareClaims(last.claim, mode.claim) === 0;
      this.#arm(same ? last.at : this.#d.clock.now());
    }
    if (mode.kind === 'off') this.#setView({ state: 'off', lease: undefined, detail: '' });
    this.#loop ??= this.#run();
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#stopping.abort(new Error('lease keeper stopped'));
    this.#disarm();
    this.#wake?.();
    await this.#loop;
  }

  /** The `acquire-lease` effect: the lease at `claim`, or the claim superseding it. */
  async acquire(claim: EpochClaim): Promise<Event> {
    const store = await this.#storeWhenReady();
    const sent = this.#d.clock.now();
    const lease = await store.read(this.#signal());
    const plan = planRenew(lease, claim);
    if (plan.kind === 'superseded') return { type: 'leased', by: plan.by };
    const res = ownedAfterConflict(
      await this.#write(store, claim, plan.kind === 'renew' ? plan.lease : undefined),
      claim,
    );
    if (!res.ok) {
      const by = res.current?.claim;
      if (by && compareClaims(by, claim) > 0) return { type: 'leased', by };
      throw new Error('the lease changed while it was being acquired');
    }
    this.#renewed(sent, res.lease, 'acquired');
    return { type: 'leased', by: undefined };
  }

  /** The `take-lease` effect: swaps our claim over the vacant lease, if it is still that lease. */
  async take(above: EpochClaim): Promise<Event> {
    const store = this.#store();
    const seen = this.#vacant;
    const current = await store.read(this.#signal());
    if (!current || !seen || current.version !== seen.version) {
      return { type: 'lease-lost', holder: current?.claim ?? above };
    }
    const claim = takeoverClaim(current, this.#d.highest(), this.#d.self());
    const res = await store.swap(current, claim, this.#iso(), this.#signal());
    if (!res.ok) {
      this.#transition('lost-race', `lease taken by ${res.current?.claim.leader ?? '?'} first`);
      return { type: 'lease-lost', holder: res.current?.claim ?? above };
    }
    this.#transition(
      'taken',
      `took the expired lease of ${current.claim.leader} (epoch ${current.claim.epoch}) at epoch ${claim.epoch}`,
      true,
    );
    this.#setView({ state: 'held', lease: res.lease, detail: '' });
    return { type: 'lease-taken', before: current.claim, claim };
  }

  async #run(): Promise<void> {
    while (!this.#stopping.signal.aborted) {
      const mode = this.#mode;
      const started = this.#d.clock.now();
      try {
        if (mode.kind === 'lead') await this.#renew(mode.claim);
        else if (mode.kind === 'watch') await this.#watch();
      } catch (err) {
        this.#failed(mode, messageOf(err));
      }
      const wait = this.#intervalMs() - (this.#d.clock.now() - started);
      await this.#sleep(mode.kind === 'off' ? undefined : Math.max(wait, 50));
    }
  }

  async #renew(claim: EpochClaim): Promise<void> {
    const store = this.#store();
    const sent = this.#d.clock.now();
    const lease = await store.read(this.#signal());
    const plan = planRenew(lease, claim);
    if (plan.kind === 'superseded') {
      this.#transition(
        'superseded',
        `lease held by ${plan.by.leader} at epoch ${plan.by.epoch}`,
        true,
      );
      this.#d.dispatch({ type: 'higher-epoch', by: plan.by, source: 'lease' });
      return;
    }
    const res = ownedAfterConflict(
      await this.#write(store, claim, plan.kind === 'renew' ? plan.lease : undefined),
      claim,
    );
    if (res.ok) this.#renewed(sent, res.lease, 'renewed');
  }

  #write(store: LeaseStore, claim: EpochClaim, over: Lease | undefined): Promise<SwapResult> {
    return over
      ? store.swap(over, claim, this.#iso(), this.#signal())
      : store.create(claim, this.#iso(), this.#signal());
  }

  #renewed(sent: number, lease: Lease, what: string): void {
    this.#lastSent = { claim: lease.claim, at: sent };
    if (this.#mode.kind === 'lead') this.#arm(sent);
    if (this.#view.state !== 'held')
      this.#transition(what, `lease ${what} at epoch ${lease.claim.epoch}`);
    this.#setView({ state: 'held', lease, detail: '' });
    this.#d.dispatch({ type: 'lease-held' });
  }

  async #watch(): Promise<void> {
    const lease = await this.#store().read(this.#signal());
    const now = this.#d.clock.now();
    this.#stale = observe(this.#stale, lease ? lease.version : null, now);
    const s = this.#d.settings();
    const blocked = takeoverBlocked({
      self: this.#d.self(),
      lease,
      staleMs: staleMs(this.#stale, now),
      silentMs: this.#d.silentMs(),
      leaseSeconds: s.leaseSeconds,
      promoteAfterSeconds: s.promoteAfterSeconds,
      priority: s.priority,
    });
    this.#setView({ state: 'watching', lease, detail: blocked ?? 'lease expired: taking it' });
    if (blocked !== null || !lease) return;
    this.#vacant = lease;
    this.#transition(
      'expired',
      `lease of ${lease.claim.leader} at epoch ${lease.claim.epoch} expired`,
      true,
    );
    this.#d.dispatch({ type: 'lease-vacant', lease: lease.claim });
  }

  #failed(mode: LeaseMode, error: string): void {
    if (mode.kind === 'watch') {
      this.#stale = observe(this.#stale, undefined, this.#d.clock.now());
      const manual = this.#d.silentMs() >= this.#d.settings().promoteAfterSeconds * 1000;
      if (this.#view.state !== 'unreadable') this.#transition('unreadable', error, true);
      this.#setView({ state: 'unreadable', lease: this.#view.lease, detail: error }, manual);
      return;
    }
    if (mode.kind === 'lead') {
      this.#log.warn({ err: error }, 'lease renewal failed');
      if (this.#view.state === 'held') this.#setView({ ...this.#view, detail: error });
    }
  }

  /** The watchdog: `lease-lapsed` leaseSeconds after `sent`, unless a renewal re-arms it first. */
  #arm(sent: number): void {
    this.#disarm();
    const ac = new AbortController();
    this.#watchdog = ac;
    const leaseMs = this.#d.settings().leaseSeconds * 1000;
    const due = Math.max(0, sent + leaseMs - this.#d.clock.now());
    this.#d.clock.sleep(due, ac.signal).then(
      () => {
        if (this.#watchdog !== ac || this.#mode.kind !== 'lead') return;
        const reason = `the lease was not renewed for ${leaseMs / 1000} s`;
        this.#transition('lapsed', reason, true);
        this.#setView({ state: 'lapsed', lease: this.#view.lease, detail: reason });
        this.#d.dispatch({ type: 'lease-lapsed', reason });
      },
      () => undefined,
    );
  }

  #disarm(): void {
    this.#watchdog?.abort(new Error('re-armed'));
    this.#watchdog = undefined;
  }

  /** The store once the pipeline has its controller connection (it may still be starting). */
  async #storeWhenReady(): Promise<LeaseStore> {
    const deadline = this.#d.clock.now() + CONNECT_WAIT_MS;
    while (!this.#d.controller() && this.#d.clock.now() < deadline) {
      await this.#d.clock.sleep(100, this.#stopping.signal);
    }
    return this.#store();
  }

  #store(): LeaseStore {
    const c = this.#d.controller();
    if (!c) throw new Error('no controller connection (the GSLB pipeline is not running)');
    return new LeaseStore(c);
  }

  #intervalMs(): number {
    return Math.max(250, Math.floor((this.#d.settings().leaseSeconds * 1000) / 3));
  }

  #signal(): AbortSignal {
    return AbortSignal.any([this.#stopping.signal, AbortSignal.timeout(this.#intervalMs())]);
  }

  #iso(): string {
    return new Date(this.#d.clock.now()).toISOString();
  }

  #sleep(ms: number | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
      if (this.#stopping.signal.aborted) done();
    });
  }

  #setView(v: Omit<LeaseView, 'manualFailoverNeeded'>, manual = false): void {
    const next: LeaseView = { ...v, manualFailoverNeeded: manual };
    if (JSON.stringify(next) === JSON.stringify(this.#view)) return;
    this.#view = next;
    this.#d.poke();
  }

  #transition(what: string, message: string, warning = false): void {
    this.#transitions?.add(1, { transition: what });
    this.#log[warning ? 'warn' : 'info']({ transition: what }, `lease ${what}: ${message}`);
    this.#d.event(
      `Lease${what.charAt(0).toUpperCase()}${what.slice(1).replace(/-(.)/g, (_m, c: string) => c.toUpperCase())}`,
      message,
      warning,
    );
  }
}
