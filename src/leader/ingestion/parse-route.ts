import { isIP } from 'node:net';
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  AKO_CONTROLLER_ANNOTATION,
  AKO_TENANT_ANNOTATION,
  AKO_VS_MAP_ANNOTATION,
  akoAnnotations,
  akoFacts,
  freezeTracked,
  metaFacts,
  type TrackedObject,
} from './tracked-object.js';

/** The fields of an OpenShift Route (route.openshift.io/v1) the leader reads. */
export interface Route extends KubernetesObject {
  spec?: {
    host?: string;
    subdomain?: string;
    path?: string;
    tls?: { termination?: string } | null;
  };
  status?: {
    ingress?: {
      host?: string;
      routerName?: string;
      conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
    }[];
  };
}

/** `spec.host`, or `<subdomain>.<defaultDomain>` when only a subdomain is set. */
export function routeHostname(route: Route, defaultDomain: string | undefined): string {
  const host = route.spec?.host ?? '';
  if (host) return host;
  const sub = route.spec?.subdomain ?? '';
  if (!sub || !defaultDomain) return '';
  return defaultDomain.startsWith('.') ? `${sub}${defaultDomain}` : `${sub}.${defaultDomain}`;
}

type IngressStatus = NonNullable<NonNullable<Route['status']>['ingress']>[number];

function akoEntry(route: Route, hostname: string): IngressStatus | undefined {
  return (route.status?.ingress ?? []).find(
    (i) => (i.routerName ?? '').startsWith('ako-') && i.host === hostname,
  );
}

function vipOf(entry: IngressStatus | undefined): string | undefined {
  for (const c of entry?.conditions ?? []) {
    if (c.message && isIP(c.message) !== 0) return c.message;
  }
  return undefined;
}

interface AkoInfo {
  vsMap: string | undefined;
  controller: string | undefined;
  tenant: string | undefined;
}

function statusInfo(entry: IngressStatus | undefined): AkoInfo | undefined {
  const reason = entry?.conditions?.[0]?.reason;
  if (!reason) return undefined;
  try {
    const parsed = JSON.parse(reason) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const rec = parsed as Record<string, unknown>;
    const str = (k: string): string | undefined =>
      typeof rec[k] === 'string' ? rec[k] : undefined;
    return {
      vsMap: str(AKO_VS_MAP_ANNOTATION),
      controller: str(AKO_CONTROLLER_ANNOTATION),
      tenant: str(AKO_TENANT_ANNOTATION),
    };
  } catch {
    return undefined;
  }
}

function tlsFacts(route: Route): Pick<TrackedObject, 'tls' | 'passthrough'> {
  const tls = route.spec?.tls !== undefined && route.spec.tls !== null;
  return { tls, passthrough: tls && route.spec?.tls?.termination === 'passthrough' };
}

/**
 * The tracked object of one Route, or undefined when it has no hostname or no VIP from an AKO
 * router. UUIDs and tenant come from the status condition's JSON reason, else the annotations.
 */
export function parseRoute(
  route: Route,
  cluster: string,
  defaultDomain: string | undefined,
): TrackedObject | undefined {
  const hostname = routeHostname(route, defaultDomain);
  if (!hostname) return undefined;
  const entry = akoEntry(route, hostname);
  const ip = vipOf(entry);
  if (ip === undefined) return undefined;
  const meta = metaFacts(route);
  const { tls, passthrough } = tlsFacts(route);
  return freezeTracked({
    kind: 'ROUTE',
    cluster,
    namespace: meta.namespace,
    name: meta.name,
    objectName: meta.name,
    hostname,
    ip,
    labels: meta.labels,
    paths: passthrough ? [] : [route.spec?.path || '/'],
    tls,
    passthrough,
    ...akoFacts(statusInfo(entry) ?? akoAnnotations(meta.annotations), hostname),
    ...(passthrough ? { port: 443, protocol: 'TCP' as const } : {}),
  });
}
