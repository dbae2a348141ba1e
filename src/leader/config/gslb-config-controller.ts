/**
 * Owns the pipeline's lifecycle from the GSLBConfig objects in avi-system: one is in force (the
 * accepted one, else the oldest), any other gets "error: can't add another gslbconfig". A new
 * or edited GSLBConfig (other than `logLevel`) rebuilds the pipeline live; deleting it stops the
 * pipeline and leaves the controller untouched. Start-up failures are written to the status
 * and retried.
 */
import { randomUUID } from 'node:crypto';
import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Namespace,
} from '@kubernetes/client-node';
import type { Clock } from '../../shared/clock.js';
import { AMKO_UUID_ANNOTATION, AVI_SYSTEM, TENANT_ANNOTATION } from '../../shared/crd/common.js';
import type { GlobalDeploymentPolicy } from '../../shared/crd/global-deployment-policy.js';
import { GSLB_CONFIG, GSLB_CONFIG_STATE, type GslbConfig } from '../../shared/crd/gslb-config.js';
import type { GslbHostRule } from '../../shared/crd/gslb-host-rule.js';
import { messageOf } from '../../shared/errors.js';
import type { ResilientInformer } from '../../shared/kube/informer.js';
import { classifyKubeError } from '../../shared/kube/kube-errors.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { LeaderMetrics } from '../../shared/telemetry/metrics.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { precedence } from '../policy/admission.js';
import { bootstrap, BootstrapError, type AviTls, type Bootstrapped } from './bootstrap.js';
import type { StatusSink } from './status-sink.js';
import type { ControllerViewLink } from '../../shared/federation/controller-view.js';

export interface Tuning {
  readonly gsWorkers?: number;
  readonly slowRetryMs?: number;
  readonly syncTimeoutMs?: number;
}

export interface GslbConfigControllerDeps {
  readonly kubeConfig: KubeConfig;
  readonly context: string;
  readonly version: string;
  readonly aviTls: AviTls;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: LeaderMetrics;
  readonly sink: StatusSink;
  readonly configs: ResilientInformer<GslbConfig>;
  readonly gdps: ResilientInformer<GlobalDeploymentPolicy>;
  readonly ghrs: ResilientInformer<GslbHostRule>;
  readonly namespaces: ResilientInformer<V1Namespace>;
  writable(): boolean;
  epoch(): number;
  fence(reason: string): void;
  /** The running pipeline's `lastSyncOk()` changed. */
  onSyncState?(ok: boolean): void;
  readonly tuning: Tuning;
  readonly view?: ControllerViewLink | undefined;
}

interface Running {
  readonly uid: string;
  readonly fingerprint: string;
  readonly name: string;
  readonly pipeline: Pipeline;
  readonly boot: Bootstrapped;
}

const LEVELS: Record<string, string> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

export class GslbConfigController {
  readonly #deps: GslbConfigControllerDeps;
  #running: Running | undefined;
  /** The last state this process reached for a GSLBConfig, written or not (a standby cannot). */
  #lastState: { name: string; state: string } | undefined;

  constructor(deps: GslbConfigControllerDeps) {
    this.#deps = deps;
  }

  get pipeline(): Pipeline | undefined {
    return this.#running?.pipeline;
  }

  /** The running pipeline's controller connection and amko-uuid (the failover lease uses it). */
  get connection(): { client: Bootstrapped['client']; amkoUuid: string } | undefined {
    const r = this.#running;
    return r && { client: r.boot.client, amkoUuid: r.boot.settings.amkoUuid };
  }

