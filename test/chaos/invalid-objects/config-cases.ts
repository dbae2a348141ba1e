/**
 * Invalid GSLBConfigs and AMKOClusters. GSLBConfig: schema refusals on edits of `gc-1`, a
 * second GSLBConfig, and edits of `gc-1` that amko refuses at start-up with AMKO's state text
 * (its pipeline stops, the controller is left as it is). AMKOCluster: schema and CEL refusals
 * on edits of the leader's own object, edits amko reports in its validation condition, and a
 * second AMKOCluster in avi-system.
 */
import { AMKO_UUID_ANNOTATION, AVI_SYSTEM } from '../../../src/shared/crd/common.js';
import { GSLB_CONFIG_STATE } from '../../../src/shared/crd/gslb-config.js';
import { AMKO_KEY, create, edit, GC_KEY, type InvalidCase } from './invalid-case.js';

type Spec = Record<string, unknown>;

/** The specs and annotations the cases start from (read from the leader before the cases). */
export interface ConfigBase {
  readonly gc: Spec;
  readonly gcAnnotations: Record<string, string>;
  readonly amko: Spec;
}

function gcCases(b: ConfigBase): InvalidCase[] {
  const leader = (b.gc['gslbLeader'] ?? {}) as Spec;
  const withLeader = (patch: Spec): Spec => ({ ...b.gc, gslbLeader: { ...leader, ...patch } });
  const api = (name: string, patch: Spec): InvalidCase => ({
    kind: 'GSLBConfig',
    name,
    action: edit(GC_KEY, { ...b.gc, ...patch }),
    refusedBy: 'apiserver',
  });
  const amko = (name: string, spec: Spec, message: string, annotations?: Spec): InvalidCase => ({
    kind: 'GSLBConfig',
    name,
    action: edit(GC_KEY, spec, annotations as Record<string, string> | undefined),
    refusedBy: 'amko',
    message,
  });
  const second = (name: string, obj: string, spec: Spec): InvalidCase => ({
    kind: 'GSLBConfig',
    name,
    action: create(AVI_SYSTEM, obj, spec),
    refusedBy: 'amko',
    message: GSLB_CONFIG_STATE.anotherConfig,
  });
  const members = (...c: string[]): Spec => ({
    ...b.gc,
    memberClusters: c.map((clusterContext) => ({ clusterContext })),
  });
  return [
    api('unknown logLevel', { logLevel: 'TRACE' }),
    api('refreshInterval as a string', { refreshInterval: 'fast' }),
    api('memberClusters not a list', { memberClusters: { clusterContext: 'cluster1' } }),
    api('useCustomGlobalFqdn as a string', { useCustomGlobalFqdn: 'yes' }),
    {
      kind: 'GSLBConfig',
      name: 'a GSLBConfig without spec',
      action: create(AVI_SYSTEM, 'gc-no-spec'),
      refusedBy: 'apiserver',
    },
    second('a second GSLBConfig', 'gc-2', { ...b.gc, refreshInterval: 60 }),
    second(
      'a second GSLBConfig with an empty controllerIP',
      'gc-3',
      withLeader({ controllerIP: '' }),
    ),
    amko(
      'edit: empty controllerIP',
      withLeader({ controllerIP: '' }),
      GSLB_CONFIG_STATE.emptyControllerIp,
    ),
    amko(
      'edit: empty credentials',
      withLeader({ credentials: '' }),
      GSLB_CONFIG_STATE.emptyCredentials,
    ),
    amko(
      'edit: credentials secret that does not exist',
      withLeader({ credentials: 'no-such-secret' }),
      GSLB_CONFIG_STATE.secretMissing('no-such-secret'),
    ),
    amko(
      'edit: duplicate member cluster',
      members('cluster1', 'cluster2', 'cluster3', 'cluster2'),
      'error: duplicate member cluster cluster2',
    ),
    amko(
      'edit: empty member cluster context',
      members('cluster1', 'cluster2', 'cluster3', ''),
      "error: member cluster context can't be empty",
    ),
    amko(
      'edit: malformed amko-uuid annotation',
      b.gc,
      'error: invalid amko-uuid annotation not-a-uuid',
      {
        ...b.gcAnnotations,
        [AMKO_UUID_ANNOTATION]: 'not-a-uuid',
      },
    ),
  ];
}

function amkoClusterCases(b: ConfigBase): InvalidCase[] {
  const fed = (b.amko['federation'] ?? {}) as {
    endpoints?: { cluster: string; address: string }[];
  };
  const endpoints = fed.endpoints ?? [];
  const first = endpoints[0] ?? { cluster: 'cluster2', address: '127.0.0.1:1' };
  const withEndpoints = (list: unknown[]): Spec => ({ ...b.amko, federation: { endpoints: list } });
  const api = (name: string, spec: Spec): InvalidCase => ({
    kind: 'AMKOCluster',
    name,
    action: edit(AMKO_KEY, spec),
    refusedBy: 'apiserver',
  });
  const amko = (name: string, patch: Spec, message: string): InvalidCase => ({
    kind: 'AMKOCluster',
    name,
    action: edit(AMKO_KEY, { ...b.amko, ...patch }),
    refusedBy: 'amko',
    message,
  });
  const clusters = (b.amko['clusters'] ?? []) as string[];
  return [
    api('isLeader as a string', { ...b.amko, isLeader: 'yes' }),
    api('clusters not a list', { ...b.amko, clusters: 'cluster1' }),
    api(
      'endpoint without address',
      withEndpoints([{ cluster: first.cluster }, ...endpoints.slice(1)]),
    ),
    api(
      'endpoint with an empty cluster',
      withEndpoints([...endpoints, { cluster: '', address: 'x:1' }]),
    ),
    api(
      'endpoint naming this cluster (CEL)',
      withEndpoints([...endpoints, { cluster: 'cluster1', address: '127.0.0.1:9' }]),
    ),
    api(
      'endpoint for a cluster not in clusters (CEL)',
      withEndpoints([...endpoints, { cluster: 'cluster9', address: '127.0.0.1:9' }]),
    ),
    api(
      'two endpoints for one cluster',
      withEndpoints([...endpoints, { ...first, address: '127.0.0.1:9' }]),
    ),
    api('clusterContext longer than 253 characters', {
      ...b.amko,
      clusterContext: 'c'.repeat(254),
    }),
    amko('empty version', { version: '' }, "version field can't be empty in AMKOCluster object"),
    amko(
      'isLeader with a clusterContext not in clusters',
      { clusterContext: 'cluster9' },
      'current cluster context cluster9 not part of member clusters',
    ),
    amko(
      'duplicate cluster in clusters',
      { clusters: [...clusters, 'cluster2'] },
      'duplicate cluster cluster2 in clusters',
    ),
    amko(
      'empty cluster name in clusters',
      { clusters: [...clusters, ''] },
      "cluster name can't be empty in clusters",
    ),
    {
      kind: 'AMKOCluster',
      name: 'a second AMKOCluster in avi-system',
      action: create(AVI_SYSTEM, 'amkocluster-second', { ...b.amko }),
      refusedBy: 'amko',
      message: 'only one AMKOClusterObject allowed per cluster',
    },
  ];
}

export function configCases(b: ConfigBase): InvalidCase[] {
  return [...gcCases(b), ...amkoClusterCases(b)];
}
