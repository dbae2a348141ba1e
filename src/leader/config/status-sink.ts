/**
 * Status and events the leader writes to its own cluster: custom resource status through the
 * status subresource, or on the object itself where AMKO's CRDs have none (only when it differs
 * from what the object shows), and Kubernetes Events about the GSLBConfig (member cluster health,
 * configuration errors). Nothing is written while the leader is read-only.
 */
import {
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  type CoreV1Event,
} from '@kubernetes/client-node';
import type { Clock } from '../../shared/clock.js';
import { AVI_SYSTEM } from '../../shared/crd/common.js';
import { GSLB_CONFIG } from '../../shared/crd/gslb-config.js';
import { messageOf } from '../../shared/errors.js';
import {
  SubresourceStatusWriter,
  type ResourceRef,
  type StatusWriter,
} from '../../shared/kube/status-writer.js';
import type { Logger } from '../../shared/telemetry/logger.js';

export const EVENT_COMPONENT = 'avi-multicluster-kubernetes-operator';

function same(current: unknown, wanted: Record<string, unknown>): boolean {
  if (typeof current !== 'object' || current === null) return false;
  const rec = current as Record<string, unknown>;
  return Object.entries(wanted).every(([k, v]) => JSON.stringify(rec[k]) === JSON.stringify(v));
}

/** The object an Event is about. */
export interface EventSubject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

export class StatusSink {
  readonly #writer: StatusWriter;
  readonly #core: CoreV1Api;
  readonly #writable: () => boolean;
  readonly #clock: Clock;
  readonly #log: Logger;

  constructor(deps: {
    kubeConfig: KubeConfig;
    writable: () => boolean;
    clock: Clock;
    log: Logger;
  }) {
    this.#writer = new SubresourceStatusWriter(deps.kubeConfig, (ref) => {
      deps.log.warn(
        { resource: `${ref.plural}.${ref.group}` },
        `the ${ref.plural} CRD has no status subresource (AMKO's CRD): status is written on the object itself; apply charts/amko/crds to use the subresource`,
      );
    });
    this.#core = deps.kubeConfig.makeApiClient(CoreV1Api);
    this.#writable = deps.writable;
    this.#clock = deps.clock;
    this.#log = deps.log;
  }

  /** Writes `status` fields unless the object already shows them. */
  async write(
    ref: ResourceRef,
    obj: KubernetesObject,
    status: Record<string, unknown>,
  ): Promise<void> {
    if (!this.#writable() || same((obj as { status?: unknown }).status, status)) return;
    const ns = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    await this.#writer.patchStatus(ref, ns, name, status);
    this.#log.debug({ kind: ref.plural, name, status }, 'status written');
  }

  /** Records an Event about a GSLBConfig; failures are only logged. */
  async event(
    gslbConfig: string,
    reason: string,
    message: string,
    warning: boolean,
  ): Promise<void> {
    const about = {
      apiVersion: GSLB_CONFIG.apiVersion,
      kind: GSLB_CONFIG.kind,
      name: gslbConfig,
      namespace: AVI_SYSTEM,
    };
    await this.eventOn(about, reason, message, warning);
  }

  /** Records an Event about any object of the leader cluster; failures are only logged. */
  async eventOn(
    about: EventSubject,
    reason: string,
    message: string,
    warning: boolean,
  ): Promise<void> {
    if (!this.#writable()) return;
    const now = new Date(this.#clock.now());
    const body: Record<string, unknown> = {
      metadata: { generateName: `${about.name}.`, namespace: about.namespace },
      involvedObject: { ...about },
      reason,
      message,
      type: warning ? 'Warning' : 'Normal',
      source: { component: EVENT_COMPONENT },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    try {
      await this.#core.createNamespacedEvent({
        namespace: about.namespace,
        body: body as unknown as CoreV1Event,
      });
    } catch (err) {
      this.#log.warn({ reason, err: messageOf(err) }, 'could not record event');
    }
  }
}
