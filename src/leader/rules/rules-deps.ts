/** What the GDP and GSLBHostRule trackers need from the rest of the leader. */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ResourceRef } from '../../shared/kube/status-writer.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { ControllerReader } from '../sync/controller-reader.js';

export interface RulesDeps {
  readonly reader: ControllerReader;
  /** Contexts of the accepted GSLBConfig's member clusters. */
  readonly memberClusters: readonly string[];
  /** Tenant for references of an object in `namespace` (its tenant annotation, or the default). */
  refTenant(namespace: string): Promise<string>;
  /** Writes `status` unless the object already shows it (no-op while read-only). */
  writeStatus(
    ref: ResourceRef,
    obj: KubernetesObject,
    status: Record<string, unknown>,
  ): Promise<void>;
  readonly log: Logger;
}

/** Kept here for existing importers; defined with the admission rules. */
export { precedence } from '../policy/admission.js';

/**
 * A cache key for a validation verdict: it changes with every spec edit of an object and with
 * the tenant its references are looked up in (its namespace's tenant annotation).
 */
export function verdictKey(o: KubernetesObject, tenant: string): string {
  return `${o.metadata?.uid ?? ''}@${String(o.metadata?.generation ?? o.metadata?.resourceVersion ?? '')}@${tenant}`;
}
