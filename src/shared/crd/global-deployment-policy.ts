/**
 * GlobalDeploymentPolicy (amko.vmware.com/v1alpha2, short `gdp`): which objects become
 * GslbServices and the GS-wide properties they get.
 */
import { AVI_SYSTEM, amkoResource, type CustomObject } from './common.js';
import {
  downResponseProblems,
  duplicateIndices,
  inRange,
  isHealthMonitorRefValid,
  poolAlgorithmProblems,
  templateProblem,
  ttlProblem,
  weightProblem,
  type AviRefLookups,
} from './gslb-policy-rules.js';
import {
  DOWN_RESPONSE_SHAPE,
  POOL_ALGORITHM_SHAPE,
  TRAFFIC_SPLIT_SHAPE,
  type DownResponse,
  type PoolAlgorithmSettings,
  type TrafficSplitEntry,
} from './gslb-policy-types.js';
import { ProblemList, type ValidationResult } from './problems.js';
import { defineShape, objectShape, shapeProblems } from './shape.js';

export const GLOBAL_DEPLOYMENT_POLICY = amkoResource(
  'GlobalDeploymentPolicy',
  'v1alpha2',
  'globaldeploymentpolicies',
  ['gdp'],
);

export interface LabelSelector {
  /** Honoured only with exactly one entry. */
  label?: Record<string, string>;
}

export interface MatchRules {
  appSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
}

export interface MatchCluster {
  cluster?: string;
  /** Members from this cluster are added by IP only. */
  syncVipOnly?: boolean;
}

export interface GdpSpec {
  matchRules?: MatchRules;
  matchClusters?: MatchCluster[];
  trafficSplit?: TrafficSplitEntry[];
  /** 0..86400 seconds; absent ⇒ DNS profile default. */
  ttl?: number;
  healthMonitorRefs?: string[];
  healthMonitorTemplate?: string;
  sitePersistenceRef?: string;
  pkiProfileRef?: string;
  poolAlgorithmSettings?: PoolAlgorithmSettings;
  downResponse?: DownResponse;
  controlPlaneHmOnly?: boolean;
  /** Suffix for Routes that only set `spec.subdomain`. */
  defaultDomain?: string;
}

export interface GdpStatus {
  /** `success` or the first problem. */
  errorStatus?: string;
}

export type GlobalDeploymentPolicy = CustomObject<GdpSpec, GdpStatus>;

const SELECTOR_SHAPE = defineShape({ fields: { label: { mapOf: 'string' } } });

/** JSON types of a GDP, as its CRD declares them. */
export const GDP_SHAPE = objectShape(
  defineShape({
    fields: {
      matchRules: { fields: { appSelector: SELECTOR_SHAPE, namespaceSelector: SELECTOR_SHAPE } },
      matchClusters: { listOf: { fields: { cluster: 'string', syncVipOnly: 'boolean' } } },
      trafficSplit: TRAFFIC_SPLIT_SHAPE,
      ttl: 'integer',
      healthMonitorRefs: { listOf: 'string' },
      healthMonitorTemplate: 'string',
      sitePersistenceRef: 'string',
      pkiProfileRef: 'string',
      poolAlgorithmSettings: POOL_ALGORITHM_SHAPE,
      downResponse: DOWN_RESPONSE_SHAPE,
      controlPlaneHmOnly: 'boolean',
      defaultDomain: 'string',
    },
  }),
);

/** Status text of an accepted GDP. */
export const GDP_SUCCESS = 'success';
/** Status text of a GDP added while another one is in force. */
export const GDP_ALREADY_EXISTS = "a GDP object already exists, can't add another";
/** Weight and priority of a cluster the traffic split does not list (and the CRD defaults). */
export const GDP_DEFAULT_WEIGHT = 1;
export const GDP_DEFAULT_PRIORITY = 10;
export const GDP_PRIORITY_MAX = 100;

