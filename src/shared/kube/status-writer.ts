import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { classifyKubeError, isKubeNotFound } from './kube-errors.js';

/** Group, version and plural of a custom resource. */
export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

/** What a status write left on the object. */
export interface StatusWritten {
  /** The object's `status` as the API server stored it (unknown fields pruned by its schema). */
  readonly status: Record<string, unknown>;
}

/** Writes `status` of custom resources. */
export interface StatusWriter {
  /**
   * Merge-patches `status`; resolves with the stored status, or undefined when the object no
   * longer exists.
   */
  patchStatus(
    ref: ResourceRef,
    namespace: string,
    name: string,
    status: Record<string, unknown>,
  ): Promise<StatusWritten | undefined>;
}

type Obj = { status?: unknown };

const statusOf = (obj: unknown): Record<string, unknown> => {
  const s = (obj as Obj | null | undefined)?.status;
  return typeof s === 'object' && s !== null ? (s as Record<string, unknown>) : {};
};

/**
 * A status writer with JSON merge patches, through the status subresource so that a status
 * write neither touches `spec` nor bumps `metadata.generation`. A site that still has AMKO's own
 * CRDs (GSLBConfig, GlobalDeploymentPolicy and GSLBHostRule without a status subresource) answers
 * the subresource with 404 while the object exists: status is then patched on the object itself,
 * as AMKO does, and `onNoSubresource` is told once per resource.
 */
export class SubresourceStatusWriter implements StatusWriter {
  readonly #api: CustomObjectsApi;
  readonly #onNoSubresource: ((ref: ResourceRef) => void) | undefined;
  readonly #told = new Set<string>();

  constructor(kubeConfig: KubeConfig, onNoSubresource?: (ref: ResourceRef) => void) {
    this.#api = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#onNoSubresource = onNoSubresource;
  }

  async patchStatus(
    ref: ResourceRef,
    namespace: string,
    name: string,
    status: Record<string, unknown>,
  ): Promise<StatusWritten | undefined> {
    const what = `status of ${ref.plural} ${namespace}/${name}`;
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    try {
      const obj: unknown = await this.#api.patchNamespacedCustomObjectStatus(
        { ...ref, namespace, name, body: { status } },
        merge,
      );
      return { status: statusOf(obj) };
    } catch (err) {
      if (!isKubeNotFound(err)) throw classifyKubeError(err, what);
    }
    // 404: the object is gone, or its CRD has no status subresource. The object itself tells.
    try {
      const obj: unknown = await this.#api.patchNamespacedCustomObject(
        { ...ref, namespace, name, body: { status } },
        merge,
      );
      const key = `${ref.plural}.${ref.group}`;
      if (!this.#told.has(key)) {
        this.#told.add(key);
        this.#onNoSubresource?.(ref);
      }
      return { status: statusOf(obj) };
    } catch (err) {
      if (isKubeNotFound(err)) return undefined;
      throw classifyKubeError(err, what);
    }
  }
}
