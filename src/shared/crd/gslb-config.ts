/**
 * GSLBConfig (amko.vmware.com/v1alpha1, short `gc`): the Avi GSLB leader controller and the
 * member clusters the leader ingests from.
 */
import { amkoResource, type CustomObject } from './common.js';

export const GSLB_CONFIG = amkoResource('GSLBConfig', 'v1alpha1', 'gslbconfigs', ['gc']);

export const LOG_LEVELS = Object.freeze(['DEBUG', 'INFO', 'WARN', 'ERROR'] as const);
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface GslbLeader {
  /** Secret in avi-system with keys `username` and `password`. */
  credentials?: string;
  /** `X-Avi-Version`. */
  controllerVersion?: string;
  /** Host or IP of the Avi GSLB leader, optional `:port`. */
  controllerIP?: string;
  /** Default Avi tenant; absent ⇒ `admin`. */
  tenant?: string;
}

export interface MemberCluster {
  clusterContext?: string;
}

export interface GslbConfigSpec {
  gslbLeader?: GslbLeader;
  memberClusters?: MemberCluster[];
  /** Full-sync period in seconds; ≤ 0 or absent ⇒ 600. */
  refreshInterval?: number;
  logLevel?: LogLevel;
  useCustomGlobalFqdn?: boolean;
}

export interface GslbConfigStatus {
  state?: string;
}

export type GslbConfig = CustomObject<GslbConfigSpec, GslbConfigStatus>;
