/**
 * What travels from leader to follower for one object, and the checks a follower runs on it
 * before it writes anything. Pure: no I/O.
 */
import { OperatorError } from '../errors.js';
import { canonicalJson, sha256OfCanonicalJson, type JsonValue } from './canonical-json.js';
import type { ReplicatedObject } from './gen/amko/federation/v1/ReplicatedObject.js';
import { replicatedResource, type ReplicatedKind } from './replicated-kinds.js';

/** The fields of a Kubernetes object that replication reads or writes (a plain structural type). */
export interface ObjectLike {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: unknown;
}

/** A JSON object (the `spec` of a replicated object). */
export type JsonObject = { [k: string]: JsonValue };

/** One replicated object: identity, spec, labels and the annotations that travel. */
export interface ReplicaContent {
  readonly kind: ReplicatedKind;
  readonly namespace: string;
  readonly name: string;
  readonly spec: JsonObject;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Content plus its hash, as held in logs and replica memories. */
export interface HashedContent {
  readonly content: ReplicaContent;
  readonly hash: string;
}

/**
 * `kind/namespace/name`: identifies one replicated object. None of the three can contain `/`
 * (kinds are identifiers, namespaces DNS labels, names DNS subdomains): `replicaKey` throws an
 * `Error` for a segment that does, and `parseReplicaKey` throws one for any string
 * `replicaKey` cannot produce.
 */
export type ReplicaKey = string & { readonly __brand: 'ReplicaKey' };

export function replicaKey(kind: string, namespace: string, name: string): ReplicaKey {
  for (const segment of [kind, namespace, name]) {
    if (segment.includes('/'))
      throw new Error(`replica key segment must not contain '/': ${segment}`);
  }
  return `${kind}/${namespace}/${name}` as ReplicaKey;
}

export function parseReplicaKey(key: ReplicaKey): {
  kind: string;
  namespace: string;
  name: string;
} {
  const segments = key.split('/');
  if (segments.length !== 3) throw new Error(`malformed replica key: ${key}`);
  const [kind = '', namespace = '', name = ''] = segments;
  return { kind, namespace, name };
}

export function keyOfContent(c: Pick<ReplicaContent, 'kind' | 'namespace' | 'name'>): ReplicaKey {
  return replicaKey(c.kind, c.namespace, c.name);
}

/** Annotations that never travel: the follower's own markers and client bookkeeping. */
const LOCAL_ANNOTATION_PREFIXES = Object.freeze([
  'amko.vmware.com/replica-',
  'kubectl.kubernetes.io/',
]);

function isLocalAnnotation(key: string): boolean {
  return LOCAL_ANNOTATION_PREFIXES.some((p) => key.startsWith(p));
}

/** The annotations of an object that travel to followers. */
export function travellingAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  // fromEntries, not assignment: a key such as `__proto__` stays an ordinary annotation.
  return Object.fromEntries(
    Object.entries(annotations ?? {}).filter(([k]) => !isLocalAnnotation(k)),
  );
}

/** SHA-256 hex of the canonical JSON of what travels. */
export function contentHash(c: ReplicaContent): string {
  return sha256OfCanonicalJson({
    kind: c.kind,
    namespace: c.namespace,
    name: c.name,
    spec: c.spec,
    labels: c.labels,
    annotations: c.annotations,
  });
}

function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * What travels of a Kubernetes object of a replicated kind (status, managed fields and local
 * annotations left behind). The object is not modified.
 */
export function contentOf(kind: ReplicatedKind, obj: ObjectLike): ReplicaContent {
  const spec: unknown = obj.spec ?? {};
  return {
    kind,
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
    spec: isJsonObject(spec) ? structuredClone(spec) : {},
    labels: { ...(obj.metadata?.labels ?? {}) },
    annotations: travellingAnnotations(obj.metadata?.annotations),
  };
}

export function hashed(content: ReplicaContent): HashedContent {
  return { content, hash: contentHash(content) };
}

/** The wire form of an object. */
export function toWireObject(h: HashedContent): ReplicatedObject {
  const c = h.content;
  return {
    kind: c.kind,
    namespace: c.namespace,
    name: c.name,
    spec_json: canonicalJson(c.spec),
    labels: { ...c.labels },
    annotations: { ...c.annotations },
    content_hash: h.hash,
  };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function bad(message: string): OperatorError {
  return new OperatorError('FEDERATION_BAD_MESSAGE', 'never', message);
}

function parseSpec(specJson: string, where: string): JsonObject {
  let spec: unknown;
  try {
    spec = JSON.parse(specJson);
  } catch {
    throw bad(`${where}: spec_json is not JSON`);
  }
  if (!isJsonObject(spec)) throw bad(`${where}: spec_json is not a JSON object`);
  try {
    canonicalJson(spec); // a number out of range (1e999) parses to Infinity, which cannot be hashed
  } catch {
    throw bad(`${where}: spec_json holds a number out of range`);
  }
  return spec;
}

function checkAnnotations(annotations: Record<string, string>, where: string): void {
  const local = Object.keys(annotations).filter(isLocalAnnotation);
  if (local.length > 0) throw bad(`${where}: annotations that do not travel: ${local.join(', ')}`);
}

/** Checks an object's identity fields and returns its kind. */
export function checkIdentity(o: {
  kind: string;
  namespace: string;
  name: string;
}): ReplicatedKind {
  const where = `${o.kind}/${o.namespace}/${o.name}`;
  const resource = replicatedResource(o.kind);
  if (!resource) throw bad(`${where}: kind is not replicated`);
  if (!DNS_LABEL.test(o.namespace)) throw bad(`${where}: invalid namespace`);
  if (!DNS_SUBDOMAIN.test(o.name)) throw bad(`${where}: invalid name`);
  return resource.kind as ReplicatedKind;
}

/**
 * Decodes and checks an object received from a leader: known kind, valid namespace and name, a
 * JSON object spec, no local annotations, and a content hash that matches. Throws an
 * OperatorError `FEDERATION_BAD_MESSAGE` otherwise.
 */
export function fromWireObject(w: ReplicatedObject): HashedContent {
  const o = {
    kind: w.kind ?? '',
    namespace: w.namespace ?? '',
    name: w.name ?? '',
  };
  const where = `${o.kind}/${o.namespace}/${o.name}`;
  const kind = checkIdentity(o);
  const annotations = { ...(w.annotations ?? {}) };
  checkAnnotations(annotations, where);
  const content: ReplicaContent = {
    kind,
    namespace: o.namespace,
    name: o.name,
    spec: parseSpec(w.spec_json ?? '', where),
    labels: { ...(w.labels ?? {}) },
    annotations,
  };
  const hash = contentHash(content);
  if (hash !== w.content_hash) throw bad(`${where}: content hash does not match`);
  return { content, hash };
}
