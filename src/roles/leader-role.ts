/**
 * The leader side of the role switch. Taking up leadership: the epoch (resumed after a restart,
 * else promoted to the highest seen + 1 and persisted first), a survey of every member for a
 * higher epoch (bounded; `epoch unverified` when nobody answers), then the leader pipeline
 * writing at that epoch, then the replicator. Learning of a winning claim at any point (survey,
 * a follower's refusal, a higher leader dialling in, a higher epoch stamped on the controller)
 * fences it at once: no controller writes, no replication, the claim persisted, status `fenced`.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../shared/clock.js';
import type { AmkoCluster } from '../shared/crd/amko-cluster.js';
import type { FederationTls } from '../shared/federation/credentials.js';
import { isFencedBy, supersedes, type EpochClaim } from '../shared/federation/epoch-rules.js';
import type { EpochStore } from '../shared/federation/epoch-store.js';
import { HEALTH_SERVICES, type Keepalive } from '../shared/federation/federation-names.js';
import type { FederationServer } from '../shared/federation/federation-server.js';
import { endpointsOf, peersOf, type Membership } from '../shared/federation/membership.js';
import type { FederationProto } from '../shared/federation/proto.js';
import type { Logger } from '../shared/telemetry/logger.js';
import { surveyEpochs, type MemberPosition } from '../leader/replicator/epoch-check.js';
import type { AppliedPosition } from '../follower/replication-session.js';
import { catchUpFrom, memberAhead } from './catch-up.js';
import { LeaderFederationHandler } from '../leader/replicator/leader-federation-handler.js';
import type { ReplicationStatus } from '../leader/replicator/member-status.js';
import { startReplicator, type ReplicatorHandle } from '../leader/replicator/replicator.js';
import { fencedMessage, leadershipAtStart } from './leadership.js';
import type { LeaderPipeline } from './leader-pipeline.js';

export interface LeaderRoleDeps {
  kubeConfig: KubeConfig;
  server: FederationServer;
  proto: FederationProto;
  tls: FederationTls;
  standby: 'hot' | 'cold';
  pipeline: LeaderPipeline;
  membership: () => Membership;
  clock: Clock;
  log: Logger;
  /** Something worth reporting changed (status, health). */
  report(): void;
  /** Runs `fn` after the role change in progress (the role switch's queue). */
  onSettle(fn: () => Promise<void>): void;
  /** Bounded wait of the epoch survey. */
  surveyTimeoutMs?: number;
  /** HTTP/2 keepalive of the channels to followers (`--federation-keepalive-ms`). */
  keepalive?: Keepalive | undefined;
  /** Ping on an idle replication stream this often (`--replication-ping-ms`). */
  pingIntervalMs?: number | undefined;
}

export type LeaderPhase =
  | { readonly kind: 'none' }
  | { readonly kind: 'promoting'; readonly claim: EpochClaim }
  | {
      readonly kind: 'leader';
      readonly claim: EpochClaim;
      readonly replicator: ReplicatorHandle;
      /** Members that have not told us their highest epoch yet (survey, then replication). */
      readonly unheard: readonly string[];
      readonly endpoints: string;
    }
  | {
      readonly kind: 'fenced';
      readonly claim: EpochClaim | undefined;
      readonly by: EpochClaim | undefined;
      readonly reason: string;
    };

interface Fence {
  readonly by: EpochClaim | undefined;
  readonly reason: string;
}

const endpointsKey = (amko: AmkoCluster): string => JSON.stringify(endpointsOf(amko));

/** Members whose highest epoch the replicator has learnt. */
const heardOf = (s: ReplicationStatus): Set<string> =>
  new Set(s.members.filter((m) => m.heard === true).map((m) => m.cluster));

export class LeaderRole {
  readonly #deps: LeaderRoleDeps;
  readonly #log: Logger;
  #phase: LeaderPhase = { kind: 'none' };
  #fence: Fence | undefined;
  #epochs: EpochStore | undefined;
  #self = '';
  /** The claim of a take-over that failed half-way (persisted already): the retry resumes it. */
  #unfinished: EpochClaim | undefined;

