/**
 * One canonical projection of a GslbService and of a health monitor, computed the same way for
 * the desired object and for the object read from the controller, so that "unchanged" means
 * unchanged and a resync with nothing changed writes nothing. References are compared by name;
 * lists whose order carries no meaning are sorted; the `amko-epoch` marker is left out (a new
 * leader does not rewrite what is otherwise unchanged). Pure.
 */
import type {
  GslbPool,
  GslbPoolMember,
  GslbService,
  HealthMonitor,
  HttpMonitor,
} from '../../shared/avi/types.js';
import {
  canonicalJson as canonical,
  sha256OfCanonicalJson as hash,
} from '../../shared/federation/canonical-json.js';
import { CREATED_BY_MARKER } from '../model/names.js';

/** Maps a reference of an object type to the referenced object's name. */
export type RefResolver = (type: string, ref: string) => string;

/**
 * Name from a reference: `?name=<n>`, else the resolver's answer for the uuid, else the `#name`
 * suffix. A reference that gives no name at all becomes `<type>:<uuid>`, and `unknown` is told.
 */
export function refToName(
  ref: string,
  type: string,
  byUuid: (uuid: string) => string | undefined,
  unknown?: () => void,
): string {
  const q = /[?&]name=([^&#]*)/.exec(ref);
  if (q) return decodeURIComponent(q[1] ?? '');
  const hashAt = ref.indexOf('#');
  const path = hashAt >= 0 ? ref.slice(0, hashAt) : ref;
  const uuid =
    path
      .split('/')
      .filter((s) => s)
      .pop() ?? '';
  const known = byUuid(uuid);
  if (known !== undefined) return known;
  if (hashAt >= 0) return ref.slice(hashAt + 1);
  unknown?.();
  return `${type}:${uuid}`;
}

const n = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

/** The comparison `String.prototype.localeCompare` makes without arguments, made once. */
const collator = new Intl.Collator();

/**
 * `items` in the order of their canonical JSON, compared as `localeCompare` compares (the order
 * every checksum has been computed with: a standby checks the leader's checksums against its
 * own). Each item is serialised once, not once per comparison.
 */
function sortedCanonically(items: unknown[]): unknown[] {
  if (items.length < 2) return items;
  return items
    .map((item) => ({ item, key: canonical(item) }))
    .sort((a, b) => collator.compare(a.key, b.key))
    .map((e) => e.item);
}

function projectMember(m: GslbPoolMember): unknown {
  return {
    addr: m.ip.addr,
    type: m.ip.type,
    ratio: n(m.ratio),
    enabled: n(m.enabled),
    vs: n(m.vs_uuid),
    cluster: n(m.cluster_uuid),
    pub: n(m.public_ip?.ip.addr),
  };
}

function projectPool(p: GslbPool): unknown {
  return {
    name: p.name,
    priority: n(p.priority),
    enabled: n(p.enabled),
    algorithm: p.algorithm,
    fallback: n(p.fallback_algorithm),
    mask: n(p.consistent_hash_mask),
    minUp: n(p.min_health_monitors_up),
    members: sortedCanonically((p.members ?? []).map(projectMember)),
  };
}

function sorted(list: readonly string[] | undefined): string[] {
  return [...(list ?? [])].sort();
}

/** The projection of a GslbService that decides whether a PUT is needed. */
export function projectGslbService(gs: GslbService, resolve: RefResolver): unknown {
  const ref = (type: string, r: string | undefined): string | null =>
    r === undefined ? null : resolve(type, r);
  return {
    name: gs.name,
    created_by: n(gs.created_by),
    members: sorted((gs.description ?? '').split(',').filter((s) => s)),
    domains: sorted(gs.domain_names),
    flags: [
      gs.enabled,
      gs.is_federated,
      gs.controller_health_status_enabled,
      gs.health_monitor_scope,
      gs.pool_algorithm,
      gs.min_members,
      gs.resolve_cname,
      gs.use_edns_client_subnet,
      gs.wildcard_match,
    ].map(n),
    persistence: n(gs.site_persistence_enabled),
    persistenceProfile: ref(
      'applicationpersistenceprofile',
      gs.application_persistence_profile_ref,
    ),
    pki: ref('pkiprofile', gs.pki_profile_ref),
    ttl: n(gs.ttl),
    hms: sorted((gs.health_monitor_refs ?? []).map((r) => resolve('healthmonitor', r))),
    down: gs.down_response
      ? { type: gs.down_response.type, ip: n(gs.down_response.fallback_ip?.addr) }
      : null,
    groups: sortedCanonically((gs.groups ?? []).map(projectPool)),
  };
}

export function gslbServiceChecksum(gs: GslbService, resolve: RefResolver): string {
  return hash(projectGslbService(gs, resolve));
}

function projectHttp(m: HttpMonitor | undefined): unknown {
  return m ? { request: n(m.http_request), codes: sorted(m.http_response_code) } : null;
}

/** The projection of a health monitor that decides whether a PUT is needed. */
export function projectHealthMonitor(hm: HealthMonitor): unknown {
  return {
    name: hm.name,
    type: hm.type,
    port: n(hm.monitor_port),
    description: n(hm.description),
    federated: n(hm.is_federated),
    timers: [hm.send_interval, hm.receive_timeout, hm.successful_checks, hm.failed_checks].map(n),
    dup: n(hm.allow_duplicate_monitors),
    http: projectHttp(hm.http_monitor),
    https: projectHttp(hm.https_monitor),
    tcp: n(hm.tcp_monitor?.tcp_half_open),
    udp: n(hm.udp_monitor?.udp_request),
    createdBy: n((hm.markers ?? []).find((m) => m.key === CREATED_BY_MARKER)?.values?.[0]),
  };
}

export function healthMonitorChecksum(hm: HealthMonitor): string {
  return hash(projectHealthMonitor(hm));
}
