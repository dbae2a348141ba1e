import type { Clock } from '../clock.js';

interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * A clock that moves only when told to. Unit tests inject it wherever a `Clock` is taken and call
 * `advance` instead of sleeping; sleepers whose time has come resolve in deadline order.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #sleepers = new Set<Sleeper>();

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const sleeper: Sleeper = { at: this.#now + Math.max(0, ms), seq: this.#seq++, resolve };
      const onAbort = (): void => {
        this.#sleepers.delete(sleeper);
        reject(signal?.reason as Error);
      };
      sleeper.resolve = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.add(sleeper);
    });
  }

  /** Moves time forward by `ms`, waking every sleeper whose deadline is reached. */
  advance(ms: number): void {
    this.#now += ms;
    const due = [...this.#sleepers]
      .filter((s) => s.at <= this.#now)
      .sort((a, b) => a.at - b.at || a.seq - b.seq);
    for (const s of due) {
      this.#sleepers.delete(s);
      s.resolve();
    }
  }

  /** When the earliest waiting sleep ends, or undefined when nothing sleeps. */
  get nextWakeAt(): number | undefined {
    let at: number | undefined;
    for (const s of this.#sleepers) if (at === undefined || s.at < at) at = s.at;
    return at;
  }

  /** How many sleeps are waiting. */
  get pending(): number {
    return this.#sleepers.size;
  }
}
