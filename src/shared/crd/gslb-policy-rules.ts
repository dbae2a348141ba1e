/**
 * Checks shared by GlobalDeploymentPolicy and GSLBHostRule: pool algorithm, down response,
 * health monitor template, IP literals and traffic split entries. Each returns findings with a
 * field path and AMKO's detail text; the kind's validator adds its own prefix.
 */
import { isIP } from 'node:net';
import type {
  DownResponse,
  PoolAlgorithmSettings,
  TrafficSplitEntry,
} from './gslb-policy-types.js';
import type { Problem } from './problems.js';

/** What the caller found on the Avi controller for a health monitor name. */
export interface AviHealthMonitorInfo {
  /** `is_federated`; absent when the controller did not say. */
  readonly federated?: boolean;
  /** e.g. `HEALTH_MONITOR_HTTP`. */
  readonly type: string;
  /** `http_request` (or `https_request`) of an HTTP/HTTPS monitor; absent ⇒ invalid template. */
  readonly httpRequest?: string;
}

/**
 * Results of the Avi look-ups the caller made for the names a policy references, in the
 * tenant the spec prescribes. A name missing from a map or set was not found. A lookup left
 * undefined was not made, and the checks that need it are skipped.
 */
export interface AviRefLookups {
  readonly healthMonitors?: ReadonlyMap<string, AviHealthMonitorInfo>;
  readonly persistenceProfiles?: ReadonlySet<string>;
  readonly pkiProfiles?: ReadonlySet<string>;
  readonly thirdPartySites?: ReadonlySet<string>;
}

export const TTL_MAX_SECONDS = 86400;
export const HASH_MASK_MIN = 1;
export const HASH_MASK_MAX = 31;
export const WEIGHT_MIN = 1;
export const WEIGHT_MAX = 20;

const RR = 'GSLB_ALGORITHM_ROUND_ROBIN';
const CH = 'GSLB_ALGORITHM_CONSISTENT_HASH';
const FALLBACK_IP = 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP';
const DOWN_TYPES: readonly string[] = [
  'GSLB_SERVICE_DOWN_RESPONSE_NONE',
  'GSLB_SERVICE_DOWN_RESPONSE_ALL_RECORDS',
  FALLBACK_IP,
  'GSLB_SERVICE_DOWN_RESPONSE_EMPTY',
];
const PATH_HM_TYPES: readonly string[] = ['HEALTH_MONITOR_HTTP', 'HEALTH_MONITOR_HTTPS'];

/** True when `s` is an IPv4 or IPv6 literal. */
export function isIpAddress(s: string): boolean {
  return isIP(s) !== 0;
}

/** True for an integer within [min, max]. */
export function inRange(n: number, min: number, max: number): boolean {
  return Number.isInteger(n) && n >= min && n <= max;
}

function hashMaskProblems(mask: number | undefined, path: string): Problem[] {
  if (mask === undefined || inRange(mask, HASH_MASK_MIN, HASH_MASK_MAX)) return [];
  return [{ path, message: `hashMask ${mask} must be between 1 and 31` }];
}

function geoFallbackProblems(fb: PoolAlgorithmSettings['geoFallback'], base: string): Problem[] {
  if (fb === undefined) {
    return [
      {
        path: `${base}.geoFallback`,
        message: 'geoFallback has to be set for Geo, available choices: RoundRobin, ConsistentHash',
      },
    ];
  }
  const alg: string = fb.lbAlgorithm ?? '';
  const path = `${base}.geoFallback`;
  if (alg === RR) {
    return fb.hashMask === undefined
      ? []
      : [
          {
            path: `${path}.hashMask`,
            message: `hashMask is not allowed with ${alg} as geoFallback algorithm`,
          },
        ];
  }
  if (alg === CH) {
    return fb.hashMask === undefined
      ? [
          {
            path: `${path}.hashMask`,
            message: `hashMask is required for ${alg} as the geoFallback algorithm`,
          },
        ]
      : hashMaskProblems(fb.hashMask, `${path}.hashMask`);
  }
  return [{ path: `${path}.lbAlgorithm`, message: `unsupported algorithm ${alg} for geoFallback` }];
}

function plainAlgorithmProblems(
  settings: PoolAlgorithmSettings,
  alg: string,
  base: string,
): Problem[] {
  const out: Problem[] = [];
  if (alg === 'GSLB_ALGORITHM_GEO') out.push(...geoFallbackProblems(settings.geoFallback, base));
  else if (settings.geoFallback !== undefined) {
    out.push({ path: `${base}.geoFallback`, message: `geoFallback not allowed for ${alg}` });
  }
  if (settings.hashMask !== undefined) {
    out.push({ path: `${base}.hashMask`, message: `hashMask not allowed for ${alg}` });
  }
  return out;
}

