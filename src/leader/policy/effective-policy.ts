/**
 * The GS-wide properties of one GslbService: the GSLBHostRule for its name wins, then the GDP,
 * then AMKO's defaults (gslb-pipeline.md §7.4). Pure.
 */
import type {
  DownResponse,
  PoolAlgorithmSettings,
  TrafficSplitEntry,
} from '../../shared/crd/gslb-policy-types.js';
import type { AcceptedGdp, AcceptedGhr, HmTemplateInfo } from './accepted-policy.js';

export type HealthMonitorPolicy =
  | { readonly kind: 'none' }
  | { readonly kind: 'refs'; readonly refs: readonly string[] }
  | { readonly kind: 'amko'; readonly template?: HmTemplateInfo };

export interface ThirdPartyMemberPolicy {
  readonly site: string;
  readonly vip: string;
  readonly publicIP?: string;
  readonly weight: number;
  readonly priority: number;
}

export interface EffectiveGsPolicy {
  readonly ttl?: number;
  readonly healthMonitors: HealthMonitorPolicy;
  readonly controlPlaneHmOnly: boolean;
  /** Persistence profile and PKI profile (PKI may be left to the controller's first one). */
  readonly sitePersistence?: { readonly profile: string; readonly pki?: string };
  readonly poolAlgorithm: PoolAlgorithmSettings;
  readonly downResponse?: DownResponse;
  readonly thirdPartyMembers: readonly ThirdPartyMemberPolicy[];
  weight(cluster: string): number;
  priority(cluster: string): number;
  publicIp(cluster: string): string | undefined;
}

const DEFAULT_WEIGHT = 1;
const DEFAULT_PRIORITY = 10;
const THIRD_PARTY_PRIORITY = 1;

function splitEntry(
  cluster: string,
  ghr: AcceptedGhr | undefined,
  gdp: AcceptedGdp | undefined,
): TrafficSplitEntry | undefined {
  const fromGhr = (ghr?.spec.trafficSplit ?? []).find((t) => t.cluster === cluster);
  return fromGhr ?? (gdp?.spec.trafficSplit ?? []).find((t) => t.cluster === cluster);
}

function hmPolicy(gdp: AcceptedGdp | undefined, ghr: AcceptedGhr | undefined): HealthMonitorPolicy {
  const cpOnly = ghr?.spec.controlPlaneHmOnly ?? gdp?.spec.controlPlaneHmOnly ?? false;
  if (cpOnly) return { kind: 'none' };
  const ghrRefs = ghr?.spec.healthMonitorRefs ?? [];
  if (ghrRefs.length > 0) return { kind: 'refs', refs: ghrRefs };
  if (ghr?.spec.healthMonitorTemplate && ghr.template) {
    return { kind: 'amko', template: ghr.template };
  }
  const gdpRefs = gdp?.spec.healthMonitorRefs ?? [];
  if (gdpRefs.length > 0) return { kind: 'refs', refs: gdpRefs };
  if (gdp?.spec.healthMonitorTemplate && gdp.template) {
    return { kind: 'amko', template: gdp.template };
  }
  return { kind: 'amko' };
}

function persistence(
  gdp: AcceptedGdp | undefined,
  ghr: AcceptedGhr | undefined,
): EffectiveGsPolicy['sitePersistence'] {
  const sp = ghr?.spec.sitePersistence;
  if (sp?.enabled === false) return undefined;
  if (sp?.enabled === true && sp.profileRef) {
    const pki = sp.pkiProfileRef ?? gdp?.spec.pkiProfileRef;
    return pki ? { profile: sp.profileRef, pki } : { profile: sp.profileRef };
  }
  const profile = gdp?.spec.sitePersistenceRef;
  if (!profile) return undefined;
  const pki = gdp.spec.pkiProfileRef;
  return pki ? { profile, pki } : { profile };
}

function thirdParty(
  gdp: AcceptedGdp | undefined,
  ghr: AcceptedGhr | undefined,
): ThirdPartyMemberPolicy[] {
  return (ghr?.spec.thirdPartyMembers ?? [])
    .filter((m) => m.site && m.vip)
    .map((m) => {
      const split = splitEntry(m.site ?? '', ghr, gdp);
      return {
        site: m.site ?? '',
        vip: m.vip ?? '',
        ...(m.publicIP ? { publicIP: m.publicIP } : {}),
        weight: split?.weight ?? DEFAULT_WEIGHT,
        priority: split?.priority ?? THIRD_PARTY_PRIORITY,
      };
    });
}

/** The effective properties of a GslbService under the accepted GDP and GSLBHostRule. */
export function effectivePolicy(
  gdp: AcceptedGdp | undefined,
  ghr: AcceptedGhr | undefined,
): EffectiveGsPolicy {
  const ttl = ghr?.spec.ttl ?? gdp?.spec.ttl;
  const down = ghr?.spec.downResponse ?? gdp?.spec.downResponse;
  const sp = persistence(gdp, ghr);
  return {
    ...(ttl !== undefined ? { ttl } : {}),
    healthMonitors: hmPolicy(gdp, ghr),
    controlPlaneHmOnly: ghr?.spec.controlPlaneHmOnly ?? gdp?.spec.controlPlaneHmOnly ?? false,
    ...(sp ? { sitePersistence: sp } : {}),
    poolAlgorithm: ghr?.spec.poolAlgorithmSettings ?? gdp?.spec.poolAlgorithmSettings ?? {},
    ...(down ? { downResponse: down } : {}),
    thirdPartyMembers: thirdParty(gdp, ghr),
    weight: (c) => splitEntry(c, ghr, gdp)?.weight ?? DEFAULT_WEIGHT,
    priority: (c) => splitEntry(c, ghr, gdp)?.priority ?? DEFAULT_PRIORITY,
    publicIp: (c) => (ghr?.spec.publicIP ?? []).find((p) => p.cluster === c)?.ip,
  };
}
