/**
 * The default seed (avi-rest-api.md §7.1, §9): a GSLB leader controller with two active sites and
 * one third-party site, the system and user health monitors, persistence and PKI profiles that
 * AMKO's tests assume. Names matter; uuids of the cluster and sites are fixed for tests.
 */
import type { SeedDoc } from './seed.js';

export const DEFAULT_CLUSTER_UUID = 'cluster-6c7d2a90-1f3e-4b58-a0d4-93e1c5b7f802';
export const DEFAULT_PEER_CLUSTER_UUID = 'cluster-f3b4c5d6-7e8f-4a9b-8c0d-1e2f3a4b5c6d';
export const DEFAULT_THIRD_PARTY_SITE = 'test-third-party-member';

const HM_TIMERS = Object.freeze({
  send_interval: 10,
  receive_timeout: 4,
  successful_checks: 3,
  failed_checks: 3,
});
const httpCheck = (): Record<string, unknown> => ({
  http_request: 'HEAD / HTTP/1.0',
  http_response_code: ['HTTP_2XX', 'HTTP_3XX'],
});

function monitor(name: string, type: string, federated: boolean): Record<string, unknown> {
  const hm: Record<string, unknown> = { name, type, is_federated: federated, ...HM_TIMERS };
  if (type === 'HEALTH_MONITOR_HTTP') hm['http_monitor'] = httpCheck();
  if (type === 'HEALTH_MONITOR_HTTPS') hm['https_monitor'] = httpCheck();
  if (type === 'HEALTH_MONITOR_TCP') hm['tcp_monitor'] = { tcp_half_open: false };
  if (type === 'HEALTH_MONITOR_UDP') hm['udp_monitor'] = {};
  return hm;
}

const KINDS = Object.freeze(['HTTP', 'HTTPS', 'TCP', 'UDP', 'Ping'] as const);
const typeOf = (kind: string): string => `HEALTH_MONITOR_${kind.toUpperCase()}`;

function sitePersistence(name: string): Record<string, unknown> {
  return {
    name,
    is_federated: true,
    persistence_type: 'PERSISTENCE_TYPE_GSLB_SITE',
    server_hm_down_recovery: 'HM_DOWN_PICK_NEW_SERVER',
    http_cookie_persistence_profile: { cookie_name: 'GSLBSITE', always_send_cookie: false },
  };
}

function buildDefaultSeed(): SeedDoc {
  return {
    tenants: ['admin'],
    cluster: {
      uuid: DEFAULT_CLUSTER_UUID,
      name: 'ctrl-east',
      nodes: [{ name: '127.0.0.1', ip: { addr: '127.0.0.1', type: 'V4' } }],
      tenant_uuid: 'admin',
    },
    gslb: {
      uuid: 'gslb-2d0c8f3a-5b71-4e96-a3c4-1f8b7e6d5a90',
      name: 'Default',
      is_federated: true,
      leader_cluster_uuid: DEFAULT_CLUSTER_UUID,
      maintenance_mode: false,
      dns_configs: [{ domain_name: 'gslb.example.com' }],
      sites: [
        {
          name: 'east',
          cluster_uuid: DEFAULT_CLUSTER_UUID,
          member_type: 'GSLB_ACTIVE_MEMBER',
          enabled: true,
          port: 443,
          ip_addresses: [{ addr: '127.0.0.1', type: 'V4' }],
          username: 'admin',
          password: '<sensitive>',
          dns_vses: [
            {
              dns_vs_uuid: 'virtualservice-8a1f6b2c-3d4e-4f50-9a1b-2c3d4e5f6a7b',
              domain_names: ['gslb.example.com'],
            },
          ],
        },
        {
          name: 'west',
          cluster_uuid: DEFAULT_PEER_CLUSTER_UUID,
          member_type: 'GSLB_ACTIVE_MEMBER',
          enabled: true,
          port: 443,
          ip_addresses: [{ addr: '198.51.100.20', type: 'V4' }],
          username: 'admin',
          password: '<sensitive>',
        },
      ],
      third_party_sites: [
        {
          name: DEFAULT_THIRD_PARTY_SITE,
          cluster_uuid: 'tp_cluster-9b8a7c6d-5e4f-4321-a0b9-c8d7e6f5a4b3',
          enabled: true,
        },
      ],
      send_interval: 15,
      replication_policy: { replication_mode: 'REPLICATION_MODE_CONTINUOUS' },
      tenant_scoped: true,
    },
    clouds: [
      {
        uuid: 'cloud-0e4b9a61-77c2-4d3f-8b15-c2d6e9f0a143',
        name: 'Default-Cloud',
        vtype: 'CLOUD_NONE',
      },
    ],
    objects: {
      healthmonitor: [
        ...KINDS.map((k) => monitor(`System-GSLB-${k}`, typeOf(k), true)),
        ...KINDS.map((k) => monitor(`System-${k}`, typeOf(k), false)),
        monitor('my-hm1', 'HEALTH_MONITOR_PING', true),
        monitor('my-hm2', 'HEALTH_MONITOR_HTTPS', true),
        monitor('my-hm3', 'HEALTH_MONITOR_HTTPS', false),
        monitor('test-health-monitor', 'HEALTH_MONITOR_HTTPS', true),
      ],
      applicationpersistenceprofile: [
        sitePersistence('gap-1'),
        sitePersistence('gap-2'),
        sitePersistence('test-profile-ref'),
        {
          name: 'System-Persistence-Client-IP',
          is_federated: false,
          persistence_type: 'PERSISTENCE_TYPE_CLIENT_IP_ADDRESS',
        },
        {
          name: 'System-Persistence-Http-Cookie',
          is_federated: false,
          persistence_type: 'PERSISTENCE_TYPE_HTTP_COOKIE',
        },
      ],
      pkiprofile: [
        { name: 'pki', is_federated: true, crl_check: false, ca_certs: [] },
        { name: 'pki2', is_federated: true, crl_check: false, ca_certs: [] },
      ],
    },
  };
}

/** A fresh copy of the default seed. */
export function defaultSeed(): SeedDoc {
  return buildDefaultSeed();
}
