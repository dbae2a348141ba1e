/**
 * The leader role: watches GSLBConfig, GDP and GSLBHostRule in its own cluster and runs the GSLB
 * pipeline for the GSLBConfig in force. `mode: 'standby'` runs the same pipeline read-only (hot
 * standby: informers, desired model, controller cache reads, no writes of any kind); `activate`
 * flips it to writing with a new epoch and passes over every key, writing only what differs.
 * A fenced leader (told of, or finding on the controller, a higher epoch) writes nothing more.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Meter } from '@opentelemetry/api';
import type { Clock } from '../shared/clock.js';
import { AVI_SYSTEM } from '../shared/crd/common.js';
import {
  GLOBAL_DEPLOYMENT_POLICY,
  type GlobalDeploymentPolicy,
} from '../shared/crd/global-deployment-policy.js';
import { GSLB_CONFIG, type GslbConfig } from '../shared/crd/gslb-config.js';
import { GSLB_HOST_RULE, type GslbHostRule } from '../shared/crd/gslb-host-rule.js';
import { customInformer, type InformerContext } from '../shared/kube/resource-informers.js';
import { WorkQueue } from '../shared/kube/work-queue.js';
import { runWorkers } from '../shared/kube/worker-pool.js';
import type { Logger } from '../shared/telemetry/logger.js';
import { LeaderMetrics } from '../shared/telemetry/metrics.js';
import type { AviTls } from './config/bootstrap.js';
import { GslbConfigController, type Tuning } from './config/gslb-config-controller.js';
import { StatusSink } from './config/status-sink.js';

export interface LeaderDeps {
  /** The local cluster (where GSLBConfig, GDP, GSLBHostRule and the secrets live). */
  readonly kubeConfig: KubeConfig;
  /** This cluster's context name (the Avi client's User-Agent carries `cluster/<context>`). */
  readonly context: string;
  readonly log: Logger;
  readonly clock: Clock;
  /** Leadership epoch stamped on every object written. */
  readonly epoch: number;
  /** Asked before writing: true once the federation learnt of a higher epoch. */
  isFenced(): boolean;
  readonly mode: 'active' | 'standby';
  /** amko version, for the User-Agent. */
  readonly version?: string;
  /** TLS settings for the Avi controller connection. */
  readonly aviTls?: AviTls;
  readonly meter?: Meter;
  /** Told when the leader fences itself (an object on the controller has a higher epoch). */
  onFenced?(reason: string): void;
  readonly tuning?: Tuning;
}

export interface LeaderHandle {
  activate(epoch: number): Promise<void>;
  deactivate(): Promise<void>;
  fence(reason: string): void;
  lastSyncOk(): boolean;
  stop(): Promise<void>;
}

class LeaderState {
  mode: 'active' | 'standby';
  epoch: number;
  fencedReason: string | undefined;

  constructor(deps: LeaderDeps) {
    this.mode = deps.mode;
    this.epoch = deps.epoch;
  }
}

export function startLeader(deps: LeaderDeps): Promise<LeaderHandle> {
  const log = deps.log.child({ component: 'leader' });
  const state = new LeaderState(deps);
  const writable = (): boolean =>
    state.mode === 'active' && state.fencedReason === undefined && !deps.isFenced();
  const fence = (reason: string): void => {
    if (state.fencedReason !== undefined) return;
    state.fencedReason = reason;
    log.error({ reason, epoch: state.epoch }, 'fenced: no more writes to the Avi controller');
    deps.onFenced?.(reason);
  };
  const ctx: InformerContext = {
    kubeConfig: deps.kubeConfig,
    clock: deps.clock,
    log,
    name: 'local',
  };
  const configs = customInformer<GslbConfig>(ctx, GSLB_CONFIG, AVI_SYSTEM);
  const gdps = customInformer<GlobalDeploymentPolicy>(ctx, GLOBAL_DEPLOYMENT_POLICY, AVI_SYSTEM);
  const ghrs = customInformer<GslbHostRule>(ctx, GSLB_HOST_RULE);
  const queue = new WorkQueue<'config'>({
    clock: deps.clock,
    baseDelayMs: 500,
    maxDelayMs: 30_000,
  });
  const controller = new GslbConfigController({
    kubeConfig: deps.kubeConfig,
    context: deps.context,
    version: deps.version ?? 'dev',
    aviTls: deps.aviTls ?? {},
    clock: deps.clock,
    log,
    metrics: new LeaderMetrics(deps.meter),
    sink: new StatusSink({ kubeConfig: deps.kubeConfig, writable, clock: deps.clock, log }),
    configs,
    gdps,
    ghrs,
    writable,
    epoch: () => state.epoch,
    fence,
    tuning: deps.tuning ?? {},
  });
  configs.on(() => {
    queue.add('config');
  });
  const policy = (): void => controller.pipeline?.policyChanged();
  gdps.on(policy);
  ghrs.on(policy);
  for (const inf of [configs, gdps, ghrs]) inf.start();
  const stopping = new AbortController();
  const workers = runWorkers({
    queue,
    count: 1,
    log,
    slowRetryMs: deps.tuning?.slowRetryMs ?? 5_000,
    process: async () => {
      await Promise.all([configs, gdps, ghrs].map((i) => i.waitForSync(stopping.signal)));
      await controller.reconcile();
      return undefined;
    },
  });
  queue.add('config');
  log.info({ mode: state.mode, epoch: state.epoch, context: deps.context }, 'leader started');
  return Promise.resolve({
    activate: (epoch) => {
      state.epoch = epoch;
      state.mode = 'active';
      state.fencedReason = undefined;
      log.info({ epoch }, 'leader activated');
      queue.add('config');
      controller.resync();
      return Promise.resolve();
    },
    deactivate: () => {
      state.mode = 'standby';
      log.info('leader deactivated: read-only');
      return Promise.resolve();
    },
    fence,
    lastSyncOk: () => writable() && controller.pipeline?.lastSyncOk() === true,
    stop: async () => {
      stopping.abort(new Error('leader stopped'));
      queue.shutDown();
      await workers;
      await controller.stopPipeline('leader stopped');
      await Promise.all([configs.stop(), gdps.stop(), ghrs.stop()]);
      log.info('leader stopped');
    },
  });
}
