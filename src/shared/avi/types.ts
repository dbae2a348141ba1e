/**
 * Typed shapes of the Avi Controller objects amko reads or writes (avi-rest-api.md §5).
 * Field names are the controller's own (snake_case). Every object may carry fields not listed
 * here; the controller stores them verbatim, so the index signature keeps them typed as unknown.
 */

/** A reference to another object: on input `/api/<type>?name=<n>`, `/api/<type>/<uuid>` or a
 * full URL; on output `https://<host>/api/<type>/<uuid>` with `#<name>` under `include_name`. */
export type AviRef = string;

/** The object types (URL path segments) amko talks to. */
export type AviObjectType =
  | 'gslbservice'
  | 'healthmonitor'
  | 'applicationpersistenceprofile'
  | 'pkiprofile'
  | 'virtualservice'
  | 'cloud'
  | 'cluster'
  | 'gslb'
  | 'tenant';

/** Identity fields every configuration object has once stored (§1.2). */
export interface AviObjectBase {
  uuid?: string;
  url?: string;
  name: string;
  tenant_ref?: AviRef;
  /** Microseconds since the epoch, as a decimal string; changes on every write. */
  _last_modified?: string;
  [field: string]: unknown;
}

/** An object as returned by the controller: identity fields are always present. */
export type Stored<T extends AviObjectBase> = T & {
  uuid: string;
  url: string;
  _last_modified: string;
};

export interface Marker {
  key: string;
  values?: string[];
}

export interface IpAddr {
  addr: string;
  type: 'V4' | 'V6';
}

export type GslbAlgorithm =
  | 'GSLB_ALGORITHM_ROUND_ROBIN'
  | 'GSLB_ALGORITHM_CONSISTENT_HASH'
  | 'GSLB_ALGORITHM_GEO'
  | 'GSLB_ALGORITHM_TOPOLOGY';

export interface GslbPoolMember {
  ip: IpAddr;
  /** 1–20. */
  ratio?: number;
  enabled?: boolean;
  vs_uuid?: string;
  cluster_uuid?: string;
  public_ip?: { ip: IpAddr };
  [field: string]: unknown;
}

/** One pool (`groups[]`) of a GslbService. */
export interface GslbPool {
  name: string;
  priority?: number;
  enabled?: boolean;
  algorithm: GslbAlgorithm;
  fallback_algorithm?: 'GSLB_ALGORITHM_ROUND_ROBIN' | 'GSLB_ALGORITHM_CONSISTENT_HASH';
  /** 1–31, with CONSISTENT_HASH as main or fallback algorithm. */
  consistent_hash_mask?: number;
  min_health_monitors_up?: number;
  members?: GslbPoolMember[];
  [field: string]: unknown;
}

export type DownResponseType =
  | 'GSLB_SERVICE_DOWN_RESPONSE_NONE'
  | 'GSLB_SERVICE_DOWN_RESPONSE_ALL_RECORDS'
  | 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP'
  | 'GSLB_SERVICE_DOWN_RESPONSE_EMPTY';

export interface DownResponse {
  type: DownResponseType;
  fallback_ip?: IpAddr;
}

/** `/api/gslbservice` (§5.5; the POST body of gslb-pipeline.md §7.8). */
export interface GslbService extends AviObjectBase {
  created_by?: string;
  description?: string;
  domain_names: string[];
  enabled?: boolean;
  is_federated?: boolean;
  controller_health_status_enabled?: boolean;
  health_monitor_scope?:
    | 'GSLB_SERVICE_HEALTH_MONITOR_ALL_MEMBERS'
    | 'GSLB_SERVICE_HEALTH_MONITOR_ONLY_NON_CONTROLLER_MEMBERS';
  pool_algorithm?: 'GSLB_SERVICE_ALGORITHM_PRIORITY' | 'GSLB_SERVICE_ALGORITHM_GEO';
  min_members?: number;
  resolve_cname?: boolean;
  use_edns_client_subnet?: boolean;
  wildcard_match?: boolean;
  site_persistence_enabled?: boolean;
  application_persistence_profile_ref?: AviRef;
  pki_profile_ref?: AviRef;
  ttl?: number;
  health_monitor_refs?: AviRef[];
  down_response?: DownResponse;
  groups: GslbPool[];
  /** Stored and returned verbatim; the federation stamps `{key: "amko-epoch", values: ["<n>"]}`. */
  markers?: Marker[];
}

export type HealthMonitorType =
  | 'HEALTH_MONITOR_HTTP'
  | 'HEALTH_MONITOR_HTTPS'
  | 'HEALTH_MONITOR_TCP'
  | 'HEALTH_MONITOR_UDP'
  | 'HEALTH_MONITOR_PING';

