/**
 * The asynchronous effects of leadership-step.ts, done for real: persisting epochs, the survey,
 * the catch-up, the pipeline's mode, the replicator and the follower service. Each resolves with
 * the event that tells the step how it went; a throw becomes a `failed` event in the role switch.
 * Nothing here decides anything: the order and the conditions are the step's.
 */
import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { Clock } from '../shared/clock.js';
import { AMKO_CLUSTER, type AmkoCluster } from '../shared/crd/amko-cluster.js';
import { AVI_SYSTEM } from '../shared/crd/common.js';
import type { FederationTls } from '../shared/federation/credentials.js';
import { supersedes, type EpochClaim } from '../shared/federation/epoch-rules.js';
import type { EpochStore } from '../shared/federation/epoch-store.js';
import type { Keepalive } from '../shared/federation/federation-names.js';
import { endpointsOf, peersOf, type Membership } from '../shared/federation/membership.js';
import type { FederationProto } from '../shared/federation/proto.js';
import type { Logger } from '../shared/telemetry/logger.js';
import { announceReturn } from '../follower/announce.js';
import { startFollower, type FollowerHandle } from '../follower/follower.js';
import {
  comparePositions,
  logOrigin,
  newLogId,
  NO_POSITION,
  type AppliedPosition,
} from '../shared/federation/log-position.js';
import { surveyEpochs, type MemberPosition } from '../leader/replicator/epoch-check.js';
import type { ReplicationStatus } from '../leader/replicator/member-status.js';
import { startReplicator, type ReplicatorHandle } from '../leader/replicator/replicator.js';
import { catchUpFrom, claimsSeen, memberAhead } from './catch-up.js';
import type { LeaderPipeline } from './leader-pipeline.js';
import type { AsyncEffect, Effect, Event } from './leadership-step.js';
import type { LeaseKeeper } from './lease-keeper.js';

export interface RoleEffectsDeps {
  kubeConfig: KubeConfig;
  proto: FederationProto;
  tls: FederationTls;
  pipeline: LeaderPipeline;
  clock: Clock;
  log: Logger;
  /** The AMKOCluster the role is taken from, as the role sees it. */
  amko: () => AmkoCluster | undefined;
  membership: () => Membership;
  epochs: () => Promise<EpochStore>;
  /** Feeds an event back into the step (replicator and follower callbacks). */
  dispatch: (e: Event) => void;
  /** Something worth writing to the status changed. */
  poke: () => void;
  surveyTimeoutMs?: number | undefined;
  keepalive?: Keepalive | undefined;
  pingIntervalMs?: number | undefined;
  leaderContactTimeoutMs?: number | undefined;
  /** The failover lease (spec.federation.autoFailover). */
  lease: LeaseKeeper;
}

const SYNC_EFFECTS: ReadonlySet<string> = new Set(['status', 'retry-after', 'log']);

/** An effect this class runs (the others the role switch applies at once). */
export function isAsyncEffect(fx: Effect): fx is AsyncEffect {
  return !SYNC_EFFECTS.has(fx.type);
}

/** A position as the log lines show it. */
const where = (p: { epoch: number; logId: string; revision: number }): string =>
  p.logId === '' ? 'nothing applied' : `epoch ${p.epoch}, log ${p.logId}, revision ${p.revision}`;

/** Members whose highest epoch the replicator has learnt. */
const heardOf = (s: ReplicationStatus): string[] =>
  s.members.filter((m) => m.heard === true).map((m) => m.cluster);

export class RoleEffects {
  readonly #deps: RoleEffectsDeps;
  readonly #log: Logger;
  follower: FollowerHandle | undefined;
  replicator: ReplicatorHandle | undefined;
  /** Where this cluster stood when it last stopped following: a promotion catches up from it. */
  #lastApplied: AppliedPosition | undefined;
  #positions: readonly MemberPosition[] = [];

