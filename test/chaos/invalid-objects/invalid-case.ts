/**
 * One hand-written invalid object of the invalid-objects experiment, and the workload it is
 * applied against (a GDP selecting two hosts, an accepted GSLBHostRule, the GSLBConfig and
 * the AMKOCluster as the federation harness makes them).
 */
import { AVI_SYSTEM, GDP_NAME, GSLB_CONFIG_NAME } from '../../../src/shared/crd/common.js';
import type { Key, KindName, RawObject } from './object-ops.js';

/** The namespace of the applications and of the GSLBHostRules. */
export const APP_NS = 'chaos';
export const HOSTS = Object.freeze(['a', 'b'].map((x) => `${x}.${APP_NS}.example.com`));
export const LEADER = 'cluster1';
export const FOLLOWER = 'cluster2';
export const CLUSTERS = Object.freeze(['cluster1', 'cluster2', 'cluster3']);

export const GDP_KEY: Key = Object.freeze({ namespace: AVI_SYSTEM, name: GDP_NAME });
export const GC_KEY: Key = Object.freeze({ namespace: AVI_SYSTEM, name: GSLB_CONFIG_NAME });
export const AMKO_KEY: Key = Object.freeze({
  namespace: AVI_SYSTEM,
  name: 'amkocluster-federation',
});
/** The accepted GSLBHostRule of the first host (so a second one for it is refused). */
export const GHR_KEY: Key = Object.freeze({ namespace: APP_NS, name: 'a-rule' });

export const BASE_GDP = Object.freeze({
  matchRules: { appSelector: { label: { gslb: APP_NS } } },
  matchClusters: CLUSTERS.map((cluster) => ({ cluster })),
  ttl: 30,
});
export const BASE_GHR = Object.freeze({ fqdn: HOSTS[0], ttl: 40 });

/** What a case does to the API server. */
export type CaseAction =
  /** A new object, deleted afterwards. */
  | { readonly op: 'create'; readonly obj: RawObject }
  /** New spec (and annotations) for an existing object, restored afterwards. */
  | {
      readonly op: 'edit';
      readonly key: Key;
      readonly spec: unknown;
      readonly annotations?: Record<string, string>;
    };

export interface InvalidCase {
  readonly kind: KindName;
  readonly name: string;
  /** The cluster written to; the leader unless said. */
  readonly cluster?: string;
  readonly action: CaseAction;
  /** Who is expected to refuse it. */
  readonly refusedBy: 'apiserver' | 'amko';
  /** amko's text, exactly, when amko refuses (status, or the log line of a drift repair). */
  readonly message?: string;
  /** How amko's refusal shows: a status on the object (default) or a drift repair. */
  readonly shows?: 'status' | 'repair';
}

/** The edit of `key` to `spec`. */
export function edit(key: Key, spec: unknown, annotations?: Record<string, string>): CaseAction {
  return { op: 'edit', key, spec, ...(annotations ? { annotations } : {}) };
}

/** A new object named `name` in `namespace`. */
export function create(namespace: string, name: string, spec?: unknown): CaseAction {
  return {
    op: 'create',
    obj: { metadata: { name, namespace }, ...(spec === undefined ? {} : { spec }) },
  };
}
