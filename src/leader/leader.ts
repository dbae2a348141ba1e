/**
 * The leader role: watches GSLBConfig, GDP and GSLBHostRule in its own cluster and runs the GSLB
 * pipeline for the GSLBConfig in force. `mode: 'standby'` runs the same pipeline read-only (hot
 * standby: informers, desired model, controller cache reads, no writes of any kind); `activate`
 * flips it to writing with a new epoch and passes over every key, writing only what differs.
 * A fenced leader (told of, or finding on the controller, a higher epoch) writes nothing more.
 */
import type { KubeConfig, KubernetesObject, V1Namespace } from '@kubernetes/client-node';
import type { Meter } from '@opentelemetry/api';
import type { AviClient } from '../shared/avi/avi-client.js';
import type { Clock } from '../shared/clock.js';
import { AVI_SYSTEM } from '../shared/crd/common.js';
import {
  GLOBAL_DEPLOYMENT_POLICY,
  type GlobalDeploymentPolicy,
} from '../shared/crd/global-deployment-policy.js';
import { GSLB_CONFIG, type GslbConfig } from '../shared/crd/gslb-config.js';
import { GSLB_HOST_RULE, type GslbHostRule } from '../shared/crd/gslb-host-rule.js';
import {
  contentHash,
  contentOf,
  type HashedContent,
} from '../shared/federation/replicated-object.js';
import type { ReplicatedKind } from '../shared/federation/replicated-kinds.js';
import type { ResilientInformer } from '../shared/kube/informer.js';
import {
  customInformer,
  namespaceInformer,
  type InformerContext,
} from '../shared/kube/resource-informers.js';
import { WorkQueue } from '../shared/kube/work-queue.js';
import { runWorkers } from '../shared/kube/worker-pool.js';
import type { Logger } from '../shared/telemetry/logger.js';
import { LeaderMetrics } from '../shared/telemetry/metrics.js';
import type { AviTls } from './config/bootstrap.js';
import { GslbConfigController, type Tuning } from './config/gslb-config-controller.js';
import { StatusSink } from './config/status-sink.js';
import type { ControllerViewLink } from '../shared/federation/controller-view.js';

export interface LeaderDeps {
  /** The local cluster (where GSLBConfig, GDP, GSLBHostRule and the secrets live). */
  readonly kubeConfig: KubeConfig;
  /** This cluster's context name (the Avi client's User-Agent carries `cluster/<context>`). */
  readonly context: string;
  readonly log: Logger;
  readonly clock: Clock;
  /** Leadership epoch stamped on every object written. */
  readonly epoch: number;
  /** Asked before writing: true once this process learnt of a higher epoch (the role's fence). */
  isFenced(): boolean;
  readonly mode: 'active' | 'standby';
  /** amko version, for the User-Agent. */
  readonly version?: string;
  /** TLS settings for the Avi controller connection. */
  readonly aviTls?: AviTls;
  readonly meter?: Meter;
  /** Told when the pipeline finds an object on the controller with a higher epoch. */
  onFenced?(reason: string): void;
  /** Told when the pipeline's `lastSyncOk()` changes. */
  onSyncState?(ok: boolean): void;
  readonly tuning?: Tuning;
  /** What the pipeline writes goes out here; what a hot standby's leader wrote comes in. */
  readonly view?: ControllerViewLink;
}

