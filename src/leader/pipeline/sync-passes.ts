/**
 * The bootup pass and the full syncs over every GslbService key: which keys of the current pass
 * are still to be passed over once, and how long it took when the last one is. The first pass
 * to finish is bootup; later ones are full syncs.
 */

export type PassKind = 'bootup' | 'full sync';

export interface FinishedPass {
  readonly what: PassKind;
  readonly ms: number;
}

export class SyncPasses<K> {
  readonly #now: () => number;
  #pass: { what: PassKind; keys: Set<K>; started: number } | undefined;
  #booted = false;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** True once the bootup pass finished. */
  get booted(): boolean {
    return this.#booted;
  }

  /** True while a pass is being tracked. */
  get running(): boolean {
    return this.#pass !== undefined;
  }

  /** Starts tracking a pass over `keys` (replacing one still running). */
  start(what: PassKind, keys: Iterable<K>): void {
    this.#pass = { what, keys: new Set(keys), started: this.#now() };
  }

  /** One key was passed over; the finished pass when it was the last key still to go. */
  passed(key: K): FinishedPass | undefined {
    const pass = this.#pass;
    if (!pass?.keys.delete(key) || pass.keys.size > 0) return undefined;
    return this.finish();
  }

  /** Ends the current pass now (bootup with no keys at all). */
  finish(): FinishedPass {
    const pass = this.#pass;
    this.#pass = undefined;
    const what = pass?.what ?? 'bootup';
    if (what === 'bootup') this.#booted = true;
    return { what, ms: pass ? this.#now() - pass.started : 0 };
  }
}
