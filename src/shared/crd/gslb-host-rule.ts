/**
 * GSLBHostRule (amko.vmware.com/v1alpha1, short `ghr`): per-FQDN overrides of one GslbService.
 */
import { amkoResource, type CustomObject } from './common.js';
import {
  DOWN_RESPONSE_SHAPE,
  POOL_ALGORITHM_SHAPE,
  TRAFFIC_SPLIT_SHAPE,
  type DownResponse,
  type PoolAlgorithmSettings,
  type TrafficSplitEntry,
} from './gslb-policy-types.js';
import {
  downResponseProblems,
  duplicateIndices,
  inRange,
  isHealthMonitorRefValid,
  isIpAddress,
  poolAlgorithmProblems,
  templateProblem,
  ttlProblem,
  weightProblem,
  type AviRefLookups,
} from './gslb-policy-rules.js';
import { ProblemList, type ValidationResult } from './problems.js';
import { defineShape, objectShape, shapeProblems } from './shape.js';

export const GSLB_HOST_RULE = amkoResource('GSLBHostRule', 'v1alpha1', 'gslbhostrules', ['ghr']);

export interface SitePersistence {
  /** true needs `profileRef`; false forces persistence off; block absent ⇒ inherit the GDP. */
  enabled?: boolean;
  profileRef?: string;
  pkiProfileRef?: string;
}

export interface ThirdPartyMember {
  /** Must parse as an IP address. */
  vip?: string;
  /** A third-party site of the Avi GSLB configuration. */
  site?: string;
  /** Optional NAT address. */
  publicIP?: string;
}

export interface PublicIp {
  cluster: string;
  ip: string;
}

export interface GslbHostRuleSpec {
  /** The GslbService this rule applies to (required by code). */
  fqdn?: string;
  /** 0..86400 seconds. */
  ttl?: number;
  sitePersistence?: SitePersistence;
  thirdPartyMembers?: ThirdPartyMember[];
  healthMonitorRefs?: string[];
  healthMonitorTemplate?: string;
  poolAlgorithmSettings?: PoolAlgorithmSettings;
  trafficSplit?: TrafficSplitEntry[];
  publicIP?: PublicIp[];
  downResponse?: DownResponse;
  controlPlaneHmOnly?: boolean;
}

export type GslbHostRuleState = 'Accepted' | 'Rejected';

export interface GslbHostRuleStatus {
  status?: GslbHostRuleState;
  /** Empty when accepted. */
  error?: string;
}

export type GslbHostRule = CustomObject<GslbHostRuleSpec, GslbHostRuleStatus>;

/** JSON types of a GSLBHostRule, as its CRD declares them. */
export const GSLB_HOST_RULE_SHAPE = objectShape(
  defineShape({
    fields: {
      fqdn: 'string',
      ttl: 'integer',
      sitePersistence: {
        fields: { enabled: 'boolean', profileRef: 'string', pkiProfileRef: 'string' },
      },
      thirdPartyMembers: {
        listOf: { fields: { vip: 'string', site: 'string', publicIP: 'string' } },
      },
      healthMonitorRefs: { listOf: 'string' },
      healthMonitorTemplate: 'string',
      poolAlgorithmSettings: POOL_ALGORITHM_SHAPE,
      trafficSplit: TRAFFIC_SPLIT_SHAPE,
      publicIP: {
        listOf: { fields: { cluster: 'string', ip: 'string' }, required: ['cluster', 'ip'] },
      },
      downResponse: DOWN_RESPONSE_SHAPE,
      controlPlaneHmOnly: 'boolean',
    },
  }),
);

export const GHR_ACCEPTED = 'Accepted';
export const GHR_REJECTED = 'Rejected';
export const GHR_FQDN_TAKEN = "there's an existing GSLBHostRule for the same FQDN";
/** CRD defaults of a GSLBHostRule traffic split entry (priority differs from the GDP's). */
export const GHR_DEFAULT_WEIGHT = 1;
export const GHR_DEFAULT_PRIORITY = 1;

export interface GslbHostRuleValidationContext {
  /** Context names of the accepted GSLBConfig's `spec.memberClusters`. */
  readonly memberClusters: readonly string[];
  /** Avi look-ups for the names the rule references; checks needing a missing lookup are skipped. */
  readonly avi?: AviRefLookups;
}

export interface GslbHostRuleValidation extends ValidationResult {
  /** The status to write: `{status: Accepted, error: ''}` or `{status: Rejected, error}`. */
  readonly statusFields: Required<GslbHostRuleStatus>;
}

interface Check {
  readonly p: ProblemList;
  readonly spec: GslbHostRuleSpec;
  readonly name: string;
  readonly ctx: GslbHostRuleValidationContext;
}

/** An empty name, or one the look-up (when made) did not find. */
function unresolved(ref: string, known: ReadonlySet<string> | undefined): boolean {
  return ref === '' || (known !== undefined && !known.has(ref));
}

function checkPersistence({ p, spec, name, ctx }: Check): void {
  const sp = spec.sitePersistence;
  if (sp === undefined) return;
  const profile = sp.profileRef ?? '';
  if (sp.enabled === true && unresolved(profile, ctx.avi?.persistenceProfiles)) {
    p.add(
      'spec.sitePersistence.profileRef',
      `SitePersistence Profile ${profile} error for ${name} GSLBHostRule`,
    );
  }
  const pki = sp.pkiProfileRef;
  if (pki !== undefined && unresolved(pki, ctx.avi?.pkiProfiles)) {
    p.add(
      'spec.sitePersistence.pkiProfileRef',
      `PKI Profile ${pki} error for ${name} GSLBHostRule`,
    );
  }
}

