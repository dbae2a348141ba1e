/**
 * The live role switch: follows the AMKOCluster in avi-system and runs this process as a
 * follower (Federation service taking replicas, plus the leader pipeline read-only in hot
 * standby), a leader (epoch, survey, controller writes, replication) or a fenced leader, changing
 * role in place. What to do is decided by the pure step in leadership-step.ts; this class feeds it
 * events, does its effects (role-effects.ts for the asynchronous ones) and is the one owner of the
 * Federation handler and every health status, which it derives from the step's state alone.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Meter } from '@opentelemetry/api';
import { Backoff } from '../shared/backoff.js';
import type { Clock } from '../shared/clock.js';
import {
  type AmkoCluster,
  type AmkoClusterStatus,
  validateAmkoCluster,
} from '../shared/crd/amko-cluster.js';
import { AVI_SYSTEM } from '../shared/crd/common.js';
import { messageOf } from '../shared/errors.js';
import type { FederationTls } from '../shared/federation/credentials.js';
import { maxClaim, type EpochClaim } from '../shared/federation/epoch-rules.js';
import { NO_POSITION } from '../shared/federation/log-position.js';
import { AmkoClusterEpochStore, type EpochStore } from '../shared/federation/epoch-store.js';
import { HEALTH_SERVICES, type Keepalive } from '../shared/federation/federation-names.js';
import type {
  FederationHandler,
  FederationServer,
} from '../shared/federation/federation-server.js';
import { endpointsOf, membershipOf } from '../shared/federation/membership.js';
import type { FederationProto } from '../shared/federation/proto.js';
import type { StatusWriter } from '../shared/kube/status-writer.js';
import type { Logger } from '../shared/telemetry/logger.js';
import type { AviTls } from '../leader/config/bootstrap.js';
import { ReplicaWriter } from '../follower/replica-writer.js';
import { LeaderFederationHandler } from '../leader/replicator/leader-federation-handler.js';
import { chooseAmkoCluster, ONLY_ONE_AMKO_CLUSTER } from './amko-cluster-choice.js';
import { reportExtras } from './extra-amko-clusters.js';
import { registerFederationMetrics } from './federation-metrics.js';
import { LeaderPipeline } from './leader-pipeline.js';
import {
  frontOf,
  initialState,
  ROLE_RETRY,
  step,
  type AsyncEffect,
  type Effect,
  type Event,
  type Front,
  type LeadershipState,
  type Wanted,
} from './leadership-step.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { autoFailoverIn, leaseKeeperOf, leaseModeOf } from './lease-wiring.js';
import { isAsyncEffect, RoleEffects } from './role-effects.js';
import { desiredStatusPatch, roleViewOf, type RoleView } from './role-status.js';
import {
  FEDERATION_NEEDS_TLS,
  federationNotice,
  peersNamed,
  SINGLE_SITE_TLS,
  singleSiteView,
} from './single-site.js';
import { StatusReporter, type StatusTarget } from './status-reporter.js';

export interface RoleSwitchDeps {
  kubeConfig: KubeConfig;
  /** This process's cluster context (`--context`), when the AMKOCluster does not say. */
  context: string;
  server: FederationServer;
  proto: FederationProto;
  /** Federation transport; undefined: single-site (no federation listener, no peers dialled). */
  tls: FederationTls | undefined;
  standby: 'hot' | 'cold';
  /** amko version (User-Agent towards the controller). */
  version: string;
  aviTls: AviTls;
  meter?: Meter | undefined;
  statusWriter: StatusWriter;
  clock: Clock;
  log: Logger;
  /** Coalescing interval of AMKOCluster status writes. */
  statusIntervalMs?: number;
  /** Bounded wait of the epoch survey. */
  surveyTimeoutMs?: number;
  /** HTTP/2 keepalive of the channels to followers (`--federation-keepalive-ms`). */
  keepalive?: Keepalive | undefined;
  /** Ping on an idle replication stream this often (`--replication-ping-ms`). */
  pingIntervalMs?: number | undefined;
  /** A follower with no message from its leader for this long shows it unreachable. */
  leaderContactTimeoutMs?: number;
}

