/**
 * The few Kubernetes calls kubectl-amko makes, on one cluster: find the AMKOCluster in
 * avi-system, read and merge-patch our custom resources, list them. Every failure is classified
 * once and names the cluster and the call.
 */
import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { AMKO_CLUSTER, type AmkoCluster } from '../shared/crd/amko-cluster.js';
import { AVI_SYSTEM, type CrdResource } from '../shared/crd/common.js';
import { OperatorError } from '../shared/errors.js';
import { classifyKubeError, isKubeNotFound } from '../shared/kube/kube-errors.js';
import type { KubeTarget } from './kube-target.js';

interface ObjectList<T> {
  items?: T[];
}

export class AmkoApi {
  readonly #api: CustomObjectsApi;
  readonly context: string;

  constructor(target: KubeTarget) {
    this.#api = target.kubeConfig.makeApiClient(CustomObjectsApi);
    this.context = target.context;
  }

  /** The one AMKOCluster in avi-system; fails when there is none or more than one. */
  async findAmkoCluster(): Promise<AmkoCluster> {
    const all = await this.list<AmkoCluster>(AMKO_CLUSTER, AVI_SYSTEM);
    const [first] = all;
    if (first && all.length === 1) return first;
    const msg =
      all.length === 0
        ? `no AMKOCluster in ${AVI_SYSTEM} on ${this.context}: is the amko chart installed there?`
        : `${all.length} AMKOClusters in ${AVI_SYSTEM} on ${this.context}; amko expects exactly one`;
    throw new OperatorError('KUBE_REJECTED', 'never', msg);
  }

  /** One object of our kinds in avi-system, or undefined when it does not exist. */
  async get<T extends KubernetesObject>(res: CrdResource, name: string): Promise<T | undefined> {
    try {
      return (await this.#api.getNamespacedCustomObject({
        ...this.#ref(res),
        namespace: AVI_SYSTEM,
        name,
      })) as T;
    } catch (err) {
      if (isKubeNotFound(err)) return undefined;
      throw this.#fail(err, `get ${res.kind} ${AVI_SYSTEM}/${name}`);
    }
  }

  /** Objects of one kind in `namespace`, or in every namespace when it is undefined. */
  async list<T extends KubernetesObject>(res: CrdResource, namespace?: string): Promise<T[]> {
    const where = namespace ?? 'all namespaces';
    try {
      const list = (
        namespace === undefined
          ? await this.#api.listCustomObjectForAllNamespaces({
              group: res.group,
              version: res.version,
              resourcePlural: res.plural,
            })
          : await this.#api.listNamespacedCustomObject({ ...this.#ref(res), namespace })
      ) as ObjectList<T>;
      return list.items ?? [];
    } catch (err) {
      throw this.#fail(err, `list ${res.kind} objects in ${where}`);
    }
  }

  /** JSON-merge-patches an object in avi-system and returns it as stored. */
  async mergePatch<T extends KubernetesObject>(
    res: CrdResource,
    name: string,
    patch: Record<string, unknown>,
  ): Promise<T> {
    try {
      return (await this.#api.patchNamespacedCustomObject(
        { ...this.#ref(res), namespace: AVI_SYSTEM, name, body: patch },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )) as T;
    } catch (err) {
      throw this.#fail(err, `patch ${res.kind} ${AVI_SYSTEM}/${name}`);
    }
  }

  #ref(res: CrdResource): { group: string; version: string; plural: string } {
    return { group: res.group, version: res.version, plural: res.plural };
  }

  #fail(err: unknown, what: string): OperatorError {
    const classified = classifyKubeError(err, `${this.context}: ${what}`);
    const cause = rootCauseOf(err);
    if (cause === undefined) return classified;
    return new OperatorError(
      classified.code,
      classified.retry,
      `${classified.message} (${cause})`,
      {
        cause: err,
      },
    );
  }
}

/** The innermost cause's message: a failed fetch hides the refused connection there. */
function rootCauseOf(err: unknown): string | undefined {
  let cause = err instanceof Error ? err.cause : undefined;
  let message: string | undefined;
  while (cause instanceof Error) {
    message = cause.message;
    cause = cause.cause;
  }
  return message;
}
