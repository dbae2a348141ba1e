/**
 * Body validation the controller applies on POST/PUT (avi-rest-api.md §5.5, §5.6). Pure: each
 * function returns the first problem as the controller's error text, or undefined.
 * Cross-object checks (refs, names, domains) live in the write handlers.
 */
import { isIP } from 'node:net';
import { show } from './body.js';

const GS_ALGORITHMS: readonly string[] = Object.freeze([
  'GSLB_ALGORITHM_ROUND_ROBIN',
  'GSLB_ALGORITHM_CONSISTENT_HASH',
  'GSLB_ALGORITHM_GEO',
  'GSLB_ALGORITHM_TOPOLOGY',
]);
const FALLBACK_ALGORITHMS: readonly string[] = Object.freeze([
  'GSLB_ALGORITHM_ROUND_ROBIN',
  'GSLB_ALGORITHM_CONSISTENT_HASH',
]);
const HM_TYPES: readonly string[] = Object.freeze([
  'HEALTH_MONITOR_HTTP',
  'HEALTH_MONITOR_HTTPS',
  'HEALTH_MONITOR_TCP',
  'HEALTH_MONITOR_UDP',
  'HEALTH_MONITOR_PING',
  'HEALTH_MONITOR_DNS',
  'HEALTH_MONITOR_EXTERNAL',
]);

type Body = Record<string, unknown>;

const isObject = (v: unknown): v is Body =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Compares dotted versions numerically (`22.1.10` > `22.1.3`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

export function validateName(body: Body): string | undefined {
  const name = body['name'];
  return typeof name === 'string' && name !== '' ? undefined : 'name: This field is required.';
}

function validateMember(member: unknown, where: string): string | undefined {
  if (!isObject(member)) return `${where}: member must be an object`;
  const ip = member['ip'];
  const addr = isObject(ip) ? ip['addr'] : undefined;
  if (typeof addr !== 'string' || isIP(addr) === 0) {
    return `${where}: Invalid IP address ${String(addr)}`;
  }
  const ratio = member['ratio'];
  if (
    ratio !== undefined &&
    (!Number.isInteger(ratio) || Number(ratio) < 1 || Number(ratio) > 20)
  ) {
    return `${where}: ratio ${show(ratio)} is out of range 1-20`;
  }
  return undefined;
}

function validateAlgorithm(group: Body, where: string): string | undefined {
  const algorithm = group['algorithm'];
  if (typeof algorithm !== 'string' || !GS_ALGORITHMS.includes(algorithm)) {
    return `${where}: Invalid algorithm ${String(algorithm)}`;
  }
  const fallback = group['fallback_algorithm'];
  if (algorithm === 'GSLB_ALGORITHM_GEO' && !FALLBACK_ALGORITHMS.includes(String(fallback))) {
    return `${where}: fallback_algorithm is required with GSLB_ALGORITHM_GEO`;
  }
  const hashed =
    algorithm === 'GSLB_ALGORITHM_CONSISTENT_HASH' ||
    (algorithm === 'GSLB_ALGORITHM_GEO' && fallback === 'GSLB_ALGORITHM_CONSISTENT_HASH');
  const mask = group['consistent_hash_mask'];
  if (hashed && (!Number.isInteger(mask) || Number(mask) < 1 || Number(mask) > 31)) {
    return `${where}: consistent_hash_mask must be within 1-31 with consistent hash`;
  }
  return undefined;
}

function validateGroup(group: unknown, index: number): string | undefined {
  const where = `groups[${index}]`;
  if (!isObject(group)) return `${where}: group must be an object`;
  if (typeof group['name'] !== 'string' || group['name'] === '') {
    return `${where}: name: This field is required.`;
  }
  const problem = validateAlgorithm(group, where);
  if (problem !== undefined) return problem;
  const members = group['members'] ?? [];
  if (!Array.isArray(members)) return `${where}: members must be a list`;
  for (const [i, member] of members.entries()) {
    const bad = validateMember(member, `${where}.members[${i}]`);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

function validateDomains(body: Body): string | undefined {
  const domains = body['domain_names'];
  if (!Array.isArray(domains) || domains.length === 0) {
    return `Gslb service ${String(body['name'])}: domain_names: At least one domain name is required.`;
  }
  if (!domains.every((d) => typeof d === 'string' && d !== '')) {
    return `Gslb service ${String(body['name'])}: domain_names must be non-empty strings`;
  }
  return undefined;
}

function validatePersistence(body: Body, controllerVersion: string): string | undefined {
  if (body['site_persistence_enabled'] !== true) return undefined;
  if (body['application_persistence_profile_ref'] === undefined) {
    return 'application_persistence_profile_ref is required when site persistence is enabled';
  }
  if (compareVersions(controllerVersion, '22.1.3') >= 0 && body['pki_profile_ref'] === undefined) {
    return 'pki_profile_ref is required when site persistence is enabled';
  }
  return undefined;
}

/** GslbService body checks (§5.5), before references are resolved. */
export function validateGslbService(body: Body, controllerVersion: string): string | undefined {
  const problem = validateName(body) ?? validateDomains(body);
  if (problem !== undefined) return problem;
  const groups = body['groups'] ?? [];
  if (!Array.isArray(groups)) return 'groups must be a list';
  for (const [i, group] of groups.entries()) {
    const bad = validateGroup(group, i);
    if (bad !== undefined) return bad;
  }
  return validatePersistence(body, controllerVersion);
}

/** HealthMonitor body checks (§5.6). */
export function validateHealthMonitor(body: Body): string | undefined {
  const problem = validateName(body);
  if (problem !== undefined) return problem;
  const type = body['type'];
  if (typeof type !== 'string' || !HM_TYPES.includes(type)) {
    return `type: "${String(type)}" is not a valid choice.`;
  }
  const sub = type === 'HEALTH_MONITOR_HTTP' ? 'http_monitor' : 'https_monitor';
  if (type === 'HEALTH_MONITOR_HTTP' || type === 'HEALTH_MONITOR_HTTPS') {
    const monitor = body[sub];
    if (!isObject(monitor) || typeof monitor['http_request'] !== 'string') {
      return `${sub}: http_request is required for ${type}`;
    }
  }
  const port = body['monitor_port'];
  if (port !== undefined && (!Number.isInteger(port) || Number(port) < 1 || Number(port) > 65535)) {
    return `monitor_port ${show(port)} is out of range 1-65535`;
  }
  return undefined;
}

/** Every domain name of a GslbService body (for the cross-tenant uniqueness check). */
export function domainNamesOf(body: Body): string[] {
  const domains = body['domain_names'];
  return Array.isArray(domains) ? domains.filter((d): d is string => typeof d === 'string') : [];
}
