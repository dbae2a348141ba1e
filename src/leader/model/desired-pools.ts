/** Pools (`groups`) of a GslbService: one per distinct member priority (§7.3). Pure. */
import { isIP } from 'node:net';
import type { GslbPool, GslbPoolMember, IpAddr } from '../../shared/avi/types.js';
import type { PoolAlgorithmSettings } from '../../shared/crd/gslb-policy-types.js';
import { poolName } from './names.js';

/** One member before pooling. */
export interface PoolMemberInput {
  readonly ip: string;
  readonly weight: number;
  readonly priority: number;
  readonly vsUuid?: string;
  readonly clusterUuid?: string;
  readonly publicIp?: string;
}

export interface PoolOptions {
  readonly algorithm: PoolAlgorithmSettings;
  /** 1 when only the control plane monitors members, else 2. */
  readonly minHmUp: number;
  /** With user HM refs the first pool needs `refs + 1` monitors up. */
  readonly userRefCount: number;
}

function ipAddr(addr: string): IpAddr {
  return { addr, type: isIP(addr) === 6 ? 'V6' : 'V4' };
}

function toMember(m: PoolMemberInput): GslbPoolMember {
  const out: GslbPoolMember = { ip: ipAddr(m.ip), ratio: m.weight, enabled: true };
  if (m.vsUuid) out.vs_uuid = m.vsUuid;
  if (m.clusterUuid) out.cluster_uuid = m.clusterUuid;
  if (m.publicIp) out.public_ip = { ip: ipAddr(m.publicIp) };
  return out;
}

/** The algorithm fields of a pool for the effective pool algorithm settings. */
export function poolAlgorithmFields(
  s: PoolAlgorithmSettings,
): Pick<GslbPool, 'algorithm' | 'fallback_algorithm' | 'consistent_hash_mask'> {
  const algorithm = s.lbAlgorithm ?? 'GSLB_ALGORITHM_ROUND_ROBIN';
  if (algorithm === 'GSLB_ALGORITHM_CONSISTENT_HASH') {
    return s.hashMask !== undefined
      ? { algorithm, consistent_hash_mask: s.hashMask }
      : { algorithm };
  }
  if (algorithm !== 'GSLB_ALGORITHM_GEO') return { algorithm };
  const fallback = s.geoFallback?.lbAlgorithm ?? 'GSLB_ALGORITHM_ROUND_ROBIN';
  const mask = s.geoFallback?.hashMask;
  return fallback === 'GSLB_ALGORITHM_CONSISTENT_HASH' && mask !== undefined
    ? { algorithm, fallback_algorithm: fallback, consistent_hash_mask: mask }
    : { algorithm, fallback_algorithm: fallback };
}

/** Members de-duplicated by IP (first wins), grouped by priority, highest priority first. */
export function desiredPools(members: readonly PoolMemberInput[], opts: PoolOptions): GslbPool[] {
  const byIp = new Map<string, PoolMemberInput>();
  for (const m of members) if (!byIp.has(m.ip)) byIp.set(m.ip, m);
  const byPriority = new Map<number, PoolMemberInput[]>();
  for (const m of byIp.values()) {
    const list = byPriority.get(m.priority) ?? [];
    list.push(m);
    byPriority.set(m.priority, list);
  }
  const priorities = [...byPriority.keys()].sort((a, b) => b - a);
  return priorities.map((priority, i) => ({
    name: poolName(priority),
    priority,
    enabled: true,
    ...poolAlgorithmFields(opts.algorithm),
    min_health_monitors_up: i === 0 && opts.userRefCount > 0 ? opts.userRefCount + 1 : opts.minHmUp,
    members: (byPriority.get(priority) ?? [])
      .sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0))
      .map(toMember),
  }));
}