export interface HttpMonitor {
  http_request?: string;
  http_response_code?: string[];
  [field: string]: unknown;
}

/** `/api/healthmonitor` (§5.6). */
export interface HealthMonitor extends AviObjectBase {
  type: HealthMonitorType;
  is_federated?: boolean;
  description?: string;
  monitor_port?: number;
  send_interval?: number;
  receive_timeout?: number;
  successful_checks?: number;
  failed_checks?: number;
  allow_duplicate_monitors?: boolean;
  /** amko writes `[{key: "created-by", values: ["amko-<uuid>"]}]`. */
  markers?: Marker[];
  http_monitor?: HttpMonitor;
  https_monitor?: HttpMonitor;
  tcp_monitor?: { tcp_half_open?: boolean; [field: string]: unknown };
  udp_monitor?: { udp_request?: string; [field: string]: unknown };
}

/** `/api/applicationpersistenceprofile` (§5.7). */
export interface ApplicationPersistenceProfile extends AviObjectBase {
  is_federated?: boolean;
  persistence_type?: string;
  server_hm_down_recovery?: string;
  http_cookie_persistence_profile?: { cookie_name?: string; always_send_cookie?: boolean };
}

/** `/api/pkiprofile` (§5.8); certificate fields are opaque to amko. */
export interface PKIProfile extends AviObjectBase {
  is_federated?: boolean;
  crl_check?: boolean;
  ca_certs?: unknown[];
}

/** `/api/virtualservice` (read only, §5.10). */
export interface VirtualService extends AviObjectBase {
  vip?: { ip_address?: IpAddr; vip_id?: string; [field: string]: unknown }[];
  services?: { port: number; enable_ssl?: boolean; [field: string]: unknown }[];
  cloud_ref?: AviRef;
  enabled?: boolean;
}

/** `/api/cloud` (§5.3). */
export interface Cloud extends AviObjectBase {
  vtype?: string;
}

/** `/api/cluster`: a single object, not a collection (§5.2). */
export interface Cluster extends AviObjectBase {
  uuid: string;
  nodes?: { name: string; ip?: IpAddr; [field: string]: unknown }[];
  tenant_uuid?: string;
}

export interface GslbSite {
  name: string;
  cluster_uuid: string;
  member_type?: 'GSLB_ACTIVE_MEMBER' | 'GSLB_PASSIVE_MEMBER';
  enabled?: boolean;
  port?: number;
  ip_addresses?: IpAddr[];
  username?: string;
  password?: string;
  dns_vses?: { dns_vs_uuid: string; domain_names?: string[] }[];
  [field: string]: unknown;
}

export interface GslbThirdPartySite {
  name: string;
  cluster_uuid: string;
  enabled?: boolean;
  [field: string]: unknown;
}

/** `/api/gslb`: a collection with at most one GSLB configuration (§5.4). */
export interface Gslb extends AviObjectBase {
  is_federated?: boolean;
  leader_cluster_uuid: string;
  maintenance_mode?: boolean;
  dns_configs?: { domain_name: string }[];
  sites?: GslbSite[];
  third_party_sites?: GslbThirdPartySite[];
  send_interval?: number;
  replication_policy?: { replication_mode?: string };
  tenant_scoped?: boolean;
}

/** `/api/tenant` (§5.9). The `admin` tenant's uuid is literally `admin`. */
export interface Tenant extends AviObjectBase {
  config_settings?: {
    tenant_vrf?: boolean;
    se_in_provider_context?: boolean;
    tenant_access_to_provider_se?: boolean;
  };
  description?: string;
}

/** `GET /api/initial-data` (§5.1). */
export interface InitialData {
  version: { Version: string; build?: number; Date?: string };
  user_initial_setup?: boolean;
  [field: string]: unknown;
}

/** The collection envelope (§3.1). */
export interface AviCollection<T> {
  count: number;
  results: T[];
  next?: string;
}

/** Body of `PATCH /api/<type>/<uuid>`: exactly one of the three operations. */
export type AviPatch<T> = { add: Partial<T> } | { replace: Partial<T> } | { delete: Partial<T> };

/** Object type → its typed shape, for generic code. */
export interface AviObjectTypes {
  gslbservice: GslbService;
  healthmonitor: HealthMonitor;
  applicationpersistenceprofile: ApplicationPersistenceProfile;
  pkiprofile: PKIProfile;
  virtualservice: VirtualService;
  cloud: Cloud;
  cluster: Cluster;
  gslb: Gslb;
  tenant: Tenant;
}
