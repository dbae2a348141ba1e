/**
 * What the member-cluster caches keep of each object: identity, resourceVersion, labels,
 * annotations and only the spec and status fields the parsers read (parse-ingress.ts,
 * parse-service.ts, parse-route.ts, parse-host-rule.ts; namespaces: labels and annotations).
 * Everything else (managedFields, last-applied-configuration, backends, conditions the parsers
 * ignore, timestamps but a HostRule's creation time) is dropped as the object enters the cache.
 */
import type {
  KubernetesObject,
  V1Ingress,
  V1Namespace,
  V1ObjectMeta,
  V1Service,
} from '@kubernetes/client-node';
import type { AkoHostRule } from './parse-host-rule.js';
import type { Route } from './parse-route.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** The parsers never read backends; the type requires one. */
const NO_BACKEND = Object.freeze({});

/** Copies the listed keys whose value is not undefined. */
function pick<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Pick<T, K> {
  const out: Partial<T> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out as Pick<T, K>;
}

function trimAnnotations(
  a: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (a === undefined || !(LAST_APPLIED in a)) return a;
  return Object.fromEntries(Object.entries(a).filter(([k]) => k !== LAST_APPLIED));
}

/** Name, namespace, resourceVersion, labels and annotations (without last-applied). */
export function trimMeta(m: V1ObjectMeta | undefined): V1ObjectMeta {
  if (!m) return {};
  const out = pick(m, ['name', 'namespace', 'resourceVersion', 'labels']);
  const annotations = trimAnnotations(m.annotations);
  return annotations === undefined ? out : { ...out, annotations };
}

function base(o: KubernetesObject): KubernetesObject {
  return { ...pick(o, ['apiVersion', 'kind']), metadata: trimMeta(o.metadata) };
}

type IngressRule = NonNullable<NonNullable<V1Ingress['spec']>['rules']>[number];
type LbIngress = { ip?: string; hostname?: string };

function trimRule(r: IngressRule): IngressRule {
  const paths = r.http?.paths.map((p) => ({
    ...pick(p, ['path']),
    pathType: p.pathType,
    backend: NO_BACKEND,
  }));
  return { ...pick(r, ['host']), ...(paths ? { http: { paths } } : {}) };
}

function trimLb(status: { loadBalancer?: { ingress?: LbIngress[] } } | undefined): object {
  if (!status) return {};
  const lb = status.loadBalancer?.ingress?.map((i) => pick(i, ['ip', 'hostname']));
  return { status: { loadBalancer: lb ? { ingress: lb } : {} } };
}

export function trimIngress(o: V1Ingress): V1Ingress {
  const rules = o.spec?.rules?.map(trimRule);
  const tls = o.spec?.tls?.map((t) => pick(t, ['hosts']));
  return {
    ...base(o),
    ...(o.spec ? { spec: { ...(rules ? { rules } : {}), ...(tls ? { tls } : {}) } } : {}),
    ...trimLb(o.status),
  };
}

export function trimService(o: V1Service): V1Service {
  const ports = o.spec?.ports?.map((p) => pick(p, ['port', 'protocol']));
  return {
    ...base(o),
    ...(o.spec ? { spec: { ...pick(o.spec, ['type']), ...(ports ? { ports } : {}) } } : {}),
    ...trimLb(o.status),
  };
}

export function trimNamespace(o: V1Namespace): V1Namespace {
  return base(o);
}

export function trimRoute(o: Route): Route {
  const ingress = o.status?.ingress?.map((i) => ({
    ...pick(i, ['host', 'routerName']),
    ...(i.conditions
      ? { conditions: i.conditions.map((c) => pick(c, ['type', 'status', 'reason', 'message'])) }
      : {}),
  }));
  const tls = o.spec?.tls;
  return {
    ...base(o),
    ...(o.spec
      ? {
          spec: {
            ...pick(o.spec, ['host', 'subdomain', 'path']),
            ...(tls === undefined ? {} : { tls: tls === null ? null : pick(tls, ['termination']) }),
          },
        }
      : {}),
    ...(o.status ? { status: ingress ? { ingress } : {} } : {}),
  };
}

export function trimHostRule(o: AkoHostRule): AkoHostRule {
  const vh = o.spec?.virtualhost;
  const cert = vh?.tls?.sslKeyCertificate;
  const metadata = trimMeta(o.metadata);
  // The oldest HostRule wins an alias two GslbServices claim: its creation time is kept.
  const created = o.metadata?.creationTimestamp;
  if (created !== undefined) metadata.creationTimestamp = created;
  return {
    ...pick(o, ['apiVersion', 'kind']),
    metadata,
    ...(o.spec
      ? {
          spec: vh
            ? {
                virtualhost: {
                  ...pick(vh, ['fqdn', 'aliases']),
                  ...(vh.gslb ? { gslb: pick(vh.gslb, ['fqdn', 'includeAliases']) } : {}),
                  ...(vh.tls
                    ? { tls: cert ? { sslKeyCertificate: pick(cert, ['name']) } : {} }
                    : {}),
                },
              }
            : {},
        }
      : {}),
    ...(o.status ? { status: pick(o.status, ['status', 'error']) } : {}),
  };
}