  /** One pass over the GSLBConfigs; throws (to be retried) when start-up fails. */
  async reconcile(): Promise<void> {
    const d = this.#deps;
    if (!d.configs.synced) return;
    const all = d.configs.list().filter((g) => g.metadata?.namespace === AVI_SYSTEM);
    const ordered = precedence(
      all,
      (g) =>
        g.metadata?.uid === this.#running?.uid || g.status?.state === GSLB_CONFIG_STATE.accepted,
    );
    const [active, ...others] = ordered;
    for (const o of others)
      await d.sink.write(GSLB_CONFIG, o, { state: GSLB_CONFIG_STATE.anotherConfig });
    if (!active) {
      await this.stopPipeline('no GSLBConfig in avi-system');
      return;
    }
    this.#applyLogLevel(active);
    const uuid = active.metadata?.annotations?.[AMKO_UUID_ANNOTATION];
    if (!uuid) {
      await this.#assignUuid(active);
      return;
    }
    const fingerprint = JSON.stringify({
      uid: active.metadata?.uid,
      uuid,
      spec: { ...active.spec, logLevel: undefined },
    });
    if (this.#running?.fingerprint === fingerprint) return;
    await this.stopPipeline('GSLBConfig changed');
    await this.#start(active, uuid, fingerprint);
  }

  /**
   * Passes over everything again now (activation). The state a read-only standby reached but
   * could not write is written now. The full sync evaluates the GDP and GSLBHostRules afresh
   * itself: a policy pass queued behind it would hold back every key it queues.
   */
  resync(): void {
    this.#running?.pipeline.resync();
    const last = this.#lastState;
    if (last) {
      this.#setState(last.name, last.state).catch((err: unknown) => {
        this.#deps.log.warn({ err: messageOf(err) }, 'GSLBConfig status write failed');
      });
    }
  }

  async stopPipeline(why: string): Promise<void> {
    const running = this.#running;
    if (!running) return;
    this.#running = undefined;
    this.#deps.onSyncState?.(false);
    this.#deps.log.info({ gslbConfig: running.name, why }, 'stopping the GSLB pipeline');
    await running.pipeline.stop();
    await running.boot.client.close().catch(() => undefined);
  }

  async #start(gc: GslbConfig, uuid: string, fingerprint: string): Promise<void> {
    const d = this.#deps;
    const name = gc.metadata?.name ?? '';
    let boot: Bootstrapped;
    try {
      boot = await bootstrap(gc, uuid, d);
    } catch (err) {
      const state = err instanceof BootstrapError ? err.state : messageOf(err);
      d.log.error({ gslbConfig: name, state }, 'GSLBConfig start-up failed');
      await this.#setState(name, state).catch(() => undefined);
      throw err;
    }
    if (!boot.controllerLeader) await this.#setState(name, GSLB_CONFIG_STATE.controllerNotLeader);
    const pipeline = this.#pipeline(name, boot);
    this.#running = { uid: gc.metadata?.uid ?? '', fingerprint, name, pipeline, boot };
    d.log.info(
      { gslbConfig: name, members: boot.settings.memberClusters },
      'starting the GSLB pipeline',
    );
    pipeline.start();
  }

  #pipeline(name: string, boot: Bootstrapped): Pipeline {
    const d = this.#deps;
    return new Pipeline({
      settings: boot.settings,
      view: d.view,
      avi: boot.avi,
      gdps: d.gdps,
      ghrs: d.ghrs,
      controllerLeader: boot.controllerLeader,
      clock: d.clock,
      log: d.log,
      metrics: d.metrics,
      refTenant: (ns) => this.#refTenant(ns, boot.settings.defaultTenant),
      writeStatus: (ref, obj, status) => d.sink.write(ref, obj, status),
      event: (about, reason, message, warning) => {
        void d.sink.eventOn(about, reason, message, warning);
      },
      gslbConfigEvent: (reason, message, warning) => {
        void d.sink.event(name, reason, message, warning);
      },
      setState: (state) => this.#setState(name, state),
      clusterHealth: (cluster, healthy, error) => {
        const message = healthy
          ? `cluster ${cluster} is healthy`
          : `cluster ${cluster} is unhealthy: ${error ?? 'unreachable'}`;
        d.log[healthy ? 'info' : 'warn']({ cluster, healthy, err: error }, 'member cluster health');
        void d.sink.event(name, 'MemberClusterValidation', message, !healthy);
      },
      writable: () => d.writable(),
      epoch: () => d.epoch(),
      fence: (reason) => {
        d.fence(reason);
      },
      onSyncState: (ok) => {
        d.onSyncState?.(ok);
      },
      ...d.tuning,
    });
  }

  async #setState(name: string, state: string): Promise<void> {
    this.#lastState = { name, state };
    const obj = this.#deps.configs.get(name, AVI_SYSTEM);
    if (obj) await this.#deps.sink.write(GSLB_CONFIG, obj, { state });
  }

  /** The tenant annotation of a namespace of this (the leader) cluster, else the default. */
  #refTenant(namespace: string, fallback: string): Promise<string> {
    const ns = this.#deps.namespaces.get(namespace);
    return Promise.resolve(ns?.metadata?.annotations?.[TENANT_ANNOTATION] || fallback);
  }

  async #assignUuid(gc: GslbConfig): Promise<void> {
    const d = this.#deps;
    if (!d.writable()) {
      d.log.info('GSLBConfig has no amko-uuid annotation; waiting for the leader to assign one');
      return;
    }
    const uuid = randomUUID();
    const api = d.kubeConfig.makeApiClient(CustomObjectsApi);
    try {
      await api.patchNamespacedCustomObject(
        {
          group: GSLB_CONFIG.group,
          version: GSLB_CONFIG.version,
          plural: GSLB_CONFIG.plural,
          namespace: AVI_SYSTEM,
          name: gc.metadata?.name ?? '',
          body: { metadata: { annotations: { [AMKO_UUID_ANNOTATION]: uuid } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      d.log.info({ uuid }, 'assigned the amko-uuid annotation');
    } catch (err) {
      throw classifyKubeError(err, 'patch amko-uuid annotation');
    }
  }

  #applyLogLevel(gc: GslbConfig): void {
    const wanted = gc.spec?.logLevel;
    const level = wanted === undefined ? undefined : LEVELS[wanted];
    if (level !== undefined && this.#deps.log.level !== level) this.#deps.log.level = level;
  }
}