export interface LeaderHandle {
  activate(epoch: number): Promise<void>;
  deactivate(): Promise<void>;
  fence(reason: string): void;
  lastSyncOk(): boolean;
  /** The controller connection of the running pipeline, if one runs. */
  controller(): LeaderConnection | undefined;
  /**
   * Resolves true once the informers hold exactly `expected` (by content hash), false after
   * `timeoutMs`: objects just written to this cluster are seen before the next pass plans.
   */
  holds(expected: readonly HashedContent[], timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

export interface LeaderConnection {
  readonly client: AviClient;
  readonly amkoUuid: string;
}

/** The leader's moving parts; `startLeader` builds one and hands out its handle. */
class Leader implements LeaderHandle {
  readonly #deps: LeaderDeps;
  readonly #log: Logger;
  readonly #configs: ResilientInformer<GslbConfig>;
  readonly #gdps: ResilientInformer<GlobalDeploymentPolicy>;
  readonly #ghrs: ResilientInformer<GslbHostRule>;
  /** This cluster's namespaces: their tenant annotation is the tenant of GDP/GSLBHostRule refs. */
  readonly #namespaces: ResilientInformer<V1Namespace>;
  readonly #queue: WorkQueue<'config'>;
  readonly #controller: GslbConfigController;
  readonly #stopping = new AbortController();
  #workers: Promise<void> = Promise.resolve();
  #mode: 'active' | 'standby';
  #epoch: number;

  constructor(deps: LeaderDeps) {
    this.#deps = deps;
    this.#mode = deps.mode;
    this.#epoch = deps.epoch;
    const log = deps.log.child({ component: 'leader' });
    this.#log = log;
    const ctx: InformerContext = {
      kubeConfig: deps.kubeConfig,
      clock: deps.clock,
      log,
      name: 'local',
    };
    this.#configs = customInformer<GslbConfig>(ctx, GSLB_CONFIG, AVI_SYSTEM);
    this.#gdps = customInformer<GlobalDeploymentPolicy>(ctx, GLOBAL_DEPLOYMENT_POLICY, AVI_SYSTEM);
    this.#ghrs = customInformer<GslbHostRule>(ctx, GSLB_HOST_RULE);
    this.#namespaces = namespaceInformer(ctx);
    this.#queue = new WorkQueue<'config'>({
      clock: deps.clock,
      baseDelayMs: 500,
      maxDelayMs: 30_000,
    });
    const writable = (): boolean => this.#writable();
    this.#controller = new GslbConfigController({
      kubeConfig: deps.kubeConfig,
      context: deps.context,
      version: deps.version ?? 'dev',
      aviTls: deps.aviTls ?? {},
      clock: deps.clock,
      log,
      metrics: new LeaderMetrics(deps.meter),
      sink: new StatusSink({ kubeConfig: deps.kubeConfig, writable, clock: deps.clock, log }),
      configs: this.#configs,
      gdps: this.#gdps,
      ghrs: this.#ghrs,
      namespaces: this.#namespaces,
      writable,
      epoch: () => this.#epoch,
      fence: (reason) => {
        this.fence(reason);
      },
      onSyncState: (ok) => {
        deps.onSyncState?.(ok);
      },
      tuning: deps.tuning ?? {},
      view: deps.view,
    });
  }

  start(): void {
    this.#configs.on(() => {
      this.#queue.add('config');
    });
    const policy = (): void => this.#controller.pipeline?.policyChanged();
    this.#gdps.on(policy);
    this.#ghrs.on(policy);
    this.#namespaces.on((_event, ns) => {
      this.#controller.pipeline?.namespaceChanged(ns.metadata?.name ?? '');
    });
    for (const inf of this.#informers()) inf.start();
    this.#workers = runWorkers({
      queue: this.#queue,
      count: 1,
      log: this.#log,
      slowRetryMs: this.#deps.tuning?.slowRetryMs ?? 5_000,
      process: async () => {
        await Promise.all(this.#informers().map((i) => i.waitForSync(this.#stopping.signal)));
        await this.#controller.reconcile();
        return undefined;
      },
    });
    this.#queue.add('config');
    this.#log.info(
      { mode: this.#mode, epoch: this.#epoch, context: this.#deps.context },
      'leader started',
    );
  }

  activate(epoch: number): Promise<void> {
    this.#epoch = epoch;
    this.#mode = 'active';
    this.#log.info({ epoch }, 'leader activated');
    this.#queue.add('config');
    this.#controller.resync();
    return Promise.resolve();
  }

  deactivate(): Promise<void> {
    this.#mode = 'standby';
    this.#log.info('leader deactivated: read-only');
    return Promise.resolve();
  }

  fence(reason: string): void {
    if (this.#deps.isFenced()) return;
    this.#log.error({ reason, epoch: this.#epoch }, 'fenced: no more writes to the Avi controller');
    this.#deps.onFenced?.(reason);
  }

  controller(): LeaderConnection | undefined {
    return this.#controller.connection;
  }

  lastSyncOk(): boolean {
    return this.#writable() && this.#controller.pipeline?.lastSyncOk() === true;
  }

  async holds(expected: readonly HashedContent[], timeoutMs: number): Promise<boolean> {
    const deadline = this.#deps.clock.now() + timeoutMs;
    for (;;) {
      if (expected.every((h) => this.#cachedHash(h) === h.hash)) return true;
      if (this.#deps.clock.now() >= deadline) return false;
      await this.#deps.clock.sleep(20, this.#stopping.signal);
    }
  }

  #cachedHash(h: HashedContent): string | undefined {
    const { kind, name, namespace } = h.content;
    const informers: Record<ReplicatedKind, ResilientInformer<KubernetesObject>> = {
      GSLBConfig: this.#configs,
      GlobalDeploymentPolicy: this.#gdps,
      GSLBHostRule: this.#ghrs,
    };
    const obj = informers[kind].get(name, namespace);
    return obj ? contentHash(contentOf(kind, obj)) : undefined;
  }

  async stop(): Promise<void> {
    this.#stopping.abort(new Error('leader stopped'));
    this.#queue.shutDown();
    await this.#workers;
    await this.#controller.stopPipeline('leader stopped');
    await Promise.all(this.#informers().map((i) => i.stop()));
    this.#log.info('leader stopped');
  }

  #writable(): boolean {
    return this.#mode === 'active' && !this.#deps.isFenced();
  }

  #informers(): ResilientInformer<KubernetesObject>[] {
    return [
      this.#configs,
      this.#gdps,
      this.#ghrs,
      this.#namespaces,
    ] as ResilientInformer<KubernetesObject>[];
  }
}

/** Starts the leader role in the given mode; returns at once (work goes on in the background). */
export function startLeader(deps: LeaderDeps): Promise<LeaderHandle> {
  const leader = new Leader(deps);
  leader.start();
  return Promise.resolve(leader);
}
