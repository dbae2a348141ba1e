/**
 * Every key shape of the operator, each with one codec. Keys carry identity only, never an
 * operation: what to do with a key is decided by looking at current state.
 *
 * Names of Kubernetes objects and namespaces cannot contain `/`, and neither can Avi tenant
 * names; GslbService names are DNS names. So `/` is a safe separator everywhere.
 *
 * Each `format` throws an `Error` when a segment contains `/` (or, for a GslbKey, is empty);
 * each `parse` accepts exactly the keys its `format` produces and throws an `Error` for any
 * other string (`malformed … key`, `unknown member object kind`).
 */

/** `namespace/name` of a Kubernetes object in one cluster. */
export type ObjectKey = string & { readonly __brand: 'ObjectKey' };
/** `cluster/namespace/name`: one Kubernetes object in one member cluster. */
export type ClusterObjectKey = string & { readonly __brand: 'ClusterObjectKey' };
/** `tenant/gsName`: one GslbService (the same host in two tenants makes two). */
export type GslbKey = string & { readonly __brand: 'GslbKey' };
/** `kind/cluster/namespace/name`: one watched object of a member cluster, with its kind. */
export type MemberObjectKey = string & { readonly __brand: 'MemberObjectKey' };

/** Kinds watched in member clusters. */
export type MemberKind = 'INGRESS' | 'ROUTE' | 'LBSVC' | 'NAMESPACE' | 'HOSTRULE';

const MEMBER_KINDS: readonly MemberKind[] = Object.freeze([
  'INGRESS',
  'ROUTE',
  'LBSVC',
  'NAMESPACE',
  'HOSTRULE',
]);

/** True when `value` can be a segment of a GslbKey: not empty, no `/`. */
export function isGslbKeySegment(value: string): boolean {
  return value !== '' && !value.includes('/');
}

function checkSegment(what: string, value: string): void {
  if (value.includes('/')) throw new Error(`${what} must not contain '/': ${value}`);
}

function split(key: string, parts: number, what: string): string[] {
  const segs = key.split('/');
  if (segs.length !== parts) throw new Error(`malformed ${what} key: ${key}`);
  return segs;
}

export function objectKey(namespace: string, name: string): ObjectKey {
  checkSegment('namespace', namespace);
  checkSegment('name', name);
  return `${namespace}/${name}` as ObjectKey;
}

export function parseObjectKey(key: string): { namespace: string; name: string } {
  const [namespace = '', name = ''] = split(key, 2, 'object');
  return { namespace, name };
}

export function clusterObjectKey(
  cluster: string,
  namespace: string,
  name: string,
): ClusterObjectKey {
  checkSegment('cluster', cluster);
  checkSegment('namespace', namespace);
  checkSegment('name', name);
  return `${cluster}/${namespace}/${name}` as ClusterObjectKey;
}

export function parseClusterObjectKey(key: string): {
  cluster: string;
  namespace: string;
  name: string;
} {
  const [cluster = '', namespace = '', name = ''] = split(key, 3, 'cluster object');
  return { cluster, namespace, name };
}

export function gslbKey(tenant: string, gsName: string): GslbKey {
  checkSegment('tenant', tenant);
  checkSegment('GslbService name', gsName);
  if (tenant === '' || gsName === '') throw new Error('tenant and GslbService name are required');
  return `${tenant}/${gsName}` as GslbKey;
}

export function parseGslbKey(key: string): { tenant: string; gsName: string } {
  const [tenant = '', gsName = ''] = split(key, 2, 'GslbService');
  if (tenant === '' || gsName === '') throw new Error(`malformed GslbService key: ${key}`);
  return { tenant, gsName };
}

export function memberObjectKey(
  kind: MemberKind,
  cluster: string,
  namespace: string,
  name: string,
): MemberObjectKey {
  checkSegment('cluster', cluster);
  checkSegment('namespace', namespace);
  checkSegment('name', name);
  return `${kind}/${cluster}/${namespace}/${name}` as MemberObjectKey;
}

export function parseMemberObjectKey(key: string): {
  kind: MemberKind;
  cluster: string;
  namespace: string;
  name: string;
} {
  const [kind = '', cluster = '', namespace = '', name = ''] = split(key, 4, 'member object');
  const found = MEMBER_KINDS.find((k) => k === kind);
  if (!found) throw new Error(`unknown member object kind in key: ${key}`);
  return { kind: found, cluster, namespace, name };
}
