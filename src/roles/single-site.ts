/**
 * Single-site mode: amko started without federation certificates (no `--tls-*` flags, no
 * `--insecure`) has no federation listener and never dials a peer. It runs its role for its own
 * cluster alone; an AMKOCluster that names other clusters gets a condition saying federation needs
 * TLS, and the role goes on for this site. Pure.
 */
import {
  amkoClusterPeers,
  type AmkoCluster,
  type AmkoClusterCondition,
} from '../shared/crd/amko-cluster.js';
import type { FederationTls } from '../shared/federation/credentials.js';

/** What an AMKOCluster naming other clusters is told when amko runs without TLS. */
export const FEDERATION_NEEDS_TLS =
  'federation needs TLS: start amko with --tls-cert/--tls-key/--tls-ca (chart: federation.tls.secretName)';

export const FEDERATION_CONDITION = 'Federation';

/**
 * The transport the leader role is built with in single-site mode. It is never used: the
 * AMKOCluster the role sees there names no peer and no endpoint, so nothing is dialled.
 */
export const SINGLE_SITE_TLS: FederationTls = Object.freeze({ mode: 'insecure' });

/** The other clusters `amko` names (empty: single-site). */
export function peersNamed(amko: AmkoCluster | undefined): string[] {
  return amko?.spec ? amkoClusterPeers(amko.spec) : [];
}

/** `amko` as a single-site role sees it: this cluster alone, no federation endpoints. */
export function singleSiteView(amko: AmkoCluster): AmkoCluster {
  const spec = amko.spec ?? {};
  const self = spec.clusterContext;
  return {
    ...amko,
    spec: {
      ...spec,
      clusters: (spec.clusters ?? []).filter((c) => c === self),
      federation: { ...spec.federation, endpoints: [] },
    },
  };
}

/** The condition an AMKOCluster naming `peers` gets from an amko without TLS, if any. */
export function federationNotice(peers: readonly string[]): AmkoClusterCondition | undefined {
  if (peers.length === 0) return undefined;
  return {
    type: FEDERATION_CONDITION,
    status: 'False',
    reason: 'TLSNotConfigured',
    message: `${FEDERATION_NEEDS_TLS}; not federating with ${peers.join(', ')}`,
  };
}
