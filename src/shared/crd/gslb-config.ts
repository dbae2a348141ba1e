/**
 * GSLBConfig (amko.vmware.com/v1alpha1, short `gc`): the Avi GSLB leader controller and the
 * member clusters the leader ingests from.
 */
import { AMKO_UUID_ANNOTATION, AVI_SYSTEM, amkoResource, type CustomObject } from './common.js';
import { duplicateIndices } from './gslb-policy-rules.js';
import { ProblemList, type ValidationResult } from './problems.js';
import { defineShape, objectShape, shapeProblems } from './shape.js';

export const GSLB_CONFIG = amkoResource('GSLBConfig', 'v1alpha1', 'gslbconfigs', ['gc']);

export const LOG_LEVELS = Object.freeze(['DEBUG', 'INFO', 'WARN', 'ERROR'] as const);
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface GslbLeader {
  /** Secret in avi-system with keys `username` and `password`. */
  credentials?: string;
  /** `X-Avi-Version`. */
  controllerVersion?: string;
  /** Host or IP of the Avi GSLB leader, optional `:port`. */
  controllerIP?: string;
  /** Default Avi tenant; absent ⇒ `admin`. */
  tenant?: string;
}

export interface MemberCluster {
  clusterContext?: string;
}

export interface GslbConfigSpec {
  gslbLeader?: GslbLeader;
  memberClusters?: MemberCluster[];
  /** Full-sync period in seconds; ≤ 0 or absent ⇒ 600. */
  refreshInterval?: number;
  logLevel?: LogLevel;
  useCustomGlobalFqdn?: boolean;
}

export interface GslbConfigStatus {
  state?: string;
}

export type GslbConfig = CustomObject<GslbConfigSpec, GslbConfigStatus>;

/** JSON types of a GSLBConfig, as its CRD declares them. */
export const GSLB_CONFIG_SHAPE = objectShape(
  defineShape({
    fields: {
      gslbLeader: {
        fields: {
          credentials: 'string',
          controllerVersion: 'string',
          controllerIP: 'string',
          tenant: 'string',
        },
      },
      memberClusters: { listOf: { fields: { clusterContext: 'string' } } },
      refreshInterval: 'integer',
      logLevel: 'string',
      useCustomGlobalFqdn: 'boolean',
    },
  }),
);

/** Default Avi tenant when `gslbLeader.tenant` is absent. */
export const DEFAULT_TENANT = 'admin';
/** Full-sync period when `refreshInterval` is absent or ≤ 0. */
export const DEFAULT_REFRESH_INTERVAL_SECONDS = 600;
export const DEFAULT_LOG_LEVEL: LogLevel = 'INFO';

/** `status.state` texts AMKO writes, byte for byte (spec §4.3). */
export const GSLB_CONFIG_STATE = Object.freeze({
  accepted: 'success: gslb config accepted',
  syncing: 'syncing all objects',
  synced: 'synced all objects',
  editedNeedsRestart: 'gslb config edited, amko needs a restart',
  anotherConfig: "error: can't add another gslbconfig",
  controllerNotLeader: 'error: controller not a leader',
  onlyOnLeader: 'Config Operations can be done ONLY on leader',
  wrongNamespace: 'error: invalid gslb configinvalid gslb config, namespace can only be avi-system',
  emptyControllerIp: 'error: invalid gslb config with controller IP ',
  emptyCredentials: 'error: invalid gslb config with leaderSecret ',
  secretMissing: (name: string): string => `error: secret object doesn't exist ${name}`,
  controllerApi: (err: string): string =>
    `error: issue in connecting to the controller API, ${err}`,
  leaderSite: (err: string): string => `error fetching Gslb leader site details, ${err}`,
  kubeconfig: (err: string): string => `error: provided kubeconfig has an error ${err}`,
  healthcheck: (err: string): string => `error: cluster healthcheck failed, ${err}`,
});

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface GslbConfigValidationContext {
  /** True when another GSLBConfig is already accepted. */
  readonly anotherConfigActive?: boolean;
}

export interface GslbConfigValidation extends ValidationResult {
  readonly statusFields: GslbConfigStatus;
}

function checkLeader(p: ProblemList, leader: GslbLeader | undefined): void {
  if ((leader?.controllerIP ?? '') === '') {
    p.add('spec.gslbLeader.controllerIP', GSLB_CONFIG_STATE.emptyControllerIp);
  }
  if ((leader?.credentials ?? '') === '') {
    p.add('spec.gslbLeader.credentials', GSLB_CONFIG_STATE.emptyCredentials);
  }
}

