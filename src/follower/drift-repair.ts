/**
 * Drift repair: watches the replicated kinds in the follower's cluster and, when an object the
 * leader replicated is edited or deleted locally, puts back the last replicated content. Objects
 * the leader never replicated are left alone. Event handlers only filter and enqueue keys.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Clock } from '../shared/clock.js';
import { REPLICATED_KINDS } from '../shared/federation/replicated-kinds.js';
import { replicaKey, type ReplicaKey } from '../shared/federation/replicated-object.js';
import type { ResilientInformer } from '../shared/kube/informer.js';
import { customInformer } from '../shared/kube/resource-informers.js';
import { WorkQueue } from '../shared/kube/work-queue.js';
import { runWorkers } from '../shared/kube/worker-pool.js';
import type { Logger } from '../shared/telemetry/logger.js';
import type { ReplicaApplier } from './replica-applier.js';
import type { ReplicaObject } from './replica-plan.js';

export interface DriftRepairDeps {
  kubeConfig: KubeConfig;
  applier: ReplicaApplier;
  clock: Clock;
  log: Logger;
  /** Told after every repair that rewrote an object. */
  onRepaired?: (key: ReplicaKey) => void;
}

type ReplicaInformed = KubernetesObject & ReplicaObject;

export class DriftRepair {
  readonly #deps: DriftRepairDeps;
  readonly #queue: WorkQueue<ReplicaKey>;
  readonly #informers: ResilientInformer<ReplicaInformed>[];
  #workers: Promise<void> | undefined;

  constructor(deps: DriftRepairDeps) {
    this.#deps = deps;
    this.#queue = new WorkQueue<ReplicaKey>({
      clock: deps.clock,
      baseDelayMs: 100,
      maxDelayMs: 30_000,
    });
    const ctx = { kubeConfig: deps.kubeConfig, clock: deps.clock, log: deps.log, name: 'replicas' };
    this.#informers = REPLICATED_KINDS.map((r) => {
      const informer = customInformer<ReplicaInformed>(ctx, r);
      informer.on((_event, obj) => {
        this.#observe(r.kind, obj);
      });
      return informer;
    });
  }

  start(): void {
    for (const i of this.#informers) i.start();
    this.#workers ??= runWorkers({
      queue: this.#queue,
      count: 2,
      log: this.#deps.log,
      slowRetryMs: 30_000,
      process: async (key) => {
        if ((await this.#deps.applier.repair(key)) === 'repaired') this.#deps.onRepaired?.(key);
        return undefined;
      },
    });
  }

  async stop(): Promise<void> {
    this.#queue.shutDown();
    await Promise.all(this.#informers.map((i) => i.stop()));
    await this.#workers;
  }

  #observe(kind: string, obj: ReplicaObject): void {
    const key = replicaKey(kind, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
    if (!this.#deps.applier.knows(key)) return;
    if (this.#deps.applier.isOwnWrite(key, obj.metadata?.resourceVersion)) return;
    this.#queue.add(key);
  }
}
