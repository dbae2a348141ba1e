/**
 * Expected GslbService and health monitor bodies as the leader must leave them on the
 * simulator, and the normalisation of what the simulator stores (uuids, urls and timestamps
 * dropped, references reduced to names), so tests compare whole objects.
 */
import { createHash } from 'node:crypto';

type Obj = Record<string, unknown>;

export interface MemberExpect {
  ip: string;
  ratio?: number;
  /** VS uuid; omitted for syncVipOnly members. */
  vs?: string;
  cluster?: string;
  publicIp?: string;
}

export interface GsExpect {
  name: string;
  uuid: string;
  /** `TYPE/cluster/ns/name` member strings. */
  members: string[];
  /** priority → members. */
  pools: Record<number, MemberExpect[]>;
  hms?: string[];
  domains?: string[];
  ttl?: number;
  algorithm?: Obj;
  minHmUp?: number | Record<number, number>;
  persistence?: { profile: string; pki?: string };
  down?: Obj;
  epoch?: number;
}

const refName = (ref: unknown): string => {
  const s = String(ref);
  const hash = s.indexOf('#');
  return hash >= 0 ? s.slice(hash + 1) : s;
};

/** What the simulator stores, minus identity fields, with references as names. */
export function normalize(o: Obj): Obj {
  const drop = new Set(['uuid', 'url', '_last_modified', 'tenant_ref']);
  const out: Obj = Object.fromEntries(Object.entries(o).filter(([k]) => !drop.has(k)));
  if (Array.isArray(out['health_monitor_refs'])) {
    out['health_monitor_refs'] = (out['health_monitor_refs'] as unknown[]).map(refName);
  }
  for (const k of ['application_persistence_profile_ref', 'pki_profile_ref']) {
    if (out[k] !== undefined) out[k] = refName(out[k]);
  }
  return out;
}

function member(m: MemberExpect): Obj {
  return {
    ip: { addr: m.ip, type: m.ip.includes(':') ? 'V6' : 'V4' },
    ratio: m.ratio ?? 1,
    enabled: true,
    ...(m.vs ? { vs_uuid: m.vs } : {}),
    ...(m.cluster ? { cluster_uuid: m.cluster } : {}),
    ...(m.publicIp ? { public_ip: { ip: { addr: m.publicIp, type: 'V4' } } } : {}),
  };
}

function minUp(e: GsExpect, priority: number): number {
  if (typeof e.minHmUp === 'number') return e.minHmUp;
  return e.minHmUp?.[priority] ?? 2;
}

/** The whole GslbService body the leader writes for `e`, normalised. */
export function expectedGs(e: GsExpect): Obj {
  const priorities = Object.keys(e.pools)
    .map(Number)
    .sort((a, b) => b - a);
  const hms = e.hms ?? [];
  return {
    name: e.name,
    created_by: `amko-${e.uuid}`,
    description: [...e.members].sort().join(','),
    domain_names: e.domains ?? [e.name],
    enabled: true,
    is_federated: true,
    controller_health_status_enabled: true,
    health_monitor_scope: 'GSLB_SERVICE_HEALTH_MONITOR_ALL_MEMBERS',
    pool_algorithm: 'GSLB_SERVICE_ALGORITHM_PRIORITY',
    min_members: 0,
    resolve_cname: false,
    use_edns_client_subnet: true,
    wildcard_match: false,
    site_persistence_enabled: e.persistence !== undefined,
    ...(e.persistence ? { application_persistence_profile_ref: e.persistence.profile } : {}),
    ...(e.persistence?.pki ? { pki_profile_ref: e.persistence.pki } : {}),
    ...(e.ttl !== undefined ? { ttl: e.ttl } : {}),
    ...(hms.length > 0 ? { health_monitor_refs: hms } : {}),
    ...(e.down ? { down_response: e.down } : {}),
    groups: priorities.map((p) => ({
      name: `amko-gs-group-${p}`,
      priority: p,
      enabled: true,
      ...(e.algorithm ?? { algorithm: 'GSLB_ALGORITHM_ROUND_ROBIN' }),
      min_health_monitors_up: minUp(e, p),
      members: [...(e.pools[p] ?? [])].sort((a, b) => (a.ip < b.ip ? -1 : 1)).map(member),
    })),
    markers: [{ key: 'amko-epoch', values: [String(e.epoch ?? 1)] }],
  };
}

export function pathHmName(protocol: 'http' | 'https', gs: string, path: string): string {
  return `amko--${createHash('sha1').update(`${protocol}--${gs}--${path}`).digest('hex')}`;
}

export function nonPathHmName(gs: string): string {
  return `amko--${createHash('sha1').update(gs).digest('hex')}`;
}

const HM_COMMON = {
  is_federated: true,
  send_interval: 10,
  receive_timeout: 4,
  successful_checks: 3,
  failed_checks: 3,
  allow_duplicate_monitors: true,
};

function marks(uuid: string, epoch: number): Obj[] {
  return [
    { key: 'created-by', values: [`amko-${uuid}`] },
    { key: 'amko-epoch', values: [String(epoch)] },
  ];
}

/** A path health monitor as the leader writes it, normalised. */
export function expectedPathHm(o: {
  gs: string;
  path: string;
  tls?: boolean;
  uuid: string;
  template?: { name: string; request: string; codes: string[] };
  epoch?: number;
}): Obj {
  const protocol = o.tls ? 'https' : 'http';
  const words = o.template?.request.split(' ');
  const request = o.template
    ? `${words?.[0] ?? ''} ${o.path} ${words?.[2] ?? ''}`
    : `HEAD ${o.path} HTTP/1.0`;
  const monitor = {
    http_request: request,
    http_response_code: o.template?.codes ?? ['HTTP_2XX', 'HTTP_3XX'],
  };
  let description = `created by: amko, gsname: ${o.gs}, path: ${o.path}, protocol: ${protocol}`;
  if (o.template) description += `, created from: ${o.template.name}`;
  return {
    name: pathHmName(protocol, o.gs, o.path),
    type: o.tls ? 'HEALTH_MONITOR_HTTPS' : 'HEALTH_MONITOR_HTTP',
    ...HM_COMMON,
    description,
    monitor_port: o.tls ? 443 : 80,
    markers: marks(o.uuid, o.epoch ?? 1),
    [o.tls ? 'https_monitor' : 'http_monitor']: monitor,
  };
}

/** The TCP/UDP health monitor of a LoadBalancer Service GS, normalised. */
export function expectedNonPathHm(o: {
  gs: string;
  port: number;
  udp?: boolean;
  uuid: string;
}): Obj {
  return {
    name: nonPathHmName(o.gs),
    type: o.udp ? 'HEALTH_MONITOR_UDP' : 'HEALTH_MONITOR_TCP',
    ...HM_COMMON,
    description: `created by: amko, gsname: ${o.gs}`,
    monitor_port: o.port,
    markers: marks(o.uuid, 1),
    ...(o.udp
      ? { udp_monitor: { udp_request: 'created_by: amko, request string not required' } }
      : { tcp_monitor: { tcp_half_open: false } }),
  };
}
