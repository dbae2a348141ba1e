import type {
  KubeConfig,
  KubernetesObject,
  V1Ingress,
  V1Namespace,
  V1Service,
} from '@kubernetes/client-node';
import type { Clock } from '../clock.js';
import type { Logger } from '../telemetry/logger.js';
import { ResilientInformer } from './informer.js';
import { rawList } from './raw-list.js';
import type { ResourceRef } from './status-writer.js';

export interface InformerContext {
  readonly kubeConfig: KubeConfig;
  readonly clock: Clock;
  readonly log: Logger;
  /** Prefix for informer names in logs, e.g. the cluster context. */
  readonly name: string;
}

function informer<T extends KubernetesObject>(
  ctx: InformerContext,
  what: string,
  path: string,
  transform: ((obj: T) => T) | undefined,
): ResilientInformer<T> {
  return new ResilientInformer<T>({
    kubeConfig: ctx.kubeConfig,
    path,
    list: rawList<T>(ctx.kubeConfig, path),
    clock: ctx.clock,
    log: ctx.log,
    name: `${ctx.name}/${what}`,
    ...(transform ? { transform } : {}),
  });
}

/** Reduces each object before it is cached (see InformerDeps.transform). */
export type Transform<T> = (obj: T) => T;

export function ingressInformer(
  ctx: InformerContext,
  transform?: Transform<V1Ingress>,
): ResilientInformer<V1Ingress> {
  return informer(ctx, 'ingresses', '/apis/networking.k8s.io/v1/ingresses', transform);
}

export function serviceInformer(
  ctx: InformerContext,
  transform?: Transform<V1Service>,
): ResilientInformer<V1Service> {
  return informer(ctx, 'services', '/api/v1/services', transform);
}

export function namespaceInformer(
  ctx: InformerContext,
  transform?: Transform<V1Namespace>,
): ResilientInformer<V1Namespace> {
  return informer(ctx, 'namespaces', '/api/v1/namespaces', transform);
}

/** An informer over a custom resource, in one namespace or (without one) in all. */
export function customInformer<T extends KubernetesObject>(
  ctx: InformerContext,
  ref: ResourceRef,
  namespace?: string,
  transform?: Transform<T>,
): ResilientInformer<T> {
  const base = `/apis/${ref.group}/${ref.version}`;
  const path = namespace
    ? `${base}/namespaces/${namespace}/${ref.plural}`
    : `${base}/${ref.plural}`;
  return informer(ctx, ref.plural, path, transform);
}
