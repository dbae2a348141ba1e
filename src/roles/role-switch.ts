/**
 * The live role switch: follows the AMKOCluster in avi-system and runs this process as a
 * follower (Federation service taking replicas, plus the leader pipeline read-only in hot
 * standby), a leader (epoch, survey, controller writes, replication) or a fenced leader, changing
 * role in place, one change at a time. It also keeps the `amko.leader` health status and the
 * AMKOCluster status up to date.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Meter } from '@opentelemetry/api';
import type { Clock } from '../shared/clock.js';
import {
  AMKO_CLUSTER,
  type AmkoCluster,
  type AmkoClusterStatus,
  validateAmkoCluster,
} from '../shared/crd/amko-cluster.js';
import { AVI_SYSTEM } from '../shared/crd/common.js';
import { messageOf } from '../shared/errors.js';
import type { FederationTls } from '../shared/federation/credentials.js';
import { AmkoClusterEpochStore, type EpochStore } from '../shared/federation/epoch-store.js';
import { HEALTH_SERVICES } from '../shared/federation/federation-names.js';
import { membershipOf } from '../shared/federation/membership.js';
import type { StatusWriter } from '../shared/kube/status-writer.js';
import type { Logger } from '../shared/telemetry/logger.js';
import { startFollower, type FollowerHandle } from '../follower/follower.js';
import type { AppliedPosition } from '../follower/replication-session.js';
import type { AviTls } from '../leader/config/bootstrap.js';
import {
  chooseAmkoCluster,
  EXTRA_AMKO_CLUSTER_CONDITION,
  ONLY_ONE_AMKO_CLUSTER,
} from './amko-cluster-choice.js';
import { registerFederationMetrics } from './federation-metrics.js';
import { LeaderPipeline } from './leader-pipeline.js';
import { LeaderRole, type LeaderRoleDeps, type LeaderPhase } from './leader-role.js';
import { desiredStatusPatch, type RoleView } from './role-status.js';
import { StatusReporter, type StatusTarget } from './status-reporter.js';
import {
  FEDERATION_NEEDS_TLS,
  federationNotice,
  peersNamed,
  SINGLE_SITE_TLS,
  singleSiteView,
} from './single-site.js';

export interface RoleSwitchDeps extends Omit<
  LeaderRoleDeps,
  'membership' | 'pipeline' | 'report' | 'onSettle' | 'log' | 'tls'
> {
  /** Federation transport; undefined: single-site (no federation listener, no peers dialled). */
  tls: FederationTls | undefined;
  /** A follower with no message from its leader for this long shows it unreachable. */
  leaderContactTimeoutMs?: number;
  kubeConfig: KubeConfig;
  /** This process's cluster context (`--context`), when the AMKOCluster does not say. */
  context: string;
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
}

type Phase = { readonly kind: 'none' } | { readonly kind: 'follower'; follower: FollowerHandle };

export class RoleSwitch {
  readonly #deps: RoleSwitchDeps;
  readonly #log: Logger;
  readonly #reporter: StatusReporter;
  readonly #leader: LeaderRole;
  readonly #pipeline: LeaderPipeline;
  #phase: Phase = { kind: 'none' };
  #clusters: readonly AmkoCluster[] = [];
  /** uid of the AMKOCluster the current role was taken from. */
  #inForceUid: string | undefined;
  #epochs: { uid: string; store: EpochStore } | undefined;
  #booting = true;
  #chain: Promise<void> = Promise.resolve();
  #queued = false;
  #stopping = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #lastSay = '';
  /** The single-site notice last logged ('' for none). */
  #noticeSaid = '';
  readonly #healthTimer: ReturnType<typeof setInterval>;
  #leaderServing = false;
  /** Where this cluster stood when it last stopped following: a promotion catches up from it. */
  #lastApplied: AppliedPosition | undefined;

