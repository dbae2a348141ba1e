/**
 * The leader's replicator: watches the leader's own GSLBConfig, GDP and GSLBHostRule objects
 * into a revisioned log and runs one session per follower listed in the AMKOCluster's
 * `spec.federation.endpoints`. While it runs, this cluster's Federation service refuses replicas
 * (it leads). A follower or another leader naming a winning claim fences it: every session stops
 * and `onFenced` is told once.
 */
import type { WrittenObject } from '../../shared/federation/controller-view.js';
import { randomUUID } from 'node:crypto';
import { newLogId } from '../../shared/federation/log-position.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { backoffDelay, doubling, paceOfRetry } from '../../shared/backoff.js';
import type { Clock } from '../../shared/clock.js';
import type { Retry } from '../../shared/errors.js';
import type { FederationTls } from '../../shared/federation/credentials.js';
import type { EpochClaim } from '../../shared/federation/epoch-rules.js';
import { federationClient, type PeerEndpoint } from '../../shared/federation/federation-client.js';
import {
  HEALTH_SERVICES,
  SNAPSHOT_CHUNK_BYTES,
  type Keepalive,
} from '../../shared/federation/federation-names.js';
import type {
  FederationHandler,
  FederationServer,
} from '../../shared/federation/federation-server.js';
import type { Membership } from '../../shared/federation/membership.js';
import type { FederationProto } from '../../shared/federation/proto.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { LeaderFederationHandler } from './leader-federation-handler.js';
import type { ReplicationStatus } from './member-status.js';
import { PeerDriver } from './peer-driver.js';
import { ReplicationLog } from './replication-log.js';
import { SourceWatch } from './source-watch.js';

export interface ReplicatorDeps {
  /** The leader's own API server (the objects to replicate). */
  kubeConfig: KubeConfig;
  proto: FederationProto;
  tls: FederationTls;
  /** Our claim: this cluster and the epoch it was promoted to (already persisted). */
  claim: EpochClaim;
  membership: () => Membership;
  /** The followers to dial (`spec.federation.endpoints`). */
  endpoints: readonly PeerEndpoint[];
  /** When given, the replicator installs the leader's Federation handler on it. */
  server?: Pick<FederationServer, 'setHandler' | 'health'>;
  clock: Clock;
  log: Logger;
  /** Told (coalesced) whenever a member's replication status changes. */
  onStatus?: (status: ReplicationStatus) => void;
  /** Told once, at once, when a winning claim is learnt: stop all controller writes. */
  onFenced: (by: EpochClaim) => void;
  /**
   * This log's place among the logs this cluster has started (persisted by the caller, raised at
   * every start); absent, the log id carries none and cannot be ordered against another log.
   */
  logSequence?: number;
  /** Log entries retained for deltas; a follower further behind gets a snapshot. */
  retain?: number;
  /** Revisions in flight per follower. */
  window?: number;
  pingIntervalMs?: number;
  /** HTTP/2 keepalive of the channels to followers (default `KEEPALIVE`). */
  keepalive?: Keepalive;
}

export interface ReplicatorHandle {
  readonly logId: string;
  /** The leader's Federation service handler: GetState answers, Replicate is refused. */
  readonly handler: FederationHandler;
  status(): ReplicationStatus;
  /** Sends an object the leader wrote to the controller to every follower streaming now. */
  wrote(o: WrittenObject): void;
  /** Stops every session and the watches, and uninstalls the leader's Federation handler. */
  stop(): Promise<void>;
}

/** Session retries of a broken stream or an unreachable peer. */
const SESSION_RETRY = doubling(200, 5_000);
/** Session retries after a refusal, whatever its class. */
const REFUSED_SESSION_RETRY_MS = 5_000;

/**
 * Backoff between attempts: exponential from 200 ms up to 5 s; 5 s after a refusal (a peer that
 * refused, e.g. an old leader not yet demoted, is asked again soon after an operator fixes it).
 */
export function replicationBackoff(attempt: number, retry: Retry): number {
  if (paceOfRetry(retry) !== 'fast') return REFUSED_SESSION_RETRY_MS;
  return backoffDelay(SESSION_RETRY, attempt - 1);
}

class Replicator implements ReplicatorHandle {
  readonly #deps: ReplicatorDeps;
  readonly #log: Logger;
  readonly #rlog: ReplicationLog;
  readonly #drivers: PeerDriver[];
  readonly #sources: SourceWatch;
  #fencedBy: EpochClaim | undefined;
  #reportPending = false;
  #handler: FederationHandler | undefined;

