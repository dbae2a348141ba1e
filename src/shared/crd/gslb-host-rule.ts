/**
 * GSLBHostRule (amko.vmware.com/v1alpha1, short `ghr`): per-FQDN overrides of one GslbService.
 */
import { amkoResource, type CustomObject } from './common.js';
import type {
  DownResponse,
  PoolAlgorithmSettings,
  TrafficSplitEntry,
} from './gslb-policy-types.js';

export const GSLB_HOST_RULE = amkoResource('GSLBHostRule', 'v1alpha1', 'gslbhostrules', ['ghr']);

export interface SitePersistence {
  /** true needs `profileRef`; false forces persistence off; block absent ⇒ inherit the GDP. */
  enabled?: boolean;
  profileRef?: string;
  pkiProfileRef?: string;
}

export interface ThirdPartyMember {
  /** Must parse as an IP address. */
  vip?: string;
  /** A third-party site of the Avi GSLB configuration. */
  site?: string;
  /** Optional NAT address. */
  publicIP?: string;
}

export interface PublicIp {
  cluster: string;
  ip: string;
}

export interface GslbHostRuleSpec {
  /** The GslbService this rule applies to (required by code). */
  fqdn?: string;
  /** 0..86400 seconds. */
  ttl?: number;
  sitePersistence?: SitePersistence;
  thirdPartyMembers?: ThirdPartyMember[];
  healthMonitorRefs?: string[];
  healthMonitorTemplate?: string;
  poolAlgorithmSettings?: PoolAlgorithmSettings;
  trafficSplit?: TrafficSplitEntry[];
  publicIP?: PublicIp[];
  downResponse?: DownResponse;
  controlPlaneHmOnly?: boolean;
}

export type GslbHostRuleState = 'Accepted' | 'Rejected';

export interface GslbHostRuleStatus {
  status?: GslbHostRuleState;
  /** Empty when accepted. */
  error?: string;
}

export type GslbHostRule = CustomObject<GslbHostRuleSpec, GslbHostRuleStatus>;