export interface GdpValidationContext {
  /** Context names of the accepted GSLBConfig's `spec.memberClusters`. */
  readonly memberClusters: readonly string[];
  /** Avi look-ups for the names the GDP references; checks needing a missing lookup are skipped. */
  readonly avi?: AviRefLookups;
}

export interface GdpValidation extends ValidationResult {
  /** The status to write. */
  readonly statusFields: GdpStatus;
}

type Selector = 'appSelector' | 'namespaceSelector';

function checkSelector(p: ProblemList, rules: MatchRules | undefined, which: Selector): void {
  const selector = rules?.[which];
  if (selector === undefined) return;
  const path = `spec.matchRules.${which}.label`;
  // AMKO glues the namespace selector's suffix on without a space (sic).
  const suffix = which === 'appSelector' ? ' for appSelector' : 'for namespaceSelector';
  const entries = Object.entries(selector.label ?? {});
  // A selector without labels (`{}`, `{label: {}}`) is how AMKO leaves an unused one: absent.
  if (entries.length === 0) return;
  for (const [k, v] of entries) {
    if (k === '') p.add(path, `label value is missing for key ${k}${suffix}`);
    if (v === '') p.add(`${path}.${k}`, `label key is missing for value ${v}${suffix}`);
  }
  if (entries.length > 1) {
    p.add(path, `${which} must have exactly one label, found ${entries.length}`);
  }
}

function checkMatchClusters(p: ProblemList, spec: GdpSpec, ctx: GdpValidationContext): void {
  const list = spec.matchClusters ?? [];
  list.forEach((m, i) => {
    const c = m.cluster ?? '';
    if (!ctx.memberClusters.includes(c)) {
      p.add(`spec.matchClusters[${i}].cluster`, `cluster context ${c} not present in GSLBConfig`);
    }
  });
  for (const i of duplicateIndices(list, (m) => m.cluster ?? '')) {
    p.add(
      `spec.matchClusters[${i}].cluster`,
      `duplicate cluster ${list[i]?.cluster ?? ''} in matchClusters`,
    );
  }
}

function checkTrafficSplit(p: ProblemList, spec: GdpSpec, ctx: GdpValidationContext): void {
  const list = spec.trafficSplit ?? [];
  list.forEach((t, i) => {
    const path = `spec.trafficSplit[${i}]`;
    const c = t.cluster ?? '';
    if (!ctx.memberClusters.includes(c)) {
      p.add(`${path}.cluster`, `cluster ${c} in traffic policy not present in GSLBConfig`);
    }
    const w = weightProblem(t, path);
    if (w) p.add(w.path, w.message);
    const prio = t.priority;
    if (prio !== undefined && !inRange(prio, 0, GDP_PRIORITY_MAX)) {
      p.add(`${path}.priority`, `priority ${prio} must be between 1 and 100`);
    }
  });
  for (const i of duplicateIndices(list, (t) => t.cluster ?? '')) {
    p.add(
      `spec.trafficSplit[${i}].cluster`,
      `duplicate cluster ${list[i]?.cluster ?? ''} in trafficSplit`,
    );
  }
}

function checkHealthMonitors(p: ProblemList, spec: GdpSpec, avi: AviRefLookups | undefined): void {
  const refs = spec.healthMonitorRefs ?? [];
  const template = spec.healthMonitorTemplate;
  if (refs.length > 0 && template !== undefined) {
    p.add(
      'spec.healthMonitorTemplate',
      'health monitor reference and template cannot be specified together',
    );
  }
  if (template !== undefined) {
    const t = templateProblem(template, avi?.healthMonitors);
    if (t !== undefined) p.add('spec.healthMonitorTemplate', t);
  }
  refs.forEach((r, i) => {
    if (!isHealthMonitorRefValid(r, avi?.healthMonitors)) {
      p.add(`spec.healthMonitorRefs[${i}]`, `health monitor ref ${r} is invalid`);
    }
  });
}

