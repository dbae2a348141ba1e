/**
 * What the leader keeps of each object it reads from a member cluster: one Ingress host, one
 * Route or one LoadBalancer Service, reduced to the facts the policy and the model need.
 * Tracked objects are plain frozen data; they carry no decision (accepted or not).
 */

export type TrackedKind = 'INGRESS' | 'ROUTE' | 'LBSVC';

export interface TrackedObject {
  readonly kind: TrackedKind;
  readonly cluster: string;
  readonly namespace: string;
  /** Ingress: `<ingressName>/<host>`; Route and Service: the object name. */
  readonly name: string;
  /** The Kubernetes object this was read from. */
  readonly objectName: string;
  readonly hostname: string;
  readonly ip: string;
  readonly labels: Readonly<Record<string, string>>;
  /** HTTP paths for path health monitors; empty for Services and passthrough Routes. */
  readonly paths: readonly string[];
  /** TLS by the object itself (a HostRule certificate may also make it TLS). */
  readonly tls: boolean;
  readonly passthrough: boolean;
  /** Avi virtual service UUID from AKO's annotation; '' when absent. */
  readonly vsUuid: string;
  /** Avi controller cluster UUID from AKO's annotation; '' when absent. */
  readonly controllerUuid: string;
  /** Tenant AKO reported for the object; undefined when absent. */
  readonly tenant: string | undefined;
  /** LoadBalancer Services: lowest TCP/UDP port and its protocol. */
  readonly port?: number;
  readonly protocol?: 'TCP' | 'UDP';
}

/** AMKO's member string, as written into the GslbService description. */
export function memberString(o: TrackedObject): string {
  return `${o.kind}/${o.cluster}/${o.namespace}/${o.name}`;
}

/** The member identity a member string names (the inverse of `memberString`), if well-formed. */
export function parseMemberString(
  s: string,
): Pick<TrackedObject, 'kind' | 'cluster' | 'namespace' | 'name'> | undefined {
  const m = /^(INGRESS|ROUTE|LBSVC)\/([^/]+)\/([^/]+)\/(.+)$/.exec(s);
  if (!m) return undefined;
  const [, kind = '', cluster = '', namespace = '', name = ''] = m;
  return { kind: kind as TrackedKind, cluster, namespace, name };
}

/** The member clusters a GslbService description (comma-joined member strings) names. */
export function clustersOfDescription(description: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const s of (description ?? '').split(',')) {
    const m = parseMemberString(s);
    if (m) out.add(m.cluster);
  }
  return out;
}

/** Identity of a tracked object across its updates: kind, cluster, namespace and name. */
export function trackedId(o: TrackedObject): string {
  return memberString(o);
}

/** Annotations AKO writes on the objects it serves. */
export const AKO_VS_MAP_ANNOTATION = 'ako.vmware.com/host-fqdn-vs-uuid-map';
export const AKO_CONTROLLER_ANNOTATION = 'ako.vmware.com/controller-cluster-uuid';
export const AKO_TENANT_ANNOTATION = 'ako.vmware.com/tenant-name';
export const AKO_ENABLE_TLS_ANNOTATION = 'ako.vmware.com/enable-tls';
export const AKO_PASSTHROUGH_ANNOTATION = 'passthrough.ako.vmware.com/enabled';

/** The VS UUID of `host` in AKO's host → VS map (a JSON object held in a string). */
export function vsUuidFor(vsMap: string | undefined, host: string): string {
  if (!vsMap) return '';
  try {
    const parsed = JSON.parse(vsMap) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return '';
    const value = (parsed as Record<string, unknown>)[host];
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}

/** Identity, labels and annotations of any Kubernetes object, defaults filled in. */
export interface MetaFacts {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export function metaFacts(obj: {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}): MetaFacts {
  const m = obj.metadata;
  return {
    name: m?.name ?? '',
    namespace: m?.namespace ?? '',
    labels: { ...m?.labels },
    annotations: m?.annotations ?? {},
  };
}

/** What AKO reported for a host: VS UUID, controller UUID and tenant. */
export function akoFacts(
  info: {
    vsMap?: string | undefined;
    controller?: string | undefined;
    tenant?: string | undefined;
  },
  host: string,
): Pick<TrackedObject, 'vsUuid' | 'controllerUuid' | 'tenant'> {
  return {
    vsUuid: vsUuidFor(info.vsMap, host),
    controllerUuid: info.controller ?? '',
    tenant: info.tenant || undefined,
  };
}

/** AKO's facts from an object's annotations. */
export function akoAnnotations(annotations: Readonly<Record<string, string>>): {
  vsMap: string | undefined;
  controller: string | undefined;
  tenant: string | undefined;
} {
  return {
    vsMap: annotations[AKO_VS_MAP_ANNOTATION],
    controller: annotations[AKO_CONTROLLER_ANNOTATION],
    tenant: annotations[AKO_TENANT_ANNOTATION],
  };
}

/** Deeply freezes a tracked object (informer data is read-only downstream). */
export function freezeTracked(o: TrackedObject): TrackedObject {
  Object.freeze(o.labels);
  Object.freeze(o.paths);
  return Object.freeze(o);
}
