/**
 * AMKOCluster (amko.vmware.com/v1alpha1): which cluster leads, the federation set, and the
 * federation status a DR operator reads.
 */
import { amkoResource, type CustomObject } from './common.js';

export const AMKO_CLUSTER = amkoResource('AMKOCluster', 'v1alpha1', 'amkoclusters');

export interface FederationEndpoint {
  /** Context name of a member cluster (one of `spec.clusters`, not this cluster). */
  cluster: string;
  /** `host:port` of that cluster's amko federation listener. */
  address: string;
}

export interface AmkoClusterSpec {
  /** This cluster's amko leads. Absent ⇒ false. */
  isLeader?: boolean;
  /** Kubeconfig context name of this cluster; must be one of `clusters`. */
  clusterContext?: string;
  /** amko version; compared for exact equality with every member. */
  version?: string;
  /** Federation set: kubeconfig context names, this cluster included. */
  clusters?: string[];
  federation?: { endpoints?: FederationEndpoint[] };
}

export type AmkoRole = 'leader' | 'follower' | 'fenced';

export interface AmkoClusterMemberStatus {
  cluster: string;
  appliedRevision?: number;
  lag?: number;
  /** RFC 3339 date-time. */
  lastAckTime?: string;
  lastError?: string;
}

/** AMKO's condition: free-text `status`, kept as AMKO writes it. */
export interface AmkoClusterCondition {
  type?: string;
  status?: string;
  reason?: string;
  /** RFC 3339 date-time. */
  lastTransitionTime?: string;
}

export interface AmkoClusterStatus {
  role?: AmkoRole;
  /** Current leadership term; 0 = none seen yet. */
  epoch?: number;
  /** Context of the leader this cluster follows (itself on a leader). */
  leader?: string;
  /** `<members at the leader's revision>/<members>` on a leader, empty elsewhere. */
  inSync?: string;
  members?: AmkoClusterMemberStatus[];
  conditions?: AmkoClusterCondition[];
  /** The epoch store: highest epoch this cluster has seen, persisted before acting on it. */
  highestEpochSeen?: number;
  /** Replication revision: last sent (leader) or last applied (follower). */
  revision?: number;
  message?: string;
}

export type AmkoCluster = CustomObject<AmkoClusterSpec, AmkoClusterStatus>;
