/**
 * The GslbService keys a pipeline may have work for: those with members (the member store),
 * those on the controller (its cache), and those named by monitors we own whose GS is gone.
 */
import { gslbKey, type GslbKey } from '../../shared/keys.js';
import type { MemberStore } from '../ingestion/member-store.js';
import type { ControllerCache } from '../sync/controller-cache.js';

export class GsKeys {
  readonly #store: MemberStore;
  readonly #cache: ControllerCache;

  constructor(store: MemberStore, cache: ControllerCache) {
    this.#store = store;
    this.#cache = cache;
  }

  /** Every key that may need work: desired, cached, and named by monitors we own. */
  all(): GslbKey[] {
    const keys = new Set<GslbKey>([...this.#store.keys(), ...this.#cache.gsKeys()]);
    for (const h of this.#cache.gsNamesOfOwnedHms()) keys.add(gslbKey(h.tenant, h.gsName));
    return [...keys];
  }

  /** The keys of `all()` whose GslbService name is one of `names`, found by look-up. */
  named(names: Iterable<string>): Set<GslbKey> {
    const keys = new Set<GslbKey>();
    for (const name of names) {
      for (const k of this.#store.keysNamed(name)) keys.add(k);
      for (const k of this.#cache.keysNamed(name)) keys.add(k);
    }
    return keys;
  }
}