  constructor(deps: RoleEffectsDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ component: 'leadership' });
  }

  async run(fx: AsyncEffect): Promise<Event> {
    switch (fx.type) {
      case 'persist-promotion':
        return this.#promote(fx.above);
      case 'persist-seen': {
        const store = await this.#deps.epochs();
        return { type: 'persisted', highest: await store.raise(fx.claim) };
      }
      case 'survey':
        return this.#survey(fx.claim);
      case 'catch-up':
        await this.#catchUp(fx.promoted);
        return { type: 'done', effect: 'catch-up' };
      case 'pipeline':
        await this.#pipelineMode(fx.mode, fx.epoch);
        return { type: 'done', effect: 'pipeline' };
      case 'replicator':
        await (fx.on && fx.claim ? this.#startReplicator(fx.claim) : this.#stopReplicator());
        return { type: 'done', effect: 'replicator' };
      case 'follower':
        await (fx.on ? this.#startFollower() : this.#stopFollower());
        return { type: 'done', effect: 'follower' };
      case 'acquire-lease':
        return this.#deps.lease.acquire(fx.claim);
      case 'take-lease':
        return this.#deps.lease.take(fx.above);
      case 'set-leader':
        await this.#setLeader(fx.isLeader);
        return { type: 'done', effect: 'set-leader' };
    }
  }

  /** Writes `spec.isLeader` of the AMKOCluster in force, so kubectl shows what this process does. */
  async #setLeader(isLeader: boolean): Promise<void> {
    const name = this.#deps.amko()?.metadata?.name;
    if (!name) throw new Error('no AMKOCluster to set isLeader on');
    const api = this.#deps.kubeConfig.makeApiClient(CustomObjectsApi);
    await api.patchNamespacedCustomObject(
      {
        group: AMKO_CLUSTER.group,
        version: AMKO_CLUSTER.version,
        plural: AMKO_CLUSTER.plural,
        namespace: AVI_SYSTEM,
        name,
        body: { spec: { isLeader } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    this.#log.warn({ isLeader }, `set spec.isLeader: ${isLeader} on AMKOCluster ${name}`);
  }

  /** Stops whatever runs, for shutdown. */
  async stop(): Promise<void> {
    await this.#stopReplicator();
    await this.#stopFollower();
    await this.#deps.pipeline.stop();
  }

  async #promote(above: EpochClaim): Promise<Event> {
    const store = await this.#deps.epochs();
    if (supersedes(above, store.highest())) await store.raise(above);
    const self = this.#deps.membership().self;
    const claim = await store.promote(self);
    return { type: 'persisted', highest: claim };
  }

  async #survey(claim: EpochClaim): Promise<Event> {
    const endpoints = endpointsOf(this.#deps.amko());
    const s = await surveyEpochs({
      endpoints,
      proto: this.#deps.proto,
      tls: this.#deps.tls,
      timeoutMs: this.#deps.surveyTimeoutMs ?? 3_000,
    });
    const peers = new Set(peersOf(this.#deps.membership()));
    const unheard = s.unreachable.map((u) => u.cluster).filter((c) => peers.has(c));
    this.#positions = s.positions;
    this.#log.info(
      { epoch: claim.epoch, highest: s.highest, answered: s.answered, unreachable: s.unreachable },
      unheard.length > 0
        ? `epoch survey: no answer from ${unheard.join(', ')}; epoch unverified until they answer`
        : 'epoch survey done',
    );
    // Every claim a member reports, not only the highest: a tie hides behind a higher one.
    const leaders = [...claimsSeen(s.positions), ...s.claims.filter((c) => c.epoch > 0)];
    return { type: 'surveyed', highest: s.highest, unheard, leaders };
  }

  /**
   * A member ahead of us on the old log: its replicas first, before any write (catch-up.ts). Our
   * own position is where we stood when we last followed in this process; a take-over that took
   * a new epoch also goes by the position recorded in the epoch store (before a restart too). A
   * catch-up records the position it fetched: what this cluster holds is at least that, also
   * once it leads, and it tells a later promotion so if it is demoted.
   */
  async #catchUp(promoted: boolean): Promise<void> {
    const store = await this.#deps.epochs();
    const recorded = store.applied();
    const own =
      this.#lastApplied ??
      (promoted ? (recorded.logId !== '' ? recorded : NO_POSITION) : undefined);
    if (!own) return;
    const ahead = memberAhead(own, this.#positions, this.#deps.membership().self);
    if (!ahead) {
      this.#log.info(
        { own, members: this.#positions },
        'no member is ahead of us: nothing to catch up',
      );
    } else {
      // The fetch overwrites the replicas that witness our position: record it first.
      await store.settle();
      const done = await this.#fetchFrom(own, ahead);
      if (comparePositions(done, recorded) === 1) await store.recordApplied(done);
    }
    this.#lastApplied = undefined;
  }

  /** Fetches and applies the replicas of `ahead`; resolves with the position they stood for. */
  async #fetchFrom(own: AppliedPosition, ahead: MemberPosition): Promise<AppliedPosition> {
    this.#log.warn(
      { own, ahead },
      `${ahead.cluster} is ahead of us (${where(ahead)}; ours: ${where(own)}): fetching its replicas before writing`,
    );
    const done = await catchUpFrom(
      {
        kubeConfig: this.#deps.kubeConfig,
        proto: this.#deps.proto,
        tls: this.#deps.tls,
        endpoints: endpointsOf(this.#deps.amko()),
        log: this.#log,
        timeoutMs: this.#deps.surveyTimeoutMs ?? 3_000,
      },
      own,
      ahead,
    );
    const { contents, ...summary } = done;
    this.#log.info(summary, `caught up from ${done.from} at revision ${done.revision}`);
    // The warm pipeline must plan from what was just written, not from its older cache.
    if (!(await this.#deps.pipeline.holds(contents, 10_000))) {
      this.#log.warn('the pipeline did not see the caught-up objects within 10 s; going on');
    }
    return done.position;
  }

  async #pipelineMode(mode: 'off' | 'standby' | 'active', epoch: number): Promise<void> {
    const p = this.#deps.pipeline;
    if (mode === 'off') await p.stop();
    else if (mode === 'standby') await p.standby();
    else {
      await this.#recordLeading(epoch);
      await p.activate(epoch);
    }
    // A pass already good (a warm standby) is good for the new mode too: say so at once.
    this.#deps.dispatch({ type: 'pass', ok: mode !== 'off' && p.lastSyncOk() });
  }

  /**
   * Before the first write at `epoch`: the position recorded names this cluster as a leader at
   * that epoch (a log of its own with nothing in it), so that a take-over surveying it later,
   * even fenced and restarted, sees that it wrote at that epoch (catch-up.ts claimsSeen).
   */
  async #recordLeading(epoch: number): Promise<void> {
    const store = await this.#deps.epochs();
    const self = this.#deps.membership().self;
    const recorded = store.applied();
    if (recorded.epoch === epoch && logOrigin(recorded.logId)?.leader === self) return;
    const logId = newLogId(await store.nextLogSequence(), self, 'writing');
    await store.recordApplied({ leader: self, epoch, logId, revision: 0 });
  }

  async #startReplicator(claim: EpochClaim): Promise<void> {
    const d = this.#deps;
    const logSequence = await (await d.epochs()).nextLogSequence();
    const replicator = await startReplicator({
      logSequence,
      kubeConfig: d.kubeConfig,
      proto: d.proto,
      tls: d.tls,
      claim,
      membership: d.membership,
      endpoints: endpointsOf(d.amko()),
      clock: d.clock,
      log: d.log,
      ...(d.keepalive ? { keepalive: d.keepalive } : {}),
      ...(d.pingIntervalMs ? { pingIntervalMs: d.pingIntervalMs } : {}),
      onStatus: (status) => {
        d.dispatch({ type: 'heard', members: heardOf(status) });
        d.poke();
      },
      onFenced: (by) => {
        d.dispatch({ type: 'higher-epoch', by, source: 'refusal' });
      },
    });
    this.replicator = replicator;
    d.pipeline.view.sendTo((o) => {
      replicator.wrote(o);
    });
    // What this cluster holds is now its own log's source: a later take-over of ours must not
    // fetch anything older over it (catch-up.ts), so the position recorded says so.
    const at = { leader: claim.leader, epoch: claim.epoch, logId: replicator.logId, revision: 0 };
    await (await d.epochs()).recordApplied(at);
    d.dispatch({ type: 'heard', members: heardOf(replicator.status()) });
  }

  async #stopReplicator(): Promise<void> {
    const r = this.replicator;
    this.replicator = undefined;
    this.#deps.pipeline.view.sendTo(undefined);
    await r?.stop();
  }

  async #startFollower(): Promise<void> {
    const d = this.#deps;
    this.follower = await startFollower({
      kubeConfig: d.kubeConfig,
      epochs: await d.epochs(),
      membership: d.membership,
      clock: d.clock,
      log: d.log,
      onApplied: () => {
        d.poke();
      },
      ...(d.leaderContactTimeoutMs === undefined
        ? {}
        : { leaderContactTimeoutMs: d.leaderContactTimeoutMs }),
      onContactChanged: () => {
        d.poke();
      },
      onControllerView: (objects) => {
        d.pipeline.view.received(objects);
      },
    });
  }

  /**
   * The server now answers with `handler`: once the follower's handler is in place, the other
   * members are told it serves again (a leader in its reconnect backoff reconnects at once).
   */
  handlerInstalled(handler: unknown): void {
    const f = this.follower;
    if (!f || handler !== f.handler || this.#announced === f) return;
    this.#announced = f;
    const d = this.#deps;
    void announceReturn({
      proto: d.proto,
      tls: d.tls,
      endpoints: endpointsOf(d.amko()),
      log: d.log,
    });
  }

  #announced: FollowerHandle | undefined;

  async #stopFollower(): Promise<void> {
    const f = this.follower;
    if (!f) return;
    this.follower = undefined;
    await f.stop();
    this.#lastApplied = f.status().applied;
  }
}
