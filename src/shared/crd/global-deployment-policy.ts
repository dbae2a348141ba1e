/**
 * GlobalDeploymentPolicy (amko.vmware.com/v1alpha2, short `gdp`): which objects become
 * GslbServices and the GS-wide properties they get.
 */
import { amkoResource, type CustomObject } from './common.js';
import type {
  DownResponse,
  PoolAlgorithmSettings,
  TrafficSplitEntry,
} from './gslb-policy-types.js';

export const GLOBAL_DEPLOYMENT_POLICY = amkoResource(
  'GlobalDeploymentPolicy',
  'v1alpha2',
  'globaldeploymentpolicies',
  ['gdp'],
);

export interface LabelSelector {
  /** Honoured only with exactly one entry. */
  label?: Record<string, string>;
}

export interface MatchRules {
  appSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
}

export interface MatchCluster {
  cluster?: string;
  /** Members from this cluster are added by IP only. */
  syncVipOnly?: boolean;
}

export interface GdpSpec {
  matchRules?: MatchRules;
  matchClusters?: MatchCluster[];
  trafficSplit?: TrafficSplitEntry[];
  /** 0..86400 seconds; absent ⇒ DNS profile default. */
  ttl?: number;
  healthMonitorRefs?: string[];
  healthMonitorTemplate?: string;
  sitePersistenceRef?: string;
  pkiProfileRef?: string;
  poolAlgorithmSettings?: PoolAlgorithmSettings;
  downResponse?: DownResponse;
  controlPlaneHmOnly?: boolean;
  /** Suffix for Routes that only set `spec.subdomain`. */
  defaultDomain?: string;
}

export interface GdpStatus {
  /** `success` or the first problem. */
  errorStatus?: string;
}

export type GlobalDeploymentPolicy = CustomObject<GdpSpec, GdpStatus>;
