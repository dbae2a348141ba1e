/**
 * Which AMKOCluster in avi-system decides this process's role. Exactly one is expected. With
 * more than one, AMKO's running container keeps the role it has (its reconcile fails and
 * changes nothing) and only a boot with several takes none; so does this: the object the role
 * was taken from stays in force and the others are reported invalid. Pure.
 */
import {
  AMKO_CLUSTER_INVALID,
  AMKO_CLUSTER_VALIDATION_CONDITION,
  type AmkoCluster,
  type AmkoClusterCondition,
} from '../shared/crd/amko-cluster.js';

/** AMKO's text for more than one AMKOCluster in avi-system. */
export const ONLY_ONE_AMKO_CLUSTER = 'only one AMKOClusterObject allowed per cluster';

/** The validation condition written on an AMKOCluster that is not the one in force. */
export const EXTRA_AMKO_CLUSTER_CONDITION: AmkoClusterCondition = Object.freeze({
  type: AMKO_CLUSTER_VALIDATION_CONDITION,
  status: AMKO_CLUSTER_INVALID,
  reason: ONLY_ONE_AMKO_CLUSTER,
});

export interface AmkoClusterChoice {
  /** The object that decides the role, if any. */
  readonly inForce: AmkoCluster | undefined;
  /** The other objects, when there are several (reported invalid). */
  readonly extras: readonly AmkoCluster[];
}

/**
 * The only object; or, among several, the one whose uid is `inForceUid` (the one the current
 * role was taken from). Several without it (e.g. at boot) decide nothing.
 */
export function chooseAmkoCluster(
  clusters: readonly AmkoCluster[],
  inForceUid: string | undefined,
): AmkoClusterChoice {
  if (clusters.length <= 1) return { inForce: clusters[0], extras: [] };
  const inForce =
    inForceUid === undefined ? undefined : clusters.find((c) => c.metadata?.uid === inForceUid);
  return { inForce, extras: clusters.filter((c) => c !== inForce) };
}