function consistentHashProblems(settings: PoolAlgorithmSettings, base: string): Problem[] {
  const out: Problem[] = [];
  if (settings.geoFallback !== undefined) {
    out.push({
      path: `${base}.geoFallback`,
      message: 'geoFallback is not allowed with ConsistentHash',
    });
  }
  if (settings.hashMask === undefined) {
    out.push({ path: `${base}.hashMask`, message: 'hashMask is required for ConsistentHash' });
  }
  return [...out, ...hashMaskProblems(settings.hashMask, `${base}.hashMask`)];
}

/** AMKO's pool algorithm rules (§5.5). Messages are the detail after the kind's prefix. */
export function poolAlgorithmProblems(
  settings: PoolAlgorithmSettings | undefined,
  base: string,
): Problem[] {
  if (settings === undefined) return [];
  const alg: string = settings.lbAlgorithm ?? RR;
  switch (alg) {
    case RR:
    case 'GSLB_ALGORITHM_TOPOLOGY':
    case 'GSLB_ALGORITHM_GEO':
      return plainAlgorithmProblems(settings, alg, base);
    case CH:
      return consistentHashProblems(settings, base);
    default:
      return [{ path: `${base}.lbAlgorithm`, message: `unsupported lbAlgorithm ${alg}` }];
  }
}

/** AMKO's down response rules (§5.6). Messages are the detail after the kind's prefix. */
export function downResponseProblems(dr: DownResponse | undefined, base: string): Problem[] {
  if (dr === undefined) return [];
  const type: string = dr.type ?? '';
  const ip = dr.fallbackIP ?? '';
  if (!DOWN_TYPES.includes(type)) {
    return [{ path: `${base}.type`, message: `unsupported down response type ${type}` }];
  }
  const path = `${base}.fallbackIP`;
  if (type !== FALLBACK_IP) {
    return ip === '' ? [] : [{ path, message: `Fallback IP is not allowed for ${type}` }];
  }
  if (ip === '') return [{ path, message: `Fallback IP is required for ${type}` }];
  return isIpAddress(ip) ? [] : [{ path, message: `Fallback IP ${ip} is not valid` }];
}

/** AMKO's health monitor template checks (§5.4); undefined when valid or not looked up. */
export function templateProblem(
  name: string,
  monitors: ReadonlyMap<string, AviHealthMonitorInfo> | undefined,
): string | undefined {
  if (monitors === undefined) return undefined;
  const hm = monitors.get(name);
  if (hm === undefined) return `health monitor template ${name} not found`;
  if (hm.federated === false) return `health monitor template ${name} not federated`;
  if (!PATH_HM_TYPES.includes(hm.type)) {
    return 'health monitor template is not supported for non-path based health monitors';
  }
  const words = (hm.httpRequest ?? '').split(' ').filter((w) => w !== '');
  if (words.length !== 3)
    return `client request header in health monitor template ${name} is invalid`;
  return undefined;
}

/** An HM ref is valid only when found and explicitly federated; true when not looked up. */
export function isHealthMonitorRefValid(
  name: string,
  monitors: ReadonlyMap<string, AviHealthMonitorInfo> | undefined,
): boolean {
  return monitors === undefined || monitors.get(name)?.federated === true;
}

/** Indices of entries whose key was already seen earlier in the list. */
export function duplicateIndices<T>(items: readonly T[], key: (t: T) => string): number[] {
  const seen = new Set<string>();
  const dups: number[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) dups.push(i);
    seen.add(k);
  });
  return dups;
}

/** Weight of one traffic split entry, in AMKO's words; absent values were defaulted upstream. */
export function weightProblem(entry: TrafficSplitEntry, path: string): Problem | undefined {
  const w = entry.weight;
  if (w === undefined || inRange(w, WEIGHT_MIN, WEIGHT_MAX)) return undefined;
  return { path: `${path}.weight`, message: `traffic weight ${w} must be between 1 and 20` };
}

/** TTL bounds shared by both kinds (enforced by the schema too). */
export function ttlProblem(ttl: number | undefined, path: string): Problem | undefined {
  if (ttl === undefined || inRange(ttl, 0, TTL_MAX_SECONDS)) return undefined;
  return { path, message: `ttl ${ttl} must be between 0 and ${TTL_MAX_SECONDS}` };
}