  constructor(deps: LeaderRoleDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ component: 'leadership' });
  }

  phase(): LeaderPhase {
    return this.#phase;
  }

  /** True on an unfenced leader that runs its replicator. */
  serving(): boolean {
    return this.#phase.kind === 'leader' && this.#fence === undefined;
  }

  /** True from the moment a winning claim is learnt until the role is given up. */
  isFenced(): boolean {
    return this.#fence !== undefined;
  }

  /** The leader pipeline found a higher epoch stamped on the controller. */
  fencedByController(reason: string): void {
    this.#onFenced(undefined, reason);
  }

  /** Leads as `amko` says; a no-op while already leading or fenced (endpoints are refreshed). */
  async lead(opts: {
    amko: AmkoCluster;
    epochs: EpochStore;
    self: string;
    booting: boolean;
    /** Where this cluster stood as a follower just before (absent after a restart). */
    applied?: AppliedPosition | undefined;
  }): Promise<void> {
    this.#epochs = opts.epochs;
    this.#self = opts.self;
    const p = this.#phase;
    if (p.kind === 'leader') return this.#refreshEndpoints(opts.amko, p);
    if (p.kind !== 'none') return;
    const start = this.#startOf(opts);
    if (start.kind === 'fenced') {
      this.#log.error({ by: start.by, reason: start.reason }, 'restarted fenced: staying fenced');
      this.#fence = { by: start.by, reason: start.reason };
      this.#phase = { kind: 'fenced', claim: undefined, by: start.by, reason: start.reason };
      await this.#settle();
      return;
    }
    const claim =
      start.kind === 'resume' ? start.claim : await this.#promote(opts.epochs, opts.self);
    try {
      await this.#takeOver(opts.amko, claim, {
        promoted: start.kind === 'promote',
        applied: opts.applied,
      });
      this.#unfinished = undefined;
    } catch (err) {
      await this.#abandon(claim);
      throw err;
    }
  }

  /** How to take up leadership now: finish an interrupted take-over, decide at boot, or promote. */
  #startOf(opts: {
    amko: AmkoCluster;
    epochs: EpochStore;
    self: string;
    booting: boolean;
  }): ReturnType<typeof leadershipAtStart> | { readonly kind: 'promote' } {
    const unfinished = this.#unfinished;
    if (unfinished && opts.epochs.highest().epoch === unfinished.epoch) {
      return { kind: 'resume', claim: unfinished };
    }
    if (opts.booting) return leadershipAtStart(opts.amko.status, opts.epochs.highest(), opts.self);
    return { kind: 'promote' };
  }

  /**
   * A take-over failed half-way. Fenced meanwhile: it stays fenced (a retry must never promote
   * past the winner). Otherwise back to no role, remembering the persisted claim for the retry.
   */
  async #abandon(claim: EpochClaim): Promise<void> {
    const p = this.#phase;
    if (p.kind === 'leader') await p.replicator.stop();
    const fence = this.#fence;
    if (fence) {
      this.#phase = { kind: 'fenced', claim, by: fence.by, reason: fence.reason };
      this.#deps.server.setHandler(this.#handler(claim));
      return;
    }
    this.#phase = { kind: 'none' };
    this.#deps.server.setHandler(undefined);
    this.#unfinished = claim;
    if (this.#deps.standby === 'hot') await this.#deps.pipeline.standby();
    else await this.#deps.pipeline.stop();
  }

  /** Gives leadership up (demotion or no AMKOCluster): replication stops, the handler goes. */
  async stop(): Promise<void> {
    const p = this.#phase;
    this.#phase = { kind: 'none' };
    this.#fence = undefined;
    this.#unfinished = undefined;
    if (p.kind === 'leader') await p.replicator.stop();
    if (p.kind !== 'none') {
      this.#deps.server.setHandler(undefined);
      this.#log.info({ was: p.kind }, 'leadership given up');
    }
  }

  async #promote(epochs: EpochStore, self: string): Promise<EpochClaim> {
    const claim = await epochs.promote(self);
    this.#log.info({ epoch: claim.epoch }, `promoted: epoch ${claim.epoch} persisted`);
    return claim;
  }

  async #takeOver(
    amko: AmkoCluster,
    first: EpochClaim,
    how: { promoted: boolean; applied: AppliedPosition | undefined },
  ): Promise<void> {
    const promoted = how.promoted;
    let claim = first;
    if (!promoted) this.#log.info({ epoch: claim.epoch }, 'resuming leadership at persisted epoch');
    this.#fence = undefined;
    this.#enterPromoting(claim);
    let survey = await this.#survey(amko, claim);
    if (survey.higher && promoted && !this.#fence && this.#epochs) {
      // Our record was stale: an explicit promotion goes above what the members have seen.
      await this.#epochs.raise(survey.higher);
      claim = await this.#promote(this.#epochs, this.#self);
      this.#enterPromoting(claim);
      survey = await this.#survey(amko, claim);
    }
    if (survey.higher) this.#onFenced(survey.higher, fencedMessage(survey.higher));
    if (this.#fence) return this.#settle();
    if (how.applied) await this.#catchUp(amko, how.applied, survey.positions);
    if (this.#fence) return this.#settle();
    await this.#deps.pipeline.activate(claim.epoch);
    if (this.#fence) return this.#settle();
    const replicator = await this.#startReplicator(amko, claim);
    const unheard = survey.unheard.filter((c) => !heardOf(replicator.status()).has(c));
    this.#phase = {
      kind: 'leader',
      claim,
      replicator,
      unheard,
      endpoints: endpointsKey(amko),
    };
    this.#log.info({ epoch: claim.epoch, unverified: unheard }, 'leading');
    if (this.#fence) return this.#settle();
    this.#deps.report();
  }

  /** A member ahead of us on the old log: its replicas first, before any write (catch-up.ts). */
  async #catchUp(
    amko: AmkoCluster,
    own: AppliedPosition,
    positions: readonly MemberPosition[],
  ): Promise<void> {
    const ahead = memberAhead(own, positions);
    if (!ahead) {
      this.#log.info({ own, members: positions }, 'no member is ahead of us: nothing to catch up');
      return;
    }
    this.#log.warn(
      { own, ahead },
      `${ahead.cluster} is ahead of us (revision ${ahead.revision} > ${own.revision}): fetching its replicas before writing`,
    );
    const done = await catchUpFrom(
      {
        kubeConfig: this.#deps.kubeConfig,
        proto: this.#deps.proto,
        tls: this.#deps.tls,
        endpoints: endpointsOf(amko),
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
  }

  #enterPromoting(claim: EpochClaim): void {
    this.#phase = { kind: 'promoting', claim };
    this.#deps.server.setHandler(this.#handler(claim));
    this.#deps.report();
  }

  async #survey(
    amko: AmkoCluster,
    claim: EpochClaim,
  ): Promise<{
    higher: EpochClaim | undefined;
    unheard: string[];
    positions: readonly MemberPosition[];
  }> {
    const endpoints = endpointsOf(amko);
    const s = await surveyEpochs({
      endpoints,
      proto: this.#deps.proto,
      tls: this.#deps.tls,
      timeoutMs: this.#deps.surveyTimeoutMs ?? 3_000,
    });
    const peers = new Set(peersOf(this.#deps.membership()));
    const unheard = s.unreachable.map((u) => u.cluster).filter((c) => peers.has(c));
    this.#log.info(
      { epoch: claim.epoch, highest: s.highest, answered: s.answered, unreachable: s.unreachable },
      unheard.length > 0
        ? `epoch survey: no answer from ${unheard.join(', ')}; epoch unverified until they answer`
        : 'epoch survey done',
    );
    const higher = isFencedBy(claim, s.highest) ? s.highest : undefined;
    return { higher, unheard, positions: s.positions };
  }

  #startReplicator(amko: AmkoCluster, claim: EpochClaim): Promise<ReplicatorHandle> {
    const d = this.#deps;
    return startReplicator({
      kubeConfig: d.kubeConfig,
      proto: d.proto,
      tls: d.tls,
      claim,
      membership: d.membership,
      endpoints: endpointsOf(amko),
      server: d.server,
      clock: d.clock,
      log: d.log,
      ...(d.keepalive ? { keepalive: d.keepalive } : {}),
      ...(d.pingIntervalMs ? { pingIntervalMs: d.pingIntervalMs } : {}),
      onStatus: (status) => {
        this.#heardFrom(status);
        d.report();
      },
      onFenced: (by) => {
        this.#onFenced(by, fencedMessage(by));
      },
    });
  }

  /** Members reachable again after the survey: their answer clears `epoch unverified`. */
  #heardFrom(status: ReplicationStatus): void {
    const p = this.#phase;
    if (p.kind !== 'leader' || p.unheard.length === 0) return;
    const heard = heardOf(status);
    const unheard = p.unheard.filter((c) => !heard.has(c));
    if (unheard.length === p.unheard.length) return;
    this.#phase = { ...p, unheard };
    this.#log.info(
      { epoch: p.claim.epoch, unheard },
      unheard.length === 0
        ? 'every member answered: epoch verified'
        : `epoch still unverified: no answer from ${unheard.join(', ')}`,
    );
  }

  async #refreshEndpoints(
    amko: AmkoCluster,
    p: Extract<LeaderPhase, { kind: 'leader' }>,
  ): Promise<void> {
    const key = endpointsKey(amko);
    if (key === p.endpoints || this.#fence) return;
    this.#log.info(
      { endpoints: endpointsOf(amko) },
      'federation endpoints changed: replicating anew',
    );
    await p.replicator.stop();
    const replicator = await this.#startReplicator(amko, p.claim);
    this.#phase = { ...p, replicator, endpoints: key };
    if (this.#fence) await this.#settle();
  }

  /** The Federation handler while leading or fenced: GetState answers, Replicate is refused. */
  #handler(claim: EpochClaim): LeaderFederationHandler {
    return new LeaderFederationHandler({
      claim,
      membership: this.#deps.membership,
      fencedBy: () => (this.#fence ? (this.#fence.by ?? claim) : undefined),
      position: () => ({ logId: '', revision: 0 }),
      onFenced: (by) => {
        this.#onFenced(by, fencedMessage(by));
      },
      log: this.#log,
    });
  }

  /** Fences at once (synchronously), then settles the role on the queue. */
  #onFenced(by: EpochClaim | undefined, reason: string): void {
    if (this.#phase.kind === 'none') return;
    const current = this.#fence;
    if (current) {
      if (by && (!current.by || supersedes(by, current.by))) {
        this.#fence = { by, reason };
        this.#deps.onSettle(() => this.#settle());
      }
      return;
    }
    this.#fence = { by, reason };
    this.#deps.pipeline.fence(reason);
    this.#deps.server.health.setStatus(HEALTH_SERVICES.leader, 'NOT_SERVING');
    this.#deps.server.health.setStatus(HEALTH_SERVICES.federation, 'NOT_SERVING');
    this.#log.error({ by, reason }, `fenced: ${reason}; no controller writes, no replication`);
    this.#deps.report();
    this.#deps.onSettle(() => this.#settle());
  }

  /** Brings the role to `fenced`: replicator stopped, pipeline read-only, claim persisted. */
  async #settle(): Promise<void> {
    const fence = this.#fence;
    const p = this.#phase;
    if (!fence || p.kind === 'none') return;
    if (p.kind === 'fenced') {
      this.#phase = { ...p, by: fence.by, reason: fence.reason };
    } else {
      if (p.kind === 'leader') await p.replicator.stop();
      this.#phase = { kind: 'fenced', claim: p.claim, by: fence.by, reason: fence.reason };
    }
    if (this.#deps.standby === 'hot') await this.#deps.pipeline.standby();
    else await this.#deps.pipeline.stop();
    const claim = this.#phase.kind === 'fenced' ? this.#phase.claim : undefined;
    this.#deps.server.setHandler(this.#handler(claim ?? { epoch: 0, leader: this.#self }));
    this.#deps.server.health.setStatus(HEALTH_SERVICES.federation, 'NOT_SERVING');
    this.#deps.server.health.setStatus(HEALTH_SERVICES.leader, 'NOT_SERVING');
    if (fence.by) await this.#epochs?.raise(fence.by);
    this.#deps.report();
  }
}
