/**
 * The member clusters of the accepted GSLBConfig: started at once when reachable, otherwise
 * retried with backoff until they answer; watched for health so that a cluster going away and
 * coming back is reported (its informers re-list and re-watch on their own).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { Backoff, doubling, type Random } from '../../shared/backoff.js';
import type { Clock } from '../../shared/clock.js';
import { messageOf } from '../../shared/errors.js';
import type { MemberObjectKey } from '../../shared/keys.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { MemberCluster } from '../ingestion/member-cluster.js';

export interface MemberClusterSetDeps {
  readonly configs: ReadonlyMap<string, KubeConfig>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly onKey: (key: MemberObjectKey) => void;
  /** A cluster finished its first full list (at start or after being unreachable at start). */
  readonly onSynced: (cluster: string) => void;
  /** A cluster's health changed. */
  readonly onHealth: (cluster: string, healthy: boolean, error: string | undefined) => void;
  readonly healthPollMs?: number;
  /** Cap of the delay between starts of an unreachable cluster (from 500 ms, doubling). */
  readonly maxRetryMs?: number;
  /** Random source of that delay's equal jitter (default `Math.random`). */
  readonly random?: Random;
}

/** First delay before starting an unreachable cluster again. */
const START_RETRY_MS = 500;

export class MemberClusterSet {
  readonly #deps: MemberClusterSetDeps;
  readonly #clusters = new Map<string, MemberCluster>();
  readonly #health = new Map<string, boolean>();
  readonly #stop = new AbortController();
  readonly #loops: Promise<void>[] = [];

  constructor(deps: MemberClusterSetDeps) {
    this.#deps = deps;
    for (const [name, kubeConfig] of deps.configs) {
      this.#clusters.set(
        name,
        new MemberCluster({
          cluster: name,
          kubeConfig,
          clock: deps.clock,
          log: deps.log,
          onKey: deps.onKey,
        }),
      );
    }
  }
  /** A namespace of a member cluster: its labels and the tenant its annotation names. */
  namespaceInfo(
    cluster: string,
    name: string,
  ): { labels: Record<string, string>; tenant: string | undefined } | undefined {
    const ns = this.#clusters.get(cluster)?.namespace(name);
    if (!ns) return undefined;
    const tenant = ns.metadata?.annotations?.['ako.vmware.com/tenant-name'];
    return { labels: { ...ns.metadata?.labels }, tenant: tenant || undefined };
  }

  get(name: string): MemberCluster | undefined {
    const mc = this.#clusters.get(name);
    return mc?.started ? mc : undefined;
  }

  started(): MemberCluster[] {
    return [...this.#clusters.values()].filter((m) => m.started);
  }

  /** Clusters whose caches are not (yet) filled. */
  unsynced(): string[] {
    return [...this.#clusters.values()].filter((m) => !m.synced).map((m) => m.cluster);
  }

  /** Starts every cluster; unreachable ones keep being retried in the background. */
  start(): void {
    for (const mc of this.#clusters.values()) this.#loops.push(this.#run(mc));
    this.#loops.push(this.#watchHealth());
  }

  /** Waits until every started-or-starting cluster synced, or `timeoutMs` passed. */
  async waitForSync(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const deadline = this.#deps.clock.now() + timeoutMs;
    while (this.unsynced().length > 0 && this.#deps.clock.now() < deadline && !signal.aborted) {
      await this.#deps.clock.sleep(50, signal).catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.#stop.abort(new Error('member clusters stopped'));
    await Promise.all(this.#loops);
    await Promise.all([...this.#clusters.values()].map((m) => m.stop()));
  }

  async #run(mc: MemberCluster): Promise<void> {
    const signal = this.#stop.signal;
    const cap = this.#deps.maxRetryMs ?? 30_000;
    const backoff = new Backoff(doubling(START_RETRY_MS, cap, 'equal'), this.#deps.random);
    while (!signal.aborted && !mc.started) {
      try {
        await mc.start();
      } catch (err) {
        this.#report(mc.cluster, false, messageOf(err));
        await this.#deps.clock.sleep(backoff.next(), signal).catch(() => undefined);
      }
    }
    if (signal.aborted) return;
    await mc.waitForSync(signal).catch(() => undefined);
    if (!signal.aborted) this.#deps.onSynced(mc.cluster);
  }

  async #watchHealth(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      for (const mc of this.#clusters.values()) {
        if (mc.started && mc.synced) this.#report(mc.cluster, mc.healthy, mc.lastError);
      }
      await this.#deps.clock.sleep(this.#deps.healthPollMs ?? 1000, signal).catch(() => undefined);
    }
  }

  #report(cluster: string, healthy: boolean, error: string | undefined): void {
    if (this.#health.get(cluster) === healthy) return;
    this.#health.set(cluster, healthy);
    this.#deps.onHealth(cluster, healthy, error);
  }
}
