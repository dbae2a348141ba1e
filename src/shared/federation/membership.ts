/** This cluster's place in the federation, as its AMKOCluster says. */
export interface Membership {
  /** This cluster's context (`spec.clusterContext`). */
  readonly self: string;
  /** The federation set (`spec.clusters`), this cluster included. */
  readonly clusters: readonly string[];
  /** `spec.version`: peers must present exactly this. */
  readonly version: string;
}

/** The other members: the clusters that may lead this one, or that this one leads. */
export function peersOf(m: Membership): string[] {
  return m.clusters.filter((c) => c !== m.self);
}
