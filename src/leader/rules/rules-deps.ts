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

/** Order of precedence: the object already in force, then the oldest, then by namespace/name. */
export function precedence<T extends KubernetesObject>(
  objs: readonly T[],
  preferred: (o: T) => boolean,
): T[] {
  // Listed objects carry Date instances, watched ones ISO strings: compare as numbers.
  const created = (o: T): number => new Date(o.metadata?.creationTimestamp ?? 0).getTime();
  const id = (o: T): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  return [...objs].sort((a, b) => {
    const pa = preferred(a) ? 0 : 1;
    const pb = preferred(b) ? 0 : 1;
    if (pa !== pb) return pa - pb;
    const ca = created(a);
    const cb = created(b);
    if (ca !== cb) return ca - cb;
    return id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0;
  });
}

/** A cache key that changes with every spec edit of an object. */
export function generationKey(o: KubernetesObject): string {
  return `${o.metadata?.uid ?? ''}@${String(o.metadata?.generation ?? o.metadata?.resourceVersion ?? '')}`;
}