export class RoleSwitch {
  readonly #deps: RoleSwitchDeps;
  readonly #log: Logger;
  readonly #reporter: StatusReporter;
  readonly #pipeline: LeaderPipeline;
  readonly #effects: RoleEffects;
  readonly #lease: LeaseKeeper;
  #state: LeadershipState;
  #clusters: readonly AmkoCluster[] = [];
  /** uid of the AMKOCluster the current role was taken from. */
  #inForceUid: string | undefined;
  #epochs: { uid: string; store: Promise<EpochStore> } | undefined;
  #inFlight: Promise<void> = Promise.resolve();
  #stopping = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  /** Reads of the AMKOCluster's epoch store that failed in a row. */
  readonly #unreadable = new Backoff(ROLE_RETRY);
  #lastSay = '';
  /** The single-site notice last logged ('' for none). */
  #noticeSaid = '';
  #front: Front | undefined;
  /** uid of the AMKOCluster whose epoch store is loaded. */
  #ready: string | undefined;
  /** The federation endpoints last seen, to notice a change. */
  #endpoints: string | undefined;

  constructor(deps: RoleSwitchDeps) {
    this.#deps = deps;
    this.#log = deps.log;
    this.#state = initialState(deps.context, deps.standby, { epoch: 0, leader: '' });
    this.#reporter = new StatusReporter({
      writer: deps.statusWriter,
      compute: () => this.#statusTarget(),
      clock: deps.clock,
      log: deps.log,
      minIntervalMs: deps.statusIntervalMs ?? 500,
    });
    this.#pipeline = new LeaderPipeline({
      kubeConfig: deps.kubeConfig,
      context: deps.context,
      version: deps.version,
      aviTls: deps.aviTls,
      meter: deps.meter,
      clock: deps.clock,
      log: deps.log,
      isFenced: () => this.#state.fence !== undefined,
      onFenced: (reason) => {
        this.#dispatch({ type: 'higher-epoch', by: undefined, source: 'controller', reason });
      },
      onSyncState: (ok) => {
        this.#dispatch({ type: 'pass', ok });
      },
    });
    this.#lease = leaseKeeperOf({
      ...deps,
      pipeline: this.#pipeline,
      amko: () => this.#amko,
      state: () => this.#state,
      follower: () => this.#effects.follower,
      dispatch: (e) => {
        this.#dispatch(e);
      },
      poke: () => {
        this.#reporter.poke();
      },
    });
    this.#effects = new RoleEffects({
      lease: this.#lease,
      kubeConfig: deps.kubeConfig,
      proto: deps.proto,
      tls: deps.tls ?? SINGLE_SITE_TLS,
      pipeline: this.#pipeline,
      clock: deps.clock,
      log: deps.log,
      amko: () => this.#roleAmko,
      membership: () => membershipOf(this.#roleAmko),
      epochs: () => this.#epochStore(),
      dispatch: (e) => {
        this.#dispatch(e);
      },
      poke: () => {
        this.#reporter.poke();
      },
      surveyTimeoutMs: deps.surveyTimeoutMs,
      keepalive: deps.keepalive,
      pingIntervalMs: deps.pingIntervalMs,
      leaderContactTimeoutMs: deps.leaderContactTimeoutMs,
    });
    if (deps.meter) registerFederationMetrics(deps.meter, () => this.#view());
  }

  /** The AMKOClusters in avi-system changed (or were first listed). */
  update(clusters: readonly AmkoCluster[]): void {
    this.#clusters = clusters;
    this.#reporter.poke();
    if (this.#stopping) return;
    const { inForce: amko, extras } = chooseAmkoCluster(clusters, this.#inForceUid);
    void reportExtras(extras, this.#deps.statusWriter, this.#log);
    if (!amko) {
      this.#say(
        clusters.length === 0
          ? 'no AMKOCluster in avi-system; waiting for one before taking any role'
          : `${ONLY_ONE_AMKO_CLUSTER}; taking no role`,
      );
      this.#dispatch({ type: 'wanted', wanted: { kind: 'none' } });
      return;
    }
    const uid = amko.metadata?.uid;
    const changed = uid !== this.#inForceUid;
    this.#inForceUid = uid;
    this.#sayNotice(amko);
    const isLeader = amko.spec?.isLeader === true;
    this.#say(
      isLeader
        ? 'AMKOCluster says isLeader: true; leading'
        : 'AMKOCluster says isLeader: false; following',
      { isLeader },
    );
    if (changed) this.#state = { ...this.#state, self: this.#self(amko) };
    const wanted: Wanted = isLeader ? { kind: 'lead', status: amko.status } : { kind: 'follow' };
    if (changed) {
      // The epochs recorded in this AMKOCluster come first: the boot decision reads them, so
      // nothing is decided for it (whatever else arrives) until they are loaded.
      this.#ready = undefined;
      void this.#epochStore().then(
        (store) => {
          if (this.#inForceUid !== uid) return;
          this.#ready = uid;
          this.#unreadable.reset();
          this.#dispatch({ type: 'loaded', highest: store.highest() });
          this.update(this.#clusters);
        },
        (err: unknown) => {
          this.#log.error({ err: messageOf(err) }, 'AMKOCluster unreadable; retrying');
          this.#epochs = undefined;
          this.#inForceUid = undefined;
          this.#retryUpdate();
        },
      );
      return;
    }
    if (this.#ready !== uid) return;
    this.#dispatch({ type: 'auto-failover', enabled: autoFailoverIn(amko).enabled });
    this.#dispatch({ type: 'wanted', wanted });
    const endpoints = JSON.stringify(endpointsOf(this.#roleAmko));
    if (endpoints !== this.#endpoints) {
      if (this.#endpoints !== undefined) {
        this.#log.info({ endpoints }, 'federation endpoints changed: replicating anew');
      }
      this.#endpoints = endpoints;
      this.#dispatch({ type: 'endpoints' });
    }
  }

  /** Stops whatever runs, in order, after the effect in progress. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#retry) clearTimeout(this.#retry);
    await this.#inFlight;
    await this.#lease.stop();
    await this.#effects.stop();
    this.#log.debug('stopping: leader pipeline stopped');
    await this.#reporter.stop();
    this.#deps.server.setHandler(undefined);
  }

  /** Applies one event: the step decides, this does what it says. */
  #dispatch(e: Event): void {
    if (this.#stopping) return;
    const { state, effects } = step(this.#state, e);
    this.#state = state;
    for (const fx of effects) this.#do(fx);
    this.#applyFront();
    this.#lease.setMode(leaseModeOf(this.#state));
  }

  #do(fx: Effect): void {
    if (isAsyncEffect(fx)) {
      this.#runAsync(fx);
      return;
    }
    switch (fx.type) {
      case 'log':
        this.#log
          .child({ component: 'leadership' })
          [fx.level]({ epoch: this.#state.claim?.epoch, role: this.#state.role }, fx.msg);
        return;
      case 'status':
        this.#reporter.poke();
        return;
      case 'retry-after':
        this.#retry = setTimeout(() => {
          this.#retry = undefined;
          this.#dispatch({ type: 'retry' });
        }, fx.ms);
        return;
    }
  }

  #runAsync(fx: AsyncEffect): void {
    this.#inFlight = this.#effects.run(fx).then(
      (done) => {
        this.#dispatch(done);
      },
      (err: unknown) => {
        this.#dispatch({ type: 'failed', effect: fx.type, error: messageOf(err) });
      },
    );
  }

  /** The handler and health statuses the state implies, set when they change. */
  #applyFront(): void {
    const front = frontOf(this.#state);
    const handler = this.#handlerFor(front);
    const prev = this.#front;
    const health = this.#deps.server.health;
    this.#deps.server.setHandler(handler);
    this.#effects.handlerInstalled(handler);
    if (prev?.federation !== front.federation) {
      health.setStatus(HEALTH_SERVICES.federation, front.federation ? 'SERVING' : 'NOT_SERVING');
    }
    if (prev?.leader !== front.leader) {
      health.setStatus(HEALTH_SERVICES.leader, front.leader ? 'SERVING' : 'NOT_SERVING');
      if (prev !== undefined || front.leader) {
        this.#log.info(
          { serving: front.leader },
          front.leader ? 'leader in sync: amko.leader SERVING' : 'amko.leader NOT_SERVING',
        );
      }
    }
    this.#front = front;
  }

  #handlerFor(front: Front): FederationHandler | undefined {
    switch (front.handler) {
      case 'none':
        return undefined;
      case 'follower':
        return this.#effects.follower?.handler;
      case 'leader':
        return this.#effects.replicator?.handler ?? this.#leaderHandler(front.claim);
      case 'fenced':
        return this.#leaderHandler(front.claim);
    }
  }

  /** The Federation handler while taking over or fenced: GetState answers, Replicate refused. */
  #leaderHandler(claim: EpochClaim | undefined): FederationHandler {
    const own = claim ?? { epoch: 0, leader: this.#state.self };
    const h = this.#handler;
    if (h && h.claim.epoch === own.epoch && h.claim.leader === own.leader) return h.handler;
    const handler = new LeaderFederationHandler({
      claim: own,
      membership: () => membershipOf(this.#roleAmko),
      fencedBy: () => (this.#state.fence ? (this.#state.fence.by ?? own) : undefined),
      position: () => this.#loaded?.applied() ?? NO_POSITION,
      highest: () => maxClaim(this.#state.highest, this.#state.learnt),
      onFenced: (by) => {
        this.#dispatch({ type: 'higher-epoch', by, source: 'peer' });
      },
      log: this.#log.child({ component: 'leadership' }),
    });
    this.#handler = { claim: own, handler };
    return handler;
  }

  #handler: { claim: EpochClaim; handler: FederationHandler } | undefined;

  #retryUpdate(): void {
    if (this.#stopping || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.update(this.#clusters);
    }, this.#unreadable.next());
  }

  get #amko(): AmkoCluster | undefined {
    return chooseAmkoCluster(this.#clusters, this.#inForceUid).inForce;
  }

  /** The AMKOCluster as the role sees it: in single-site mode, this cluster alone. */
  get #roleAmko(): AmkoCluster | undefined {
    const amko = this.#amko;
    return amko && !this.#deps.tls ? singleSiteView(amko) : amko;
  }

  /** Single-site mode with an AMKOCluster naming other clusters: the problem, else undefined. */
  #notice(amko: AmkoCluster | undefined): ReturnType<typeof federationNotice> {
    return this.#deps.tls ? undefined : federationNotice(peersNamed(amko));
  }

  #say(msg: string, extra: Record<string, unknown> = {}): void {
    if (msg === this.#lastSay) return;
    this.#lastSay = msg;
    this.#log.info(extra, msg);
  }

  /** Logs once when single-site amko is asked to federate, and once when that is over. */
  #sayNotice(amko: AmkoCluster): void {
    const notice = this.#notice(amko);
    const key = notice?.message ?? '';
    if (key === this.#noticeSaid) return;
    this.#noticeSaid = key;
    if (notice) {
      this.#log.warn({ peers: peersNamed(amko) }, notice.message ?? FEDERATION_NEEDS_TLS);
    } else {
      this.#log.info('AMKOCluster names only this cluster: single-site, federation off');
    }
  }

  #self(amko: AmkoCluster | undefined): string {
    return amko?.spec?.clusterContext || this.#deps.context;
  }

  #epochStore(): Promise<EpochStore> {
    const amko = this.#amko;
    const uid = amko?.metadata?.uid ?? '';
    if (this.#epochs?.uid === uid) return this.#epochs.store;
    this.#loaded = undefined;
    const store = AmkoClusterEpochStore.load({
      kubeConfig: this.#deps.kubeConfig,
      status: this.#deps.statusWriter,
      namespace: AVI_SYSTEM,
      name: amko?.metadata?.name ?? '',
      witnessed: () => new ReplicaWriter(this.#deps.kubeConfig).witnessedPosition(),
    });
    this.#epochs = { uid, store };
    void store.then(
      (s) => {
        if (this.#epochs?.uid === uid) this.#loaded = s;
      },
      () => undefined,
    );
    return store;
  }

  /** The epoch store once loaded (what the take-over handler reports as our position). */
  #loaded: EpochStore | undefined;

  #view(): RoleView {
    const fx = this.#effects;
    return roleViewOf(this.#state, fx.follower?.status(), fx.replicator?.status());
  }

  #statusTarget(): StatusTarget | undefined {
    const amko = this.#amko;
    if (!amko?.metadata?.name || this.#stopping) return undefined;
    const uid = amko.metadata.uid ?? '';
    const last = this.#reporter.lastWritten;
    const previous = last?.uid === uid ? (last.patch as AmkoClusterStatus) : amko.status;
    const patch = desiredStatusPatch({
      view: this.#view(),
      validation: validateAmkoCluster(amko, { selfCluster: this.#deps.context }).condition,
      previous,
      now: new Date(this.#deps.clock.now()).toISOString(),
      notice: this.#notice(amko),
      lease: this.#state.autoFailover ? this.#lease.view : undefined,
    });
    return patch && { namespace: AVI_SYSTEM, name: amko.metadata.name, uid, patch };
  }
}
