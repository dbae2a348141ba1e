/**
 * Field types shared by GlobalDeploymentPolicy and GSLBHostRule: pool algorithm, down response.
 */

import { defineShape, type Shape } from './shape.js';

export const LB_ALGORITHMS = Object.freeze([
  'GSLB_ALGORITHM_CONSISTENT_HASH',
  'GSLB_ALGORITHM_GEO',
  'GSLB_ALGORITHM_ROUND_ROBIN',
  'GSLB_ALGORITHM_TOPOLOGY',
] as const);
export type LbAlgorithm = (typeof LB_ALGORITHMS)[number];

export const GEO_FALLBACK_ALGORITHMS = Object.freeze([
  'GSLB_ALGORITHM_ROUND_ROBIN',
  'GSLB_ALGORITHM_CONSISTENT_HASH',
] as const);
export type GeoFallbackAlgorithm = (typeof GEO_FALLBACK_ALGORITHMS)[number];

export interface GeoFallback {
  lbAlgorithm?: GeoFallbackAlgorithm;
  /** 1..31, only with GSLB_ALGORITHM_CONSISTENT_HASH. */
  hashMask?: number;
}

/** Absent ⇒ round robin. */
export interface PoolAlgorithmSettings {
  lbAlgorithm?: LbAlgorithm;
  /** 1..31, required with (and only with) GSLB_ALGORITHM_CONSISTENT_HASH. */
  hashMask?: number;
  /** Required with (and only with) GSLB_ALGORITHM_GEO. */
  geoFallback?: GeoFallback;
}

export const DOWN_RESPONSE_TYPES = Object.freeze([
  'GSLB_SERVICE_DOWN_RESPONSE_NONE',
  'GSLB_SERVICE_DOWN_RESPONSE_ALL_RECORDS',
  'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP',
  'GSLB_SERVICE_DOWN_RESPONSE_EMPTY',
] as const);
export type DownResponseType = (typeof DOWN_RESPONSE_TYPES)[number];

/** Absent block ⇒ nothing sent (the controller's NONE). */
export interface DownResponse {
  type: DownResponseType;
  /** Required with (and only with) GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP; must be an IP. */
  fallbackIP?: string;
}

/** One entry of `trafficSplit`: member ratio and pool priority of one cluster. */
export interface TrafficSplitEntry {
  cluster?: string;
  /** 1..20; the API server defaults it to 1. */
  weight?: number;
  /** GDP: 0..100, default 10. GSLBHostRule: ≥ 0, default 1. */
  priority?: number;
}

/** JSON types of `poolAlgorithmSettings` (enum values are checked by the validators). */
export const POOL_ALGORITHM_SHAPE: Shape = defineShape({
  fields: {
    lbAlgorithm: 'string',
    hashMask: 'integer',
    geoFallback: { fields: { lbAlgorithm: 'string', hashMask: 'integer' } },
  },
});

/** JSON types of `downResponse`. */
export const DOWN_RESPONSE_SHAPE: Shape = defineShape({
  fields: { type: 'string', fallbackIP: 'string' },
});

/** JSON types of a `trafficSplit` list. */
export const TRAFFIC_SPLIT_SHAPE: Shape = defineShape({
  listOf: { fields: { cluster: 'string', weight: 'integer', priority: 'integer' } },
});