  constructor(deps: ReplicatorDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ component: 'replicator', epoch: deps.claim.epoch });
    const logId =
      deps.logSequence === undefined
        ? randomUUID()
        : newLogId(deps.logSequence, deps.claim.leader, randomUUID());
    this.#rlog = new ReplicationLog({ logId, retain: deps.retain ?? 4096 });
    this.#drivers = deps.endpoints.map((ep) => this.#driver(ep));
    this.#sources = new SourceWatch({
      kubeConfig: deps.kubeConfig,
      log: this.#rlog,
      clock: deps.clock,
      logger: this.#log,
      onAdvanced: () => {
        for (const d of this.#drivers) d.dispatch({ type: 'log-advanced' });
        this.#report();
      },
    });
  }

  get logId(): string {
    return this.#rlog.logId;
  }

  get handler(): FederationHandler {
    this.#handler ??= new LeaderFederationHandler({
      claim: this.#deps.claim,
      membership: this.#deps.membership,
      fencedBy: () => this.#fencedBy,
      position: () => ({ logId: this.#rlog.logId, revision: this.#rlog.head }),
      onFenced: (by) => {
        this.#fence(by);
      },
      onMemberAsked: (cluster) => {
        if (this.#drivers.find((d) => d.cluster === cluster)?.retryNow())
          this.#log.info(
            { peer: cluster },
            'member serves again: reconnecting now, not after the backoff',
          );
      },
      log: this.#log,
    });
    return this.#handler;
  }

  async start(signal?: AbortSignal): Promise<void> {
    this.#deps.server?.setHandler(this.handler);
    this.#sources.start();
    try {
      await this.#sources.synced(signal);
    } catch (err) {
      await this.stop();
      throw err;
    }
    for (const d of this.#drivers) d.start();
    if (!this.#fencedBy) this.#deps.server?.health.setStatus(HEALTH_SERVICES.federation, 'SERVING');
    const members = this.#deps.endpoints.map((e) => e.cluster);
    this.#log.info(
      { logId: this.#rlog.logId, objects: this.#rlog.objects().length, members },
      'replicating',
    );
  }

  wrote(o: WrittenObject): void {
    if (!this.#drivers.some((d) => d.streaming)) return;
    // Encoded once, whatever the number of followers.
    const encoded = this.#deps.proto.view.encode(o);
    for (const d of this.#drivers) d.wrote(encoded);
  }

  status(): ReplicationStatus {
    const head = this.#rlog.head;
    return {
      logId: this.#rlog.logId,
      revision: head,
      members: this.#drivers.map((d) => ({
        cluster: d.cluster,
        appliedRevision: d.state.acked,
        lag: head - d.state.acked,
        lastAckAt: d.state.lastAckAt,
        lastError: d.state.lastError,
        connected: d.state.phase === 'streaming',
        heard: d.state.heard === true,
        phase: d.state.phase,
      })),
      fencedBy: this.#fencedBy,
    };
  }

  async stop(): Promise<void> {
    for (const d of this.#drivers) d.stop();
    await this.#sources.stop();
    this.#deps.server?.setHandler(undefined);
    this.#deps.server?.health.setStatus(HEALTH_SERVICES.federation, 'NOT_SERVING');
    this.#log.info('replicator stopped');
  }

  #driver(ep: PeerEndpoint): PeerDriver {
    const deps = this.#deps;
    return new PeerDriver({
      cluster: ep.cluster,
      connect: () => federationClient(deps.proto, deps.tls, ep, deps.keepalive),
      context: {
        self: deps.claim,
        log: this.#rlog,
        window: deps.window ?? 256,
        snapshotChunkBytes: SNAPSHOT_CHUNK_BYTES,
        backoff: replicationBackoff,
      },
      version: deps.membership().version,
      clock: deps.clock,
      log: this.#log.child({ peer: ep.cluster }),
      pingIntervalMs: deps.pingIntervalMs ?? 15_000,
      view: deps.proto.view,
      onReport: () => {
        this.#report();
      },
      onFenced: (by) => {
        this.#fence(by);
      },
    });
  }

  #fence(by: EpochClaim): void {
    if (this.#fencedBy) return;
    this.#fencedBy = by;
    this.#log.error({ by }, `fenced: ${by.leader} leads at epoch ${by.epoch}; replication stopped`);
    for (const d of this.#drivers) d.dispatch({ type: 'fence', by });
    this.#deps.server?.health.setStatus(HEALTH_SERVICES.leader, 'NOT_SERVING');
    this.#deps.server?.health.setStatus(HEALTH_SERVICES.federation, 'NOT_SERVING');
    this.#deps.onFenced(by);
    this.#report();
  }

  /** Tells onStatus once per turn of the event loop, however many changes happened. */
  #report(): void {
    if (this.#reportPending || !this.#deps.onStatus) return;
    this.#reportPending = true;
    setImmediate(() => {
      this.#reportPending = false;
      this.#deps.onStatus?.(this.status());
    });
  }
}

/** Starts replicating once the leader's own objects have been listed. */
export async function startReplicator(
  deps: ReplicatorDeps,
  signal?: AbortSignal,
): Promise<ReplicatorHandle> {
  const replicator = new Replicator(deps);
  await replicator.start(signal);
  return replicator;
}
