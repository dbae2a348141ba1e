/**
 * The desired GslbService and AMKO health monitors of one `tenant/gsName` (gslb-pipeline.md §7),
 * from its members and its effective policy. Pure: no clients, clocks or loggers.
 */
import { isIP } from 'node:net';
import type { GslbService, HealthMonitor } from '../../shared/avi/types.js';
import { memberString, type TrackedObject } from '../ingestion/tracked-object.js';
import type { EffectiveGsPolicy } from '../policy/effective-policy.js';
import { desiredHealthMonitors, hmRefs } from './desired-health-monitors.js';
import { desiredPools, type PoolMemberInput } from './desired-pools.js';
import { createdByValue, epochMarker, refByName, tenantRef } from './names.js';

export interface GsMember {
  readonly obj: TrackedObject;
  /** TLS by the object itself or through a HostRule certificate. */
  readonly tls: boolean;
  readonly syncVipOnly: boolean;
}

export interface GsModelInput {
  readonly tenant: string;
  readonly gsName: string;
  readonly members: readonly GsMember[];
  readonly policy: EffectiveGsPolicy;
  /** Extra domain names from HostRules. */
  readonly aliases: readonly string[];
  readonly amkoUuid: string;
  readonly epoch: number;
  /** PKI profile to use with site persistence when the policy names none. */
  readonly defaultPki?: string;
  /** The GS exists on the controller (third-party members keep it alive). */
  readonly exists: boolean;
}

export interface DesiredGs {
  readonly tenant: string;
  readonly gsName: string;
  readonly gs: GslbService;
  readonly monitors: readonly HealthMonitor[];
}

/** Members that may join: without syncVipOnly they need AKO's VS and controller UUIDs. */
export function eligibleMembers(members: readonly GsMember[]): GsMember[] {
  return members.filter((m) => m.syncVipOnly || (m.obj.vsUuid && m.obj.controllerUuid));
}

function poolInputs(members: readonly GsMember[], input: GsModelInput): PoolMemberInput[] {
  const { policy } = input;
  const k8s = members.map((m): PoolMemberInput => {
    const c = m.obj.cluster;
    const pub = policy.publicIp(c);
    return {
      ip: m.obj.ip,
      weight: policy.weight(c),
      priority: policy.priority(c),
      ...(m.syncVipOnly ? {} : { vsUuid: m.obj.vsUuid, clusterUuid: m.obj.controllerUuid }),
      ...(pub ? { publicIp: pub } : {}),
    };
  });
  const third = policy.thirdPartyMembers.map((t): PoolMemberInput => ({
    ip: t.vip,
    weight: t.weight,
    priority: t.priority,
    ...(t.publicIP ? { publicIp: t.publicIP } : {}),
  }));
  return [...k8s, ...third];
}

function persistenceFields(
  input: GsModelInput,
  anyTls: boolean,
): Pick<GslbService, 'site_persistence_enabled' | 'application_persistence_profile_ref'> & {
  pki_profile_ref?: string;
} {
  const sp = input.policy.sitePersistence;
  if (!sp || !anyTls) return { site_persistence_enabled: false };
  const pki = sp.pki ?? input.defaultPki;
  return {
    site_persistence_enabled: true,
    application_persistence_profile_ref: refByName('applicationpersistenceprofile', sp.profile),
    ...(pki ? { pki_profile_ref: refByName('pkiprofile', pki) } : {}),
  };
}

function downResponseField(policy: EffectiveGsPolicy): Pick<GslbService, 'down_response'> {
  const dr = policy.downResponse;
  if (!dr) return {};
  if (dr.type === 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP' && dr.fallbackIP) {
    const type = isIP(dr.fallbackIP) === 6 ? 'V6' : 'V4';
    return { down_response: { type: dr.type, fallback_ip: { addr: dr.fallbackIP, type } } };
  }
  return { down_response: { type: dr.type } };
}

/** True when the policy needs a default PKI profile for this GS (persistence on, none named). */
export function needsDefaultPki(policy: EffectiveGsPolicy, members: readonly GsMember[]): boolean {
  const sp = policy.sitePersistence;
  return sp !== undefined && sp.pki === undefined && eligibleMembers(members).some((m) => m.tls);
}

/** The desired GS, or undefined when it should not exist. */
export function desiredGslbService(input: GsModelInput): DesiredGs | undefined {
  const members = eligibleMembers(input.members);
  const { policy } = input;
  if (members.length === 0 && !(input.exists && policy.thirdPartyMembers.length > 0)) {
    return undefined;
  }
  const hms = desiredHealthMonitors({
    tenant: input.tenant,
    gsName: input.gsName,
    members: members.map((m) => ({ ...m.obj, tls: m.tls })),
    policy: policy.healthMonitors,
    amkoUuid: input.amkoUuid,
    epoch: input.epoch,
  });
  const userRefs = policy.healthMonitors.kind === 'refs' ? hms.refs.length : 0;
  const anyTls = members.some((m) => m.tls);
  const gs: GslbService = {
    name: input.gsName,
    tenant_ref: tenantRef(input.tenant),
    created_by: createdByValue(input.amkoUuid),
    description: members
      .map((m) => memberString(m.obj))
      .sort()
      .join(','),
    domain_names: [input.gsName, ...input.aliases.filter((a) => a !== input.gsName)],
    enabled: true,
    is_federated: true,
    controller_health_status_enabled: true,
    health_monitor_scope: 'GSLB_SERVICE_HEALTH_MONITOR_ALL_MEMBERS',
    pool_algorithm: 'GSLB_SERVICE_ALGORITHM_PRIORITY',
    min_members: 0,
    resolve_cname: false,
    use_edns_client_subnet: true,
    wildcard_match: false,
    ...persistenceFields(input, anyTls),
    ...(policy.ttl !== undefined ? { ttl: policy.ttl } : {}),
    ...(hms.refs.length > 0 ? { health_monitor_refs: hmRefs(hms.refs) } : {}),
    ...downResponseField(policy),
    groups: desiredPools(poolInputs(members, input), {
      algorithm: policy.poolAlgorithm,
      minHmUp: policy.controlPlaneHmOnly ? 1 : 2,
      userRefCount: userRefs,
    }),
    markers: [epochMarker(input.epoch)],
  };
  return { tenant: input.tenant, gsName: input.gsName, gs, monitors: hms.monitors };
}
