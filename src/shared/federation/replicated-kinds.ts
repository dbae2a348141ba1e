import type { CrdResource } from '../crd/common.js';
import { GLOBAL_DEPLOYMENT_POLICY } from '../crd/global-deployment-policy.js';
import { GSLB_CONFIG } from '../crd/gslb-config.js';
import { GSLB_HOST_RULE } from '../crd/gslb-host-rule.js';

/** The kinds the leader replicates to followers, in the order a snapshot applies them. */
export const REPLICATED_KINDS: readonly CrdResource[] = Object.freeze([
  GSLB_CONFIG,
  GLOBAL_DEPLOYMENT_POLICY,
  GSLB_HOST_RULE,
]);

export type ReplicatedKind = 'GSLBConfig' | 'GlobalDeploymentPolicy' | 'GSLBHostRule';

/** The resource of a replicated kind, or undefined when `kind` is not one of them. */
export function replicatedResource(kind: string): CrdResource | undefined {
  return REPLICATED_KINDS.find((r) => r.kind === kind);
}