interface RefCheck {
  readonly path: string;
  readonly value: string | undefined;
  readonly known: ReadonlySet<string> | undefined;
  readonly empty: string;
  readonly missing: (name: string) => string;
}

function checkRef(p: ProblemList, r: RefCheck): void {
  if (r.value === '') p.add(r.path, r.empty);
  else if (r.value !== undefined && r.known && !r.known.has(r.value)) {
    p.add(r.path, r.missing(r.value));
  }
}

function checkProfileRefs(p: ProblemList, spec: GdpSpec, avi: AviRefLookups | undefined): void {
  checkRef(p, {
    path: 'spec.sitePersistenceRef',
    value: spec.sitePersistenceRef,
    known: avi?.persistenceProfiles,
    empty: 'empty string as site persistence reference not supported',
    missing: (n) => `site persistence ref ${n} not present`,
  });
  checkRef(p, {
    path: 'spec.pkiProfileRef',
    value: spec.pkiProfileRef,
    known: avi?.pkiProfiles,
    empty: 'empty string as pki profile reference not supported',
    missing: (n) => `pki profile ref ${n} not present`,
  });
}

function checkGdp(p: ProblemList, obj: GlobalDeploymentPolicy, ctx: GdpValidationContext): void {
  if (obj.metadata?.namespace !== AVI_SYSTEM) {
    p.add('metadata.namespace', "GlobalDeploymentPolicy's namespace is not avi-system");
  }
  const spec = obj.spec ?? {};
  checkSelector(p, spec.matchRules, 'appSelector');
  checkSelector(p, spec.matchRules, 'namespaceSelector');
  checkMatchClusters(p, spec, ctx);
  checkTrafficSplit(p, spec, ctx);
  const ttl = ttlProblem(spec.ttl, 'spec.ttl');
  if (ttl) p.add(ttl.path, ttl.message);
  checkHealthMonitors(p, spec, ctx.avi);
  p.addAll(
    poolAlgorithmProblems(spec.poolAlgorithmSettings, 'spec.poolAlgorithmSettings'),
    'invalid pool algorithm: ',
  );
  checkProfileRefs(p, spec, ctx.avi);
  p.addAll(
    downResponseProblems(spec.downResponse, 'spec.downResponse'),
    'invalid down response configuration: ',
  );
}

/**
 * Semantic checks of a GDP, in AMKO's order (spec §5.4), after its JSON types (a field of the
 * wrong type is reported alone: the semantic checks need the types). Returns every problem;
 * `status` is the first one in AMKO's words, or `success`.
 */
export function validateGdp(obj: GlobalDeploymentPolicy, ctx: GdpValidationContext): GdpValidation {
  const p = new ProblemList();
  const shape = shapeProblems(obj, GDP_SHAPE, '');
  if (shape.length > 0) p.addAll(shape);
  else checkGdp(p, obj, ctx);
  const result = p.result(GDP_SUCCESS);
  return { ...result, statusFields: { errorStatus: result.status } };
}

/**
 * The spec with the defaults the API server and AMKO apply: traffic split weight 1 and
 * priority 10, `syncVipOnly` false, round robin when no algorithm is set, `controlPlaneHmOnly`
 * false. Does not modify its argument.
 */
export function withGdpDefaults(spec: GdpSpec): GdpSpec {
  const out: GdpSpec = {
    ...spec,
    matchClusters: (spec.matchClusters ?? []).map((m) => ({ syncVipOnly: false, ...m })),
    trafficSplit: (spec.trafficSplit ?? []).map((t) => ({
      weight: GDP_DEFAULT_WEIGHT,
      priority: GDP_DEFAULT_PRIORITY,
      ...t,
    })),
    poolAlgorithmSettings: spec.poolAlgorithmSettings ?? {
      lbAlgorithm: 'GSLB_ALGORITHM_ROUND_ROBIN',
    },
    controlPlaneHmOnly: spec.controlPlaneHmOnly ?? false,
  };
  return out;
}
