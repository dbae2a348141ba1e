import { isIP } from 'node:net';
import type { V1Ingress } from '@kubernetes/client-node';
import {
  AKO_ENABLE_TLS_ANNOTATION,
  AKO_PASSTHROUGH_ANNOTATION,
  akoAnnotations,
  akoFacts,
  freezeTracked,
  metaFacts,
  type TrackedObject,
} from './tracked-object.js';

function pathsFor(ing: V1Ingress, host: string): string[] {
  const rule = (ing.spec?.rules ?? []).find((r) => r.host === host);
  const paths = (rule?.http?.paths ?? []).map((p) => (p.path ? p.path : '/'));
  const unique = [...new Set(paths)];
  return unique.length > 0 ? unique : ['/'];
}

function vipFor(ing: V1Ingress, host: string): string | undefined {
  for (const lb of ing.status?.loadBalancer?.ingress ?? []) {
    if (lb.hostname === host && lb.ip && isIP(lb.ip) !== 0) return lb.ip;
  }
  return undefined;
}

function isTls(
  ing: V1Ingress,
  host: string,
  annotations: Readonly<Record<string, string>>,
): boolean {
  if (AKO_ENABLE_TLS_ANNOTATION in annotations) return true;
  return (ing.spec?.tls ?? []).some((t) => (t.hosts ?? []).includes(host));
}

/**
 * The tracked objects of one Ingress: one per rule host that has a VIP in the Ingress status
 * (an entry whose `hostname` is the host and whose `ip` parses). Hosts without a VIP are not
 * tracked.
 */
export function parseIngress(ing: V1Ingress, cluster: string): TrackedObject[] {
  const meta = metaFacts(ing);
  const ako = akoAnnotations(meta.annotations);
  const hosts = [...new Set((ing.spec?.rules ?? []).map((r) => r.host ?? '').filter((h) => h))];
  const out: TrackedObject[] = [];
  for (const host of hosts) {
    const ip = vipFor(ing, host);
    if (ip === undefined) continue;
    out.push(
      freezeTracked({
        kind: 'INGRESS',
        cluster,
        namespace: meta.namespace,
        name: `${meta.name}/${host}`,
        objectName: meta.name,
        hostname: host,
        ip,
        labels: meta.labels,
        paths: pathsFor(ing, host),
        tls: isTls(ing, host, meta.annotations),
        passthrough: meta.annotations[AKO_PASSTHROUGH_ANNOTATION] === 'true',
        ...akoFacts(ako, host),
      }),
    );
  }
  return out;
}