  constructor(deps: RoleSwitchDeps) {
    this.#deps = deps;
    this.#log = deps.log;
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
      isFenced: () => this.#leader.isFenced(),
      onFenced: (reason) => {
        this.#leader.fencedByController(reason);
      },
    });
    this.#leader = new LeaderRole({
      ...deps,
      tls: deps.tls ?? SINGLE_SITE_TLS,
      pipeline: this.#pipeline,
      log: deps.log,
      membership: () => membershipOf(this.#roleAmko),
      report: () => {
        this.#reporter.poke();
        this.#refreshLeaderHealth();
      },
      onSettle: (fn) => {
        this.#enqueue(fn);
      },
    });
    if (deps.meter) {
      registerFederationMetrics(deps.meter, () => this.#view());
    }
    this.#healthTimer = setInterval(() => {
      this.#refreshLeaderHealth();
    }, 1_000);
  }

  /** The AMKOClusters in avi-system changed (or were first listed). */
  update(clusters: readonly AmkoCluster[]): void {
    this.#clusters = clusters;
    this.#reporter.poke();
    if (this.#queued || this.#stopping) return;
    this.#queued = true;
    this.#enqueue(async () => {
      this.#queued = false;
      await this.#apply();
    });
  }

  /** Stops whatever runs, in order, after the change in progress. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#healthTimer);
    if (this.#retry) clearTimeout(this.#retry);
    await this.#chain;
    await this.#leader.stop();
    if (this.#phase.kind === 'follower') await this.#phase.follower.stop();
    this.#phase = { kind: 'none' };
    await this.#pipeline.stop();
    this.#log.debug('stopping: leader pipeline stopped');
    await this.#reporter.stop();
    this.#deps.server.setHandler(undefined);
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

  #enqueue(fn: () => Promise<void>): void {
    this.#chain = this.#chain.then(fn).catch((err: unknown) => {
      this.#log.error({ err: messageOf(err) }, 'role change failed; retrying');
      this.#scheduleRetry();
    });
  }

  #scheduleRetry(): void {
    if (this.#stopping || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.update(this.#clusters);
    }, 2_000);
  }

  #say(msg: string, extra: Record<string, unknown> = {}): void {
    if (msg === this.#lastSay) return;
    this.#lastSay = msg;
    this.#log.info(extra, msg);
  }

  async #apply(): Promise<void> {
    if (this.#stopping) return;
    const { inForce: amko, extras } = chooseAmkoCluster(this.#clusters, this.#inForceUid);
    await this.#reportExtras(extras);
    if (!amko) {
      if (this.#clusters.length === 0) {
        this.#say('no AMKOCluster in avi-system; waiting for one before taking any role');
      } else {
        this.#say(`${ONLY_ONE_AMKO_CLUSTER}; taking no role`);
      }
      await this.#toNone();
      return;
    }
    this.#inForceUid = amko.metadata?.uid;
    this.#sayNotice(amko);
    const isLeader = amko.spec?.isLeader === true;
    this.#say(
      isLeader
        ? 'AMKOCluster says isLeader: true; leading'
        : 'AMKOCluster says isLeader: false; following',
      { isLeader },
    );
    const role = this.#deps.tls ? amko : singleSiteView(amko);
    if (isLeader) await this.#toLeader(role, this.#booting);
    else await this.#toFollower(role);
    // Only a role actually taken ends the boot: a retry after a failure decides as at boot.
    this.#booting = false;
    this.#reporter.poke();
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

  /** Marks every AMKOCluster but the one in force invalid (once); failures are only logged. */
  async #reportExtras(extras: readonly AmkoCluster[]): Promise<void> {
    for (const x of extras) {
      const name = x.metadata?.name ?? '';
      const shown = x.status?.conditions?.some(
        (c) => c.type === EXTRA_AMKO_CLUSTER_CONDITION.type && c.reason === ONLY_ONE_AMKO_CLUSTER,
      );
      if (shown === true) continue;
      this.#log.warn({ ignored: name }, `${ONLY_ONE_AMKO_CLUSTER}; ignoring ${name}`);
      await this.#deps.statusWriter
        .patchStatus(AMKO_CLUSTER, AVI_SYSTEM, name, { conditions: [EXTRA_AMKO_CLUSTER_CONDITION] })
        .catch((err: unknown) => {
          this.#log.warn({ name, err: messageOf(err) }, 'status write failed');
        });
    }
  }

  async #toNone(): Promise<void> {
    await this.#leader.stop();
    await this.#stopFollower();
    await this.#pipeline.stop();
    this.#deps.server.setHandler(undefined);
    this.#deps.server.health.setStatus(HEALTH_SERVICES.federation, 'NOT_SERVING');
    this.#refreshLeaderHealth();
  }

  async #stopFollower(): Promise<void> {
    if (this.#phase.kind !== 'follower') return;
    const { follower } = this.#phase;
    this.#phase = { kind: 'none' };
    await follower.stop();
    this.#lastApplied = follower.status().applied;
  }

  async #toFollower(amko: AmkoCluster): Promise<void> {
    if (this.#phase.kind === 'follower') return;
    await this.#leader.stop();
    if (this.#deps.standby === 'hot') await this.#pipeline.standby();
    else await this.#pipeline.stop();
    const epochs = await this.#epochStore(amko);
    const follower = await startFollower({
      server: this.#deps.server,
      kubeConfig: this.#deps.kubeConfig,
      epochs,
      membership: () => membershipOf(this.#roleAmko),
      clock: this.#deps.clock,
      log: this.#log,
      onApplied: () => {
        this.#reporter.poke();
      },
      ...(this.#deps.leaderContactTimeoutMs === undefined
        ? {}
        : { leaderContactTimeoutMs: this.#deps.leaderContactTimeoutMs }),
      onContactChanged: () => {
        this.#reporter.poke();
      },
    });
    this.#phase = { kind: 'follower', follower };
    this.#refreshLeaderHealth();
  }

  async #toLeader(amko: AmkoCluster, booting: boolean): Promise<void> {
    await this.#stopFollower();
    const epochs = await this.#epochStore(amko);
    await this.#leader.lead({
      amko,
      epochs,
      self: this.#self(amko),
      booting,
      applied: this.#lastApplied,
    });
    if (this.#leader.phase().kind === 'leader') this.#lastApplied = undefined;
  }

  #self(amko: AmkoCluster | undefined): string {
    return amko?.spec?.clusterContext || this.#deps.context;
  }

  async #epochStore(amko: AmkoCluster): Promise<EpochStore> {
    const uid = amko.metadata?.uid ?? '';
    if (this.#epochs?.uid === uid) return this.#epochs.store;
    const store = await AmkoClusterEpochStore.load({
      kubeConfig: this.#deps.kubeConfig,
      status: this.#deps.statusWriter,
      namespace: AVI_SYSTEM,
      name: amko.metadata?.name ?? '',
    });
    this.#epochs = { uid, store };
    return store;
  }

  #refreshLeaderHealth(): void {
    const serving = this.#leader.serving() && this.#pipeline.lastSyncOk();
    if (serving === this.#leaderServing) return;
    this.#leaderServing = serving;
    this.#deps.server.health.setStatus(HEALTH_SERVICES.leader, serving ? 'SERVING' : 'NOT_SERVING');
    this.#log.info(
      { serving },
      serving ? 'leader in sync: amko.leader SERVING' : 'amko.leader NOT_SERVING',
    );
  }

  #view(): RoleView {
    if (this.#phase.kind === 'follower') {
      return { phase: 'follower', follower: this.#phase.follower.status() };
    }
    return leaderView(this.#leader.phase());
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
    });
    return patch && { namespace: AVI_SYSTEM, name: amko.metadata.name, uid, patch };
  }
}

function leaderView(p: LeaderPhase): RoleView {
  switch (p.kind) {
    case 'none':
      return { phase: 'none' };
    case 'promoting':
      return { phase: 'promoting', claim: p.claim };
    case 'leader':
      return {
        phase: 'leader',
        claim: p.claim,
        replication: p.replicator.status(),
        unheard: p.unheard,
      };
    case 'fenced':
      return { phase: 'fenced', claim: p.claim, by: p.by, reason: p.reason };
  }
}
