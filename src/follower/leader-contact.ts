/**
 * When a follower last heard from its leader: any message of an admitted replication stream
 * (hello, snapshot, delta or ping) counts as contact. The state is `awaiting` (no contact yet,
 * within the timeout of the follower's start), `reachable`, or `lost` (no contact for
 * `timeoutMs`). What is published (the time status shows) moves only when the state or the
 * leader changes, or when the contact is at least `refreshMs` newer than the published one, so a
 * status write per message is never asked for. Waiting is done on the injected clock.
 */
import type { Clock } from '../shared/clock.js';

export type LeaderContactState = 'awaiting' | 'reachable' | 'lost';

/** What the status shows of the leader's liveness. */
export interface LeaderContactView {
  readonly state: LeaderContactState;
  /** The leader last heard from, if any. */
  readonly leader: string | undefined;
  /** When contact was last published (ms since the epoch); undefined before any contact. */
  readonly lastContact: number | undefined;
  /** When the follower started waiting (ms since the epoch). */
  readonly since: number;
  readonly timeoutMs: number;
}

export interface LeaderContactDeps {
  clock: Clock;
  /** No contact for this long turns the state to `lost`. */
  timeoutMs: number;
  /** A newer contact is published when it is at least this much newer (default 10 s). */
  refreshMs?: number;
  /** The view changed: publish it. */
  onChange(): void;
}

export const DEFAULT_LEADER_CONTACT_TIMEOUT_MS = 30_000;
const DEFAULT_REFRESH_MS = 10_000;

export class LeaderContact {
  readonly #deps: LeaderContactDeps;
  readonly #stopping = new AbortController();
  readonly #since: number;
  #state: LeaderContactState = 'awaiting';
  /** The latest contact, published or not. */
  #last: { leader: string; at: number } | undefined;
  #published: { leader: string; at: number } | undefined;
  /** Resolves the watch's wait for the first contact after the state turned `lost`. */
  #wake: (() => void) | undefined;

  constructor(deps: LeaderContactDeps) {
    this.#deps = deps;
    this.#since = deps.clock.now();
  }

  /** Starts watching for the timeout. */
  start(): void {
    void this.#watch();
  }

  stop(): void {
    this.#stopping.abort(new Error('leader contact stopped'));
    this.#wake?.();
  }

  view(): LeaderContactView {
    return {
      state: this.#state,
      leader: this.#published?.leader ?? this.#last?.leader,
      lastContact: this.#published?.at,
      since: this.#since,
      timeoutMs: this.#deps.timeoutMs,
    };
  }

  /** When the leader was last heard from (published or not), else when waiting began. */
  silentSince(): number {
    return this.#last?.at ?? this.#since;
  }

  /** `leader` was just heard from. */
  heard(leader: string): void {
    if (this.#stopping.signal.aborted) return;
    const at = this.#deps.clock.now();
    this.#last = { leader, at };
    const p = this.#published;
    const refresh = this.#deps.refreshMs ?? DEFAULT_REFRESH_MS;
    const due = this.#state !== 'reachable' || p?.leader !== leader || at - (p?.at ?? 0) >= refresh;
    if (!due) return;
    this.#state = 'reachable';
    this.#published = { leader, at };
    this.#wake?.();
    this.#deps.onChange();
  }

  /** Sleeps until the contact (or the start) is `timeoutMs` old; then `lost` until heard from. */
  async #watch(): Promise<void> {
    const signal = this.#stopping.signal;
    while (!signal.aborted) {
      const from = this.#last?.at ?? this.#since;
      const wait = from + this.#deps.timeoutMs - this.#deps.clock.now();
      if (wait > 0) {
        await this.#deps.clock.sleep(wait, signal).catch(() => undefined);
        continue;
      }
      if (this.#state !== 'lost') {
        this.#state = 'lost';
        // The last contact as it was, not as it was last published.
        if (this.#last) this.#published = { ...this.#last };
        this.#deps.onChange();
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }
}
