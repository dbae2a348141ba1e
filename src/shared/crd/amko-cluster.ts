/**
 * AMKOCluster (amko.vmware.com/v1alpha1): which cluster leads, the federation set, and the
 * federation status a DR operator reads.
 */
import { AUTO_FAILOVER_SHAPE, checkAutoFailover, type AutoFailoverSpec } from './auto-failover.js';
import { AVI_SYSTEM, amkoResource, type CustomObject } from './common.js';
import { duplicateIndices } from './gslb-policy-rules.js';
import { ProblemList, type ValidationResult } from './problems.js';
import { defineShape, objectShape, shapeProblems } from './shape.js';

export const AMKO_CLUSTER = amkoResource('AMKOCluster', 'v1alpha1', 'amkoclusters');

export interface FederationEndpoint {
  /** Context name of a member cluster (one of `spec.clusters`, not this cluster). */
  cluster: string;
  /** `host:port` of that cluster's amko federation listener. */
  address: string;
}

export interface AmkoClusterSpec {
  /** This cluster's amko leads. Absent ⇒ false. */
  isLeader?: boolean;
  /** Kubeconfig context name of this cluster; must be one of `clusters`. */
  clusterContext?: string;
  /** amko version; compared for exact equality with every member. */
  version?: string;
  /** Federation set: kubeconfig context names, this cluster included. */
  clusters?: string[];
  federation?: { endpoints?: FederationEndpoint[]; autoFailover?: AutoFailoverSpec };
}

export type AmkoRole = 'leader' | 'follower' | 'fenced';

export interface AmkoClusterMemberStatus {
  cluster: string;
  appliedRevision?: number;
  lag?: number;
  /** RFC 3339 date-time. */
  lastAckTime?: string;
  lastError?: string;
}

/** AMKO's condition: free-text `status`, kept as AMKO writes it. */
export interface AmkoClusterCondition {
  type?: string;
  status?: string;
  reason?: string;
  /** Human-readable detail (amko's own conditions, e.g. `LeaderReachable`). */
  message?: string;
  /** RFC 3339 date-time. */
  lastTransitionTime?: string;
}

export interface AmkoClusterStatus {
  role?: AmkoRole;
  /** Current leadership term; 0 = none seen yet. */
  epoch?: number;
  /** Context of the leader this cluster follows (itself on a leader). */
  leader?: string;
  /** `<members at the leader's revision>/<members>` on a leader, empty elsewhere. */
  inSync?: string;
  members?: AmkoClusterMemberStatus[];
  conditions?: AmkoClusterCondition[];
  /** The epoch store: highest epoch this cluster has seen, persisted before acting on it. */
  highestEpochSeen?: number;
  /** Replication revision: last sent (leader) or last applied (follower). */
  revision?: number;
  /**
   * The position in a leader's log that this cluster's replicas stand for: recorded by a follower
   * before it acks them, and by a take-over that caught up from a member.
   */
  applied?: { leader?: string; epoch?: number; logId?: string; revision?: number };
  /** On a leader: how many replication logs it has started (orders two logs of one epoch). */
  logSequence?: number;
  /** On a follower: when it last heard from its leader (RFC 3339; refreshed every few seconds). */
  leaderLastContact?: string;
  /** The failover lease on the Avi controller as this cluster last saw it (autoFailover). */
  lease?: AmkoClusterLeaseStatus;
  message?: string;
}

export interface AmkoClusterLeaseStatus {
  holder?: string;
  epoch?: number;
  /** RFC 3339 date-time, by the holder's clock. */
  renewTime?: string;
  /** `held`, `lapsed`, `watching`, `unreadable` … */
  state?: string;
}

export type AmkoCluster = CustomObject<AmkoClusterSpec, AmkoClusterStatus>;

/** JSON types of an AMKOCluster's spec, as its CRD declares them (status is not validated). */
export const AMKO_CLUSTER_SHAPE = objectShape(
  defineShape({
    fields: {
      isLeader: 'boolean',
      clusterContext: 'string',
      version: 'string',
      clusters: { listOf: 'string' },
      federation: {
        fields: {
          endpoints: {
            listOf: {
              fields: { cluster: 'string', address: 'string' },
              required: ['cluster', 'address'],
            },
          },
          autoFailover: AUTO_FAILOVER_SHAPE,
        },
      },
    },
  }),
);

/** AMKO's condition type and texts for the validation of this cluster's AMKOCluster. */
export const AMKO_CLUSTER_VALIDATION_CONDITION = 'current AMKOCluster Validation';
export const AMKO_CLUSTER_VALID = 'valid AMKOCluster object';
export const AMKO_CLUSTER_INVALID = 'invalid AMKOCluster object';

export interface AmkoClusterValidationContext {
  /** The context name this process was told it runs in, when it knows one. */
  readonly selfCluster?: string;
}

export interface AmkoClusterValidation extends ValidationResult {
  /** The `current AMKOCluster Validation` condition AMKO writes (reason: the first problem). */
  readonly condition: AmkoClusterCondition;
}

/** `host:port`, `[v6]:port`; port 1..65535. */
function isHostPort(address: string): boolean {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(address);
  const port = Number(m?.[2] ?? 0);
  return m !== null && port >= 1 && port <= 65535;
}

