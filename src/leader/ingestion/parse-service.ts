import { isIP } from 'node:net';
import type { V1Service } from '@kubernetes/client-node';
import {
  akoAnnotations,
  akoFacts,
  freezeTracked,
  metaFacts,
  type TrackedObject,
} from './tracked-object.js';

function lowestPort(svc: V1Service): { port: number; protocol: 'TCP' | 'UDP' } | undefined {
  let best: { port: number; protocol: 'TCP' | 'UDP' } | undefined;
  for (const p of svc.spec?.ports ?? []) {
    const protocol = p.protocol === undefined || p.protocol === '' ? 'TCP' : p.protocol;
    if (protocol !== 'TCP' && protocol !== 'UDP') continue;
    if (!best || p.port < best.port) best = { port: p.port, protocol };
  }
  return best;
}

/**
 * The tracked object of a Service of type LoadBalancer, or undefined for other types and for
 * Services whose status lacks the VIP or the hostname. The health monitor port is the lowest
 * TCP/UDP port (an empty protocol counts as TCP).
 */
export function parseLbService(svc: V1Service, cluster: string): TrackedObject | undefined {
  if (svc.spec?.type !== 'LoadBalancer') return undefined;
  const lb = svc.status?.loadBalancer?.ingress?.[0];
  const ip = lb?.ip ?? '';
  const hostname = lb?.hostname ?? '';
  if (!hostname || isIP(ip) === 0) return undefined;
  const meta = metaFacts(svc);
  const port = lowestPort(svc);
  return freezeTracked({
    kind: 'LBSVC',
    cluster,
    namespace: meta.namespace,
    name: meta.name,
    objectName: meta.name,
    hostname,
    ip,
    labels: meta.labels,
    paths: [],
    tls: false,
    passthrough: false,
    ...akoFacts(akoAnnotations(meta.annotations), hostname),
    ...port,
  });
}
