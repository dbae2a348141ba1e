/** Settings and dependencies of one running GSLB pipeline (one accepted GSLBConfig). */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Clock } from '../../shared/clock.js';
import type { GlobalDeploymentPolicy } from '../../shared/crd/global-deployment-policy.js';
import type { GslbHostRule } from '../../shared/crd/gslb-host-rule.js';
import type { ResourceRef } from '../../shared/kube/status-writer.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { LeaderMetrics } from '../../shared/telemetry/metrics.js';
import type { EventSubject } from '../config/status-sink.js';
import type { AviGslbApi } from '../sync/avi-gslb-api.js';
import type { ControllerViewLink } from '../../shared/federation/controller-view.js';

export interface PipelineSettings {
  readonly amkoUuid: string;
  readonly defaultTenant: string;
  readonly customFqdn: boolean;
  readonly refreshIntervalMs: number;
  readonly memberClusters: readonly string[];
  readonly memberConfigs: ReadonlyMap<string, KubeConfig>;
}

export interface ObjectLister<T> {
  list(): readonly T[];
}

export interface PipelineDeps {
  readonly settings: PipelineSettings;
  readonly avi: AviGslbApi;
  readonly gdps: ObjectLister<GlobalDeploymentPolicy>;
  readonly ghrs: ObjectLister<GslbHostRule>;
  /** Whether the controller was the GSLB leader when the pipeline was built. */
  readonly controllerLeader: boolean;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: LeaderMetrics;
  /** Tenant for references of a GDP/GSLBHostRule in `namespace`. */
  refTenant(namespace: string): Promise<string>;
  /** Writes a status unless the object already shows it; the caller gates it on writability. */
  writeStatus(
    ref: ResourceRef,
    obj: KubernetesObject,
    status: Record<string, unknown>,
  ): Promise<void>;
  /** Writes the GSLBConfig `status.state`. */
  setState(state: string): Promise<void>;
  /** Records an Event about an object of the leader cluster (a GDP, a GSLBHostRule). */
  event(about: EventSubject, reason: string, message: string, warning: boolean): void;
  /** Records an Event about the GSLBConfig in force. */
  gslbConfigEvent(reason: string, message: string, warning: boolean): void;
  /** Reports a member cluster's health change (events, logs). */
  clusterHealth(cluster: string, healthy: boolean, error: string | undefined): void;
  /** Leader-level permission to write: active, not fenced. */
  writable(): boolean;
  epoch(): number;
  /** Called when an object on the controller carries a higher epoch than ours. */
  fence(reason: string): void;
  /** Told when `lastSyncOk()` changes (bootup done, a key failing or recovered, leadership). */
  onSyncState?(ok: boolean): void;
  readonly gsWorkers?: number;
  /**
   * Delay for retries whose disposition is `slow` (controller 5xx, maintenance), and the first
   * retry delay of a write the controller refuses (doubled up to minutes).
   */
  readonly slowRetryMs?: number;
  /** How long bootup waits for member clusters to list before going on without them. */
  readonly syncTimeoutMs?: number;
  /**
   * Where the pipeline tells what it wrote (to the replicator), and a hot standby takes what its
   * leader wrote (from the follower).
   */
  readonly view?: ControllerViewLink | undefined;
}