function checkIdentity(p: ProblemList, spec: AmkoClusterSpec): void {
  const ctx = spec.clusterContext ?? '';
  if (ctx === '') {
    p.add('spec.clusterContext', "clusterContext field can't be empty in AMKOCluster object");
  }
  if ((spec.version ?? '') === '') {
    p.add('spec.version', "version field can't be empty in AMKOCluster object");
  }
  const clusters = spec.clusters ?? [];
  if (ctx !== '' && !clusters.includes(ctx)) {
    p.add('spec.clusters', `current cluster context ${ctx} not part of member clusters`);
  }
  clusters.forEach((c, i) => {
    if (c === '') p.add(`spec.clusters[${i}]`, "cluster name can't be empty in clusters");
  });
  for (const i of duplicateIndices(clusters, (c) => c)) {
    p.add(`spec.clusters[${i}]`, `duplicate cluster ${clusters[i] ?? ''} in clusters`);
  }
}

function checkEndpoint(
  p: ProblemList,
  spec: AmkoClusterSpec,
  e: FederationEndpoint,
  i: number,
): void {
  const path = `spec.federation.endpoints[${i}]`;
  if (e.cluster === spec.clusterContext) {
    p.add(`${path}.cluster`, `federation endpoint cluster ${e.cluster} is the current cluster`);
  } else if (!(spec.clusters ?? []).includes(e.cluster)) {
    p.add(
      `${path}.cluster`,
      `federation endpoint cluster ${e.cluster} not part of member clusters`,
    );
  }
  if (!isHostPort(e.address)) {
    p.add(
      `${path}.address`,
      `federation endpoint address ${e.address} for cluster ${e.cluster} is not host:port`,
    );
  }
}

function checkEndpoints(p: ProblemList, spec: AmkoClusterSpec): void {
  const endpoints = spec.federation?.endpoints ?? [];
  endpoints.forEach((e, i) => {
    checkEndpoint(p, spec, e, i);
  });
  for (const i of duplicateIndices(endpoints, (e) => e.cluster)) {
    const c = endpoints[i]?.cluster ?? '';
    p.add(
      `spec.federation.endpoints[${i}].cluster`,
      `duplicate federation endpoint for cluster ${c}`,
    );
  }
  if (spec.isLeader !== true) return;
  for (const peer of amkoClusterPeers(spec)) {
    if (!endpoints.some((e) => e.cluster === peer)) {
      p.add('spec.federation.endpoints', `no federation endpoint for member cluster ${peer}`);
    }
  }
}

function checkSelf(p: ProblemList, spec: AmkoClusterSpec, self: string | undefined): void {
  const ctx = spec.clusterContext ?? '';
  if (self !== undefined && ctx !== '' && ctx !== self) {
    p.add('spec.clusterContext', `clusterContext ${ctx} is not this cluster (${self})`);
  }
}

function checkAmkoCluster(
  p: ProblemList,
  obj: AmkoCluster,
  ctx: AmkoClusterValidationContext,
): void {
  if (obj.metadata?.namespace !== AVI_SYSTEM) {
    p.add('metadata.namespace', "AMKOCluster's namespace is not avi-system");
  }
  const spec = obj.spec ?? {};
  checkIdentity(p, spec);
  checkSelf(p, spec, ctx.selfCluster);
  checkEndpoints(p, spec);
  checkAutoFailover(p, spec.federation?.autoFailover);
}

/**
 * Semantic checks of an AMKOCluster, after its JSON types (a field of the wrong type is
 * reported alone). Unlike AMKO, followers are checked too (a follower uses its clusters to
 * authenticate the leader). Returns every problem; `status` is the first one in AMKO's words,
 * or `valid AMKOCluster object`.
 */
export function validateAmkoCluster(
  obj: AmkoCluster,
  ctx: AmkoClusterValidationContext = {},
): AmkoClusterValidation {
  const p = new ProblemList();
  const shape = shapeProblems(obj, AMKO_CLUSTER_SHAPE, '');
  if (shape.length > 0) p.addAll(shape);
  else checkAmkoCluster(p, obj, ctx);
  const result = p.result(AMKO_CLUSTER_VALID);
  const first = result.problems[0];
  const condition: AmkoClusterCondition = first
    ? {
        type: AMKO_CLUSTER_VALIDATION_CONDITION,
        status: AMKO_CLUSTER_INVALID,
        reason: first.message,
      }
    : { type: AMKO_CLUSTER_VALIDATION_CONDITION, status: AMKO_CLUSTER_VALID };
  return { ...result, condition };
}

/** The other clusters of the federation set: `clusters` without `clusterContext`, de-duplicated. */
export function amkoClusterPeers(spec: AmkoClusterSpec): string[] {
  const self = spec.clusterContext ?? '';
  return [...new Set(spec.clusters ?? [])].filter((c) => c !== '' && c !== self);
}

/** The federation address of `cluster`, if the spec names one. */
export function federationEndpointFor(spec: AmkoClusterSpec, cluster: string): string | undefined {
  return spec.federation?.endpoints?.find((e) => e.cluster === cluster)?.address;
}

/** The spec with its defaults: not a leader, empty federation set and endpoints. */
export function withAmkoClusterDefaults(spec: AmkoClusterSpec): AmkoClusterSpec {
  return {
    ...spec,
    isLeader: spec.isLeader ?? false,
    clusters: [...(spec.clusters ?? [])],
    federation: { ...spec.federation, endpoints: [...(spec.federation?.endpoints ?? [])] },
  };
}
