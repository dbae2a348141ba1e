/**
 * Owns the one GSLB leader pipeline of the process across role changes: started read-only next to
 * the follower (hot standby), flipped to writing at an epoch on promotion, fenced, flipped back,
 * or stopped (cold standby, no AMKOCluster).
 */
import { readFileSync } from 'node:fs';
import type { HashedContent } from '../shared/federation/replicated-object.js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Meter } from '@opentelemetry/api';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/telemetry/logger.js';
import { startLeader, type LeaderConnection, type LeaderHandle } from '../leader/leader.js';
import type { AviTls } from '../leader/config/bootstrap.js';
import { ControllerViewLink } from '../shared/federation/controller-view.js';

export interface LeaderPipelineDeps {
  kubeConfig: KubeConfig;
  context: string;
  version: string;
  aviTls: AviTls;
  meter?: Meter | undefined;
  clock: Clock;
  log: Logger;
  /** Asked before every controller write: true once this cluster is fenced. */
  isFenced(): boolean;
  /** The pipeline found an object on the controller stamped with a higher epoch. */
  onFenced(reason: string): void;
  /** The pipeline's last sync became good or bad (health). */
  onSyncState?(ok: boolean): void;
}

/** The Avi controller TLS settings from the flags. */
export function aviTlsOf(flags: { aviCaFile?: string | undefined; aviInsecure: boolean }): AviTls {
  return {
    ...(flags.aviCaFile ? { ca: readFileSync(flags.aviCaFile) } : {}),
    ...(flags.aviInsecure ? { insecure: true } : {}),
  };
}

export class LeaderPipeline {
  readonly #deps: LeaderPipelineDeps;
  #handle: LeaderHandle | undefined;
  /** What the pipeline writes (to the replicator), what a hot standby's leader wrote (to it). */
  readonly view = new ControllerViewLink();

  constructor(deps: LeaderPipelineDeps) {
    this.#deps = deps;
  }

  get running(): boolean {
    return this.#handle !== undefined;
  }

  /** Runs read-only (starting it when needed). */
  async standby(): Promise<void> {
    if (this.#handle) await this.#handle.deactivate();
    else this.#handle = await this.#start('standby', 0);
  }

  /** Writes to the controller at `epoch` (starting it when needed). */
  async activate(epoch: number): Promise<void> {
    if (this.#handle) await this.#handle.activate(epoch);
    else this.#handle = await this.#start('active', epoch);
  }

  /** An active, unfenced pipeline whose last sync succeeded. */
  lastSyncOk(): boolean {
    return this.#handle?.lastSyncOk() === true;
  }

  /** The controller connection of the running pipeline (none while it starts or is off). */
  controller(): LeaderConnection | undefined {
    return this.#handle?.controller();
  }

  /** A warm pipeline's caches hold `expected` (a cold one lists afresh when it starts). */
  holds(expected: readonly HashedContent[], timeoutMs: number): Promise<boolean> {
    return this.#handle ? this.#handle.holds(expected, timeoutMs) : Promise.resolve(true);
  }

  async stop(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.stop();
  }

  #start(mode: 'active' | 'standby', epoch: number): Promise<LeaderHandle> {
    const d = this.#deps;
    return startLeader({
      kubeConfig: d.kubeConfig,
      context: d.context,
      log: d.log,
      clock: d.clock,
      epoch,
      isFenced: () => d.isFenced(),
      onFenced: (reason) => {
        d.onFenced(reason);
      },
      onSyncState: (ok) => {
        d.onSyncState?.(ok);
      },
      mode,
      version: d.version,
      aviTls: d.aviTls,
      view: this.view,
      ...(d.meter ? { meter: d.meter } : {}),
    });
  }
}
