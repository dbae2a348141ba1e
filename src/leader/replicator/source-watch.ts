/**
 * Watches the leader's own GSLBConfig, GlobalDeploymentPolicy and GSLBHostRule objects and
 * records every change of what travels into the replication log. Deletes use only the key.
 */
import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Clock } from '../../shared/clock.js';
import type { CrdResource } from '../../shared/crd/common.js';
import { REPLICATED_KINDS, type ReplicatedKind } from '../../shared/federation/replicated-kinds.js';
import {
  contentOf,
  hashed,
  replicaKey,
  type ObjectLike,
} from '../../shared/federation/replicated-object.js';
import { ResilientInformer } from '../../shared/kube/informer.js';
import type { Logger } from '../../shared/telemetry/logger.js';
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
    const api = this.#deps.kubeConfig.makeApiClient(CustomObjectsApi);
    const informer = new ResilientInformer<Source>({
      kubeConfig: this.#deps.kubeConfig,
      path: `/apis/${r.group}/${r.version}/${r.plural}`,
      list: async () =>
        (await api.listClusterCustomObject({
          group: r.group,
          version: r.version,
          plural: r.plural,
        })) as KubernetesListObject<Source>,
      clock: this.#deps.clock,
      log: this.#deps.logger,
      name: `sources/${r.plural}`,
    });
    const kind = r.kind as ReplicatedKind;
    informer.on((event, obj) => {
      const revision =
        event === 'delete'
          ? this.#deps.log.delete(
              replicaKey(kind, obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''),
            )
          : this.#deps.log.put(hashed(contentOf(kind, obj)));
      if (revision !== undefined) this.#deps.onAdvanced();
    });
    return informer;
  }
}
