/**
 * Watches the leader's own GSLBConfig, GlobalDeploymentPolicy and GSLBHostRule objects and
 * records every change of what travels into the replication log. Deletes use only the key.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { ROOT_CONTEXT, type Span } from '@opentelemetry/api';
import type { Clock } from '../../shared/clock.js';
import type { CrdResource } from '../../shared/crd/common.js';
import { REPLICATED_KINDS, type ReplicatedKind } from '../../shared/federation/replicated-kinds.js';
import {
  contentOf,
  hashed,
  replicaKey,
  type ObjectLike,
} from '../../shared/federation/replicated-object.js';
import type { ResilientInformer } from '../../shared/kube/informer.js';
import { customInformer } from '../../shared/kube/resource-informers.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { startSpan, traceparentOf, tracingOn } from '../../shared/telemetry/tracing.js';
import type { ReplicationLog } from './replication-log.js';

export interface SourceWatchDeps {
  kubeConfig: KubeConfig;
  log: ReplicationLog;
  clock: Clock;
  logger: Logger;
  /** Told after each change that took a revision. */
  onAdvanced: () => void;
}

type Source = KubernetesObject & ObjectLike;

export class SourceWatch {
  readonly #deps: SourceWatchDeps;
  readonly #informers: ResilientInformer<Source>[];

  constructor(deps: SourceWatchDeps) {
    this.#deps = deps;
    this.#informers = REPLICATED_KINDS.map((r) => this.#informer(r));
  }

  start(): void {
    for (const i of this.#informers) i.start();
  }

  /** Resolves once every kind has been listed once (the log then holds every object). */
  async synced(signal?: AbortSignal): Promise<void> {
    await Promise.all(this.#informers.map((i) => i.waitForSync(signal)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.#informers.map((i) => i.stop()));
  }

  #informer(r: CrdResource): ResilientInformer<Source> {
    const { kubeConfig, clock, logger } = this.#deps;
    const informer = customInformer<Source>({ kubeConfig, clock, log: logger, name: 'sources' }, r);
    const kind = r.kind as ReplicatedKind;
    informer.on((event, obj) => {
      const eventAt = performance.timeOrigin + performance.now();
      const span = tracingOn() ? this.#recordSpan(kind, event, obj) : undefined;
      const traceparent = span ? traceparentOf(span) : undefined;
      const revision =
        event === 'delete'
          ? this.#deps.log.delete(
              replicaKey(kind, obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''),
              traceparent,
            )
          : this.#deps.log.put(hashed(contentOf(kind, obj)), traceparent);
      // A change that took no revision (a relist, equal content) leaves its span unended, so it
      // is never exported.
      if (revision === undefined) return;
      if (span) {
        span.setAttribute('amko.revision', revision);
        span.end();
      }
      // Wall-clock times (ms, sub-ms precision) for the replication benchmark's stage breakdown.
      logger.debug(
        { stage: 'log-append', revision, eventAt, at: performance.timeOrigin + performance.now() },
        'replication stage',
      );
      this.#deps.onAdvanced();
    });
    return informer;
  }

  /**
   * The root span of one change's trace: the leader's sends of its revision and every
   * follower's write of it are its descendants.
   */
  #recordSpan(kind: ReplicatedKind, event: string, obj: Source): Span | undefined {
    return startSpan(
      'amko.replication.record',
      {
        'amko.kind': kind,
        'amko.namespace': obj.metadata?.namespace ?? '',
        'amko.name': obj.metadata?.name ?? '',
        'amko.event': event,
        'amko.log_id': this.#deps.log.logId,
      },
      { parent: ROOT_CONTEXT },
    );
  }
}