function checkMembers(p: ProblemList, members: readonly MemberCluster[]): void {
  members.forEach((m, i) => {
    if ((m.clusterContext ?? '') === '') {
      p.add(
        `spec.memberClusters[${i}].clusterContext`,
        "error: member cluster context can't be empty",
      );
    }
  });
  for (const i of duplicateIndices(members, (m) => m.clusterContext ?? '')) {
    const c = members[i]?.clusterContext ?? '';
    p.add(`spec.memberClusters[${i}].clusterContext`, `error: duplicate member cluster ${c}`);
  }
}

function checkUuid(p: ProblemList, uuid: string | undefined): void {
  if (uuid !== undefined && !UUID_RE.test(uuid)) {
    p.add(
      `metadata.annotations["${AMKO_UUID_ANNOTATION}"]`,
      `error: invalid amko-uuid annotation ${uuid}`,
    );
  }
}

function checkLogLevel(p: ProblemList, level: string | undefined): void {
  if (level !== undefined && !(LOG_LEVELS as readonly string[]).includes(level)) {
    p.add('spec.logLevel', `error: invalid log level ${level}`);
  }
}

function checkGslbConfig(p: ProblemList, obj: GslbConfig, ctx: GslbConfigValidationContext): void {
  if (obj.metadata?.namespace !== AVI_SYSTEM) {
    p.add('metadata.namespace', GSLB_CONFIG_STATE.wrongNamespace);
  }
  checkUuid(p, obj.metadata?.annotations?.[AMKO_UUID_ANNOTATION]);
  const spec = obj.spec ?? {};
  checkLeader(p, spec.gslbLeader);
  checkMembers(p, spec.memberClusters ?? []);
  checkLogLevel(p, spec.logLevel);
  if (ctx.anotherConfigActive === true) p.add('metadata.name', GSLB_CONFIG_STATE.anotherConfig);
}

/**
 * Semantic checks of a GSLBConfig, in AMKO's order, after its JSON types (a field of the wrong
 * type is reported alone). Returns every problem; `status` is the first one in AMKO's words, or
 * `success: gslb config accepted` (what AMKO writes once the rest of its start-up, which needs
 * the controller, has also succeeded).
 */
export function validateGslbConfig(
  obj: GslbConfig,
  ctx: GslbConfigValidationContext = {},
): GslbConfigValidation {
  const p = new ProblemList();
  const shape = shapeProblems(obj, GSLB_CONFIG_SHAPE, '');
  if (shape.length > 0) p.addAll(shape);
  else checkGslbConfig(p, obj, ctx);
  const result = p.result(GSLB_CONFIG_STATE.accepted);
  return { ...result, statusFields: { state: result.status } };
}

export type DefaultedGslbConfigSpec = GslbConfigSpec & {
  gslbLeader: GslbLeader & { tenant: string };
  memberClusters: MemberCluster[];
  refreshInterval: number;
  logLevel: LogLevel;
  useCustomGlobalFqdn: boolean;
};

/**
 * The spec with AMKO's code defaults: tenant `admin` when absent or empty, refresh interval
 * 600 s when absent or ≤ 0, log level INFO, default FQDN mode. Does not modify its argument.
 */
export function withGslbConfigDefaults(spec: GslbConfigSpec): DefaultedGslbConfigSpec {
  const tenant = spec.gslbLeader?.tenant;
  const refresh = spec.refreshInterval ?? 0;
  return {
    ...spec,
    gslbLeader: {
      ...spec.gslbLeader,
      tenant: tenant === undefined || tenant === '' ? DEFAULT_TENANT : tenant,
    },
    memberClusters: [...(spec.memberClusters ?? [])],
    refreshInterval: refresh <= 0 ? DEFAULT_REFRESH_INTERVAL_SECONDS : refresh,
    logLevel: spec.logLevel ?? DEFAULT_LOG_LEVEL,
    useCustomGlobalFqdn: spec.useCustomGlobalFqdn ?? false,
  };
}

/** Context names of the member clusters, in spec order, empty names left out. */
export function memberClusterNames(spec: GslbConfigSpec): string[] {
  return (spec.memberClusters ?? []).map((m) => m.clusterContext ?? '').filter((c) => c !== '');
}
