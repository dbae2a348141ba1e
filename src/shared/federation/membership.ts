import type { AmkoCluster } from '../crd/amko-cluster.js';
import type { PeerEndpoint } from './federation-client.js';

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

/** The membership an AMKOCluster describes (empty fields when it says nothing). */
export function membershipOf(amko: AmkoCluster | undefined): Membership {
  const spec = amko?.spec;
  return {
    self: spec?.clusterContext ?? '',
    clusters: [...(spec?.clusters ?? [])],
    version: spec?.version ?? '',
  };
}

/** The followers a leader dials: `spec.federation.endpoints` of other members of `spec.clusters`. */
export function endpointsOf(amko: AmkoCluster | undefined): PeerEndpoint[] {
  const peers = new Set(peersOf(membershipOf(amko)));
  return (amko?.spec?.federation?.endpoints ?? [])
    .filter((e) => peers.has(e.cluster) && e.address !== '')
    .map((e) => ({ cluster: e.cluster, address: e.address }));
}