function checkThirdParty({ p, spec, name, ctx }: Check): void {
  const sites = ctx.avi?.thirdPartySites;
  (spec.thirdPartyMembers ?? []).forEach((m, i) => {
    const path = `spec.thirdPartyMembers[${i}]`;
    const site = m.site ?? '';
    if (!isIpAddress(m.vip ?? '')) {
      p.add(
        `${path}.vip`,
        `Invalid VIP for thirdPartyMember site ${site},${name} GSLBHostRule (expecting IP address)`,
      );
    }
    if (sites && !sites.has(site)) {
      p.add(
        `${path}.site`,
        `ThirdPartyMember site ${site} does not exist for ${name} GSLBHostRule`,
      );
    }
    if (m.publicIP !== undefined && !isIpAddress(m.publicIP)) {
      p.add(
        `${path}.publicIP`,
        `Invalid public IP ${m.publicIP} for thirdPartyMember site ${site},${name} GSLBHostRule (expecting IP address)`,
      );
    }
  });
}

function checkPublicIps({ p, spec, name, ctx }: Check): void {
  const list = spec.publicIP ?? [];
  list.forEach((e, i) => {
    const path = `spec.publicIP[${i}]`;
    if (!ctx.memberClusters.includes(e.cluster)) {
      p.add(`${path}.cluster`, `cluster ${e.cluster} in Public IP  not present in GSLBConfig`);
    }
    if (!isIpAddress(e.ip)) {
      p.add(
        `${path}.ip`,
        `Invalid IP for site ${e.cluster},${name} GSLBHostRule (expecting IP address)`,
      );
    }
  });
  for (const i of duplicateIndices(list, (e) => e.cluster)) {
    p.add(`spec.publicIP[${i}].cluster`, `duplicate cluster ${list[i]?.cluster ?? ''} in publicIP`);
  }
}

function checkHealthMonitors({ p, spec, name, ctx }: Check): void {
  const refs = spec.healthMonitorRefs ?? [];
  const template = spec.healthMonitorTemplate;
  if (refs.length > 0 && template !== undefined) {
    p.add(
      'spec.healthMonitorTemplate',
      `health monitor reference and template cannot be specified together for ${name} GSLBHostRule`,
    );
  }
  if (template !== undefined) {
    const t = templateProblem(template, ctx.avi?.healthMonitors);
    if (t !== undefined) p.add('spec.healthMonitorTemplate', t);
  }
  refs.forEach((r, i) => {
    if (!isHealthMonitorRefValid(r, ctx.avi?.healthMonitors)) {
      p.add(
        `spec.healthMonitorRefs[${i}]`,
        `Health Monitor Ref ${r} error for ${name} GSLBHostRule`,
      );
    }
  });
}

function checkTrafficSplit({ p, spec }: Check): void {
  const list = spec.trafficSplit ?? [];
  list.forEach((t, i) => {
    const path = `spec.trafficSplit[${i}]`;
    const w = weightProblem(t, path);
    if (w) p.add(w.path, w.message);
    if (t.priority !== undefined && !inRange(t.priority, 0, Number.MAX_SAFE_INTEGER)) {
      p.add(`${path}.priority`, `priority ${t.priority} must not be negative`);
    }
  });
  for (const i of duplicateIndices(list, (t) => t.cluster ?? '')) {
    p.add(
      `spec.trafficSplit[${i}].cluster`,
      `duplicate cluster ${list[i]?.cluster ?? ''} in trafficSplit`,
    );
  }
}

function checkGslbHostRule(
  p: ProblemList,
  obj: GslbHostRule,
  ctx: GslbHostRuleValidationContext,
): void {
  const name = obj.metadata?.name ?? '';
  const spec = obj.spec ?? {};
  const c: Check = { p, spec, name, ctx };
  if ((spec.fqdn ?? '') === '') p.add('spec.fqdn', `GSFqdn missing for ${name} GSLBHostRule`);
  checkPersistence(c);
  p.addAll(
    poolAlgorithmProblems(spec.poolAlgorithmSettings, 'spec.poolAlgorithmSettings'),
    'Invalid Pool Algorithm: ',
  );
  checkThirdParty(c);
  checkPublicIps(c);
  checkHealthMonitors(c);
  p.addAll(downResponseProblems(spec.downResponse, 'spec.downResponse'));
  const ttl = ttlProblem(spec.ttl, 'spec.ttl');
  if (ttl) p.add(ttl.path, ttl.message);
  checkTrafficSplit(c);
}

/**
 * Semantic checks of a GSLBHostRule, in AMKO's order (spec §12.2), after its JSON types (a
 * field of the wrong type is reported alone). Any namespace is allowed. Returns every problem;
 * `status` is the first one in AMKO's words, or `Accepted`.
 */
export function validateGslbHostRule(
  obj: GslbHostRule,
  ctx: GslbHostRuleValidationContext,
): GslbHostRuleValidation {
  const p = new ProblemList();
  const shape = shapeProblems(obj, GSLB_HOST_RULE_SHAPE, '');
  if (shape.length > 0) p.addAll(shape);
  else checkGslbHostRule(p, obj, ctx);
  const result = p.result(GHR_ACCEPTED);
  const first = result.problems[0];
  return {
    ...result,
    statusFields: first
      ? { status: GHR_REJECTED, error: first.message }
      : { status: GHR_ACCEPTED, error: '' },
  };
}

/** The spec with the CRD defaults of its traffic split entries (weight 1, priority 1). */
export function withGslbHostRuleDefaults(spec: GslbHostRuleSpec): GslbHostRuleSpec {
  if (spec.trafficSplit === undefined) return { ...spec };
  return {
    ...spec,
    trafficSplit: spec.trafficSplit.map((t) => ({
      weight: GHR_DEFAULT_WEIGHT,
      priority: GHR_DEFAULT_PRIORITY,
      ...t,
    })),
  };
}
