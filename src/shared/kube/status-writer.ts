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

/** Writes `status` of custom resources through the status subresource. */
export interface StatusWriter {
  /** Merge-patches `status`; returns false when the object no longer exists. */
  patchStatus(
    ref: ResourceRef,
    namespace: string,
    name: string,
    status: Record<string, unknown>,
  ): Promise<boolean>;
}

/**
 * A status writer over the status subresource with JSON merge patches, so a status write
 * neither touches `spec` nor bumps `metadata.generation`.
 */
export class SubresourceStatusWriter implements StatusWriter {
  readonly #api: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig) {
    this.#api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  async patchStatus(
    ref: ResourceRef,
    namespace: string,
    name: string,
    status: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.#api.patchNamespacedCustomObjectStatus(
        { ...ref, namespace, name, body: { status } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return true;
    } catch (err) {
      if (isKubeNotFound(err)) return false;
      throw classifyKubeError(err, `status of ${ref.plural} ${namespace}/${name}`);
    }
  }
}
