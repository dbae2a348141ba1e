/**
 * Which other GslbServices must be planned again after a GslbService's pass, because of the
 * aliases it took or let go of. Each pass grants a GslbService its aliases (`grantAliases`); the
 * others are planned again only when that grant changes:
 * - those that lost an alias to it (it may have let go of that alias);
 * - those that claim an alias it now keeps (one of them may still hold that alias: a claim can
 *   win over an older holder when two HostRules share a creation second);
 * - the owners of aliases it now loses (an owner's write may have been refused while this one
 *   still held the alias on the controller).
 * A grant that does not change wakes nobody, so two GslbServices that each own an alias the other
 * claims settle instead of planning each other forever.
 */
import type { AliasGrant } from './alias-owner.js';

function addTo(map: Map<string, Set<string>>, key: string, values: Iterable<string>): void {
  let set = map.get(key);
  for (const v of values) {
    if (!set) map.set(key, (set = new Set()));
    set.add(v);
  }
}

export class AliasWakes {
  /** Each GslbService's granted aliases as of its last pass (JSON; absent: none). */
  readonly #granted = new Map<string, string>();
  /** Owner → GslbServices that lost an alias to it since its grant last changed. */
  readonly #losers = new Map<string, Set<string>>();
  /** GslbService → those to plan again once its pass ends. */
  readonly #due = new Map<string, Set<string>>();

  /** Notes the grant of `key`'s pass. */
  note(key: string, grant: Pick<AliasGrant, 'granted' | 'lost' | 'rivals'>): void {
    for (const { owner } of grant.lost) addTo(this.#losers, owner, [key]);
    const now = JSON.stringify(grant.granted);
    if ((this.#granted.get(key) ?? '[]') === now) return;
    if (grant.granted.length === 0) this.#granted.delete(key);
    else this.#granted.set(key, now);
    addTo(this.#due, key, this.#losers.get(key) ?? []);
    this.#losers.delete(key);
    addTo(this.#due, key, grant.rivals);
    addTo(
      this.#due,
      key,
      grant.lost.map((l) => l.owner),
    );
  }

  /** The GslbServices to plan again now that `key`'s pass ended; each is handed out once. */
  after(key: string): string[] {
    const due = this.#due.get(key);
    this.#due.delete(key);
    return due ? [...due] : [];
  }
}
