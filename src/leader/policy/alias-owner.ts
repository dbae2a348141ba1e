/**
 * Which GslbService gets an alias (AKO HostRule `spec.virtualhost.aliases`) that HostRules give
 * to more than one GslbService: the first claim wins (gslb-pipeline.md §6.1). AMKO's "first" is
 * whichever event it happened to process first; here it is the claim of the oldest HostRule
 * (creation time), then the rule's cluster/namespace/name, then the GslbService key, so that every
 * pass and every restart settles on the same owner. Pure.
 */

/** One GslbService's claim on an alias through one HostRule. */
export interface AliasClaim {
  /** The claiming GslbService (its key). */
  readonly gs: string;
  /** The HostRule's creation time in ms. */
  readonly created: number;
  /** The HostRule as `cluster/namespace/name`. */
  readonly source: string;
}

function compare(a: AliasClaim, b: AliasClaim): number {
  if (a.created !== b.created) return a.created - b.created;
  if (a.source !== b.source) return a.source < b.source ? -1 : 1;
  return a.gs < b.gs ? -1 : a.gs > b.gs ? 1 : 0;
}

/** The GslbService that owns an alias, or undefined when nobody claims it. */
export function aliasOwner(claims: readonly AliasClaim[]): string | undefined {
  return [...claims].sort(compare)[0]?.gs;
}

export interface AliasGrant {
  /** The aliases the GslbService keeps, in input order. */
  readonly granted: readonly string[];
  /** The aliases it loses, each with the GslbService that owns it. */
  readonly lost: readonly { alias: string; owner: string }[];
  /** The other GslbServices that claim an alias it keeps (sorted, each once). */
  readonly rivals: readonly string[];
}

/** Splits the aliases `gs` wants into those it owns and those another GslbService owns. */
export function grantAliases(
  gs: string,
  wanted: readonly string[],
  claimsOf: (alias: string) => readonly AliasClaim[],
): AliasGrant {
  const granted: string[] = [];
  const lost: { alias: string; owner: string }[] = [];
  const rivals = new Set<string>();
  for (const alias of wanted) {
    const claims = claimsOf(alias);
    const owner = aliasOwner(claims);
    if (owner !== undefined && owner !== gs) {
      lost.push({ alias, owner });
      continue;
    }
    granted.push(alias);
    for (const c of claims) if (c.gs !== gs) rivals.add(c.gs);
  }
  return { granted, lost, rivals: [...rivals].sort() };
}
