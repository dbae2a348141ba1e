import {
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Ingress,
  type V1Namespace,
  type V1Service,
} from '@kubernetes/client-node';
import type { Clock } from '../clock.js';
import type { Logger } from '../telemetry/logger.js';
import { ResilientInformer, type ListPage } from './informer.js';
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
  source: { path: string; list: (page: ListPage) => Promise<KubernetesListObject<T>> },
  transform: ((obj: T) => T) | undefined,
): ResilientInformer<T> {
  return new ResilientInformer<T>({
    kubeConfig: ctx.kubeConfig,
    path: source.path,
    list: source.list,
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
  const api = ctx.kubeConfig.makeApiClient(NetworkingV1Api);
  return informer(
    ctx,
    'ingresses',
    {
      path: '/apis/networking.k8s.io/v1/ingresses',
      list: (page) => api.listIngressForAllNamespaces(page),
    },
    transform,
  );
}

export function serviceInformer(
  ctx: InformerContext,
  transform?: Transform<V1Service>,
): ResilientInformer<V1Service> {
  const api = ctx.kubeConfig.makeApiClient(CoreV1Api);
  return informer(
    ctx,
    'services',
    { path: '/api/v1/services', list: (page) => api.listServiceForAllNamespaces(page) },
    transform,
  );
}

export function namespaceInformer(
  ctx: InformerContext,
  transform?: Transform<V1Namespace>,
): ResilientInformer<V1Namespace> {
  const api = ctx.kubeConfig.makeApiClient(CoreV1Api);
  return informer(
    ctx,
    'namespaces',
    { path: '/api/v1/namespaces', list: (page) => api.listNamespace(page) },
    transform,
  );
}

/** An informer over a custom resource, in one namespace or (without one) in all. */
export function customInformer<T extends KubernetesObject>(
  ctx: InformerContext,
  ref: ResourceRef,
  namespace?: string,
  transform?: Transform<T>,
): ResilientInformer<T> {
  const api = ctx.kubeConfig.makeApiClient(CustomObjectsApi);
  const base = `/apis/${ref.group}/${ref.version}`;
  const path = namespace
    ? `${base}/namespaces/${namespace}/${ref.plural}`
    : `${base}/${ref.plural}`;
  const list = async (page: ListPage): Promise<KubernetesListObject<T>> =>
    (namespace
      ? await api.listNamespacedCustomObject({ ...ref, namespace, ...page })
      : await api.listClusterCustomObject({ ...ref, ...page })) as KubernetesListObject<T>;
  return informer(ctx, ref.plural, { path, list }, transform);
}
