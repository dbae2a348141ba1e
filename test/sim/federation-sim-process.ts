/**
 * One amko process of the federation simulation, run by the real steps: leadership-step.ts for
 * its role, the leader's session-step.ts for each follower it replicates to, the follower's
 * session-step.ts for each stream it takes. What the runners do with I/O (epoch store, survey,
 * catch-up, kube writes, streams) is done here on the simulated disk and network, the way
 * role-effects.ts, peer-driver.ts and follower-service.ts do it. The disk (epoch store, status
 * role, replicated objects and applied position) survives a crash; everything else does not.
 * Only the simulation and its tests import this file.
 */
import { Metadata, status as Status } from '@grpc/grpc-js';
import { maxClaim, type EpochClaim } from '../../src/shared/federation/epoch-rules.js';
import type { Membership } from '../../src/shared/federation/membership.js';
import {
  comparePositions,
  logOrigin,
  newLogId,
  NO_POSITION,
  type AppliedPosition,
} from '../../src/shared/federation/log-position.js';
import type { MemberPosition } from '../../src/leader/replicator/epoch-check.js';
import { claimsSeen, memberAhead } from '../../src/roles/catch-up.js';
import type { Stream } from './federation-sim-net.js';
import type { Ack, Oracle } from './federation-sim-oracle.js';
import { appliedOf, settle, type Disk } from './federation-sim-disk.js';
import { SimFollower } from './federation-sim-follower.js';
import { SimLeader } from './federation-sim-leader.js';
import type {
  AsyncEffect,
  Effect,
  Event,
  LeadershipState,
} from '../../src/roles/leadership-step.js';
import {
  frontOf,
  initialState,
  step as leadershipStep,
  violations,
} from '../../src/roles/leadership-step.js';

export const VERSION = 'v1';

/** What a process needs from the rest of the simulation. */
export interface SimWorld {
  readonly oracle: Oracle;
  readonly clusters: readonly string[];
  readonly now: number;
  proc(name: string): SimProcess;
  can(a: string, b: string): boolean;
  isLeader(name: string): boolean;
  openStream(leader: string, follower: string, logId: string): Stream;
  violation(message: string): void;
  count(what: 'writeFailures' | 'leadersNotFetched' | 'witnessedWrites' | 'witnessAnswers'): void;
}

export class SimProcess {
  readonly name: string;
  readonly disk: Disk = {
    highest: { epoch: 0, leader: '' },
    statusRole: undefined,
    statusEpoch: undefined,
    objects: new Map(),
    position: NO_POSITION,
    witnesses: new Map(),
    logSequence: 0,
  };
  incarnation = 0;
  lead: LeadershipState;
  pending: AsyncEffect | undefined;
  retryTimer = false;
  readonly leader: SimLeader;
  following = false;
  readonly follower: SimFollower;
  lastApplied: AppliedPosition | undefined;
  positions: MemberPosition[] = [];
  /** Acks of the members the last survey heard, as they stood then. */
  required: Ack[] = [];
  /** The position the last catch-up went by. */
  caughtUpFrom: AppliedPosition | undefined;
  /** The take-over heard every member before it started writing (its epoch verified). */
  verified = false;
  /** The highest claim this incarnation learnt of (its store included). */
  knows: EpochClaim = { epoch: 0, leader: '' };
  readonly #world: SimWorld;

  constructor(world: SimWorld, name: string) {
    this.#world = world;
    this.name = name;
    this.lead = initialState(name, 'hot', this.disk.highest);
    this.leader = new SimLeader(world, this);
    this.follower = new SimFollower(world, this);
  }

  get membership(): Membership {
    return { self: this.name, clusters: this.#world.clusters, version: VERSION };
  }

  /** A (re)start: nothing of memory is left; the AMKOCluster and the epoch store are read. */
  boot(): void {
    this.incarnation++;
    this.lead = initialState(this.name, 'hot', this.disk.highest);
    this.pending = undefined;
    this.retryTimer = false;
    this.leader.reset();
    this.following = false;
    this.follower.reset();
    this.positions = [];
    this.required = [];
    this.knows = this.disk.highest;
    this.lastApplied = undefined;
    this.dispatch({ type: 'loaded', highest: this.disk.highest });
    this.wantedChanged();
  }

  wantedChanged(): void {
    const lead = this.#world.isLeader(this.name);
    const d = this.disk;
    const status = d.statusRole
      ? { role: d.statusRole, ...(d.statusEpoch === undefined ? {} : { epoch: d.statusEpoch }) }
      : undefined;
    this.dispatch({
      type: 'wanted',
      wanted: lead ? { kind: 'lead', status } : { kind: 'follow' },
    });
  }

  learn(claim: EpochClaim | undefined): void {
    if (claim) this.knows = maxClaim(this.knows, claim);
  }

  /** One leadership step, checked, and its effects. */
  dispatch(e: Event): void {
    const before = this.lead;
    if (e.type === 'persisted' || e.type === 'loaded' || e.type === 'surveyed')
      this.learn(e.highest);
    if (e.type === 'higher-epoch') this.learn(e.by);
    const r = leadershipStep(before, e);
    this.lead = r.state;
    for (const v of violations(r.state)) this.#world.violation(`${this.name} leadership: ${v}`);
    if (!before.mayWrite && r.state.mayWrite) this.#startsWriting();
    for (const fx of r.effects) this.#effect(fx);
  }

  /** The take-over starts writing: it must hold what every member it heard had acked. */
  #startsWriting(): void {
    const claim = this.lead.claim;
    this.verified = this.lead.unheard.length === 0;
    const { oracle } = this.#world;
    for (const { line } of oracle.lost(this.disk.objects, this.required))
      this.#world.violation(`${this.name} writes at ${claim?.epoch ?? '?'}: ${line}`);
    if (claim) oracle.supersededBy(claim);
  }

  #effect(fx: Effect): void {
    if (fx.type === 'status') this.#status();
    else if (fx.type === 'retry-after') this.retryTimer = true;
    else if (fx.type !== 'log') {
      if (this.pending)
        this.#world.violation(`${this.name}: ${fx.type} while ${this.pending.type} in flight`);
      this.pending = fx;
    }
  }

  /** What role-status.ts would record: a follower, a leader replicating, or fenced. */
  #status(): void {
    const s = this.lead;
    if (s.role === 'follower') this.disk.statusRole = 'follower';
    else if (s.role === 'fenced') this.disk.statusRole = 'fenced';
    else if (s.role === 'leader' && s.claim && s.replicating) {
      this.disk.statusRole = 'leader';
      this.disk.statusEpoch = s.claim.epoch;
    }
  }

  /** Completes the leadership effect in flight (role-effects.ts); `ok` false fails it. */
  completeEffect(ok: boolean): void {
    const fx = this.pending;
    if (!fx) return;
    this.pending = undefined;
    if (!ok && fx.type !== 'pipeline' && fx.type !== 'replicator' && fx.type !== 'follower') {
      this.dispatch({ type: 'failed', effect: fx.type, error: 'simulated failure' });
      return;
    }
    const answer = this.#run(fx);
    if (answer) this.dispatch(answer);
  }

  #run(fx: AsyncEffect): Event | undefined {
    switch (fx.type) {
      case 'persist-promotion': {
        const highest = maxClaim(this.disk.highest, fx.above);
        this.disk.highest = { epoch: highest.epoch + 1, leader: this.name };
        return { type: 'persisted', highest: this.disk.highest };
      }
      case 'persist-seen':
        this.disk.highest = maxClaim(this.disk.highest, fx.claim);
        return { type: 'persisted', highest: this.disk.highest };
      case 'survey':
        return this.#survey();
      case 'catch-up':
        return this.#catchUp(fx.promoted);
      case 'pipeline':
        if (fx.mode === 'active') this.#recordLeading(fx.epoch);
        this.dispatch({ type: 'pass', ok: fx.mode !== 'off' });
        return { type: 'done', effect: 'pipeline' };
      case 'replicator':
        if (fx.on && fx.claim) this.leader.start(fx.claim);
        else this.leader.stop();
        return { type: 'done', effect: 'replicator' };
      case 'follower':
        if (fx.on) {
          this.following = true;
          this.follower.reset();
        } else this.#stopFollowing();
        return { type: 'done', effect: 'follower' };
      case 'acquire-lease':
      case 'take-lease':
      case 'set-leader':
        // The simulated sites run without autoFailover: the lease plays no part.
        this.#world.violation(`${this.name}: ${fx.type} asked with autoFailover off`);
        return undefined;
    }
  }

  /** role-effects.ts: before the first write, the recorded position names us leader. */
  #recordLeading(epoch: number): void {
    const p = appliedOf(this.disk);
    if (p.epoch === epoch && logOrigin(p.logId)?.leader === this.name) return;
    const logId = newLogId(++this.disk.logSequence, this.name, 'writing');
    this.disk.position = { leader: this.name, epoch, logId, revision: 0 };
  }

  #stopFollowing(): void {
    const status = {
      code: Status.UNAVAILABLE,
      details: 'follower stopping',
      metadata: new Metadata(),
    };
    this.follower.stopAll(status);
    this.following = false;
    this.lastApplied = appliedOf(this.disk);
  }

  /** What GetState answers (epoch-check.ts reads it), or undefined when nothing serves it. */
  getState(): { highest: EpochClaim; position: MemberPosition } | undefined {
    const front = frontOf(this.lead);
    if (front.handler === 'follower' && this.following) {
      const p = appliedOf(this.disk);
      if (p !== this.disk.position) this.#world.count('witnessAnswers');
      const position = {
        cluster: this.name,
        logId: p.logId,
        epoch: p.epoch,
        revision: p.revision,
        role: 'follower',
      };
      return { highest: this.disk.highest, position };
    }
    if (front.handler !== 'leader' && front.handler !== 'fenced') return undefined;
    const own = front.claim ?? { epoch: 0, leader: this.name };
    const fencedBy = this.lead.fence ? (this.lead.fence.by ?? own) : undefined;
    const log = this.leader.log;
    // Without a log of its own, role-switch.ts's handler reports the recorded position.
    const recorded = appliedOf(this.disk);
    const position = {
      cluster: this.name,
      logId: log ? log.logId : recorded.logId,
      epoch: log ? own.epoch : recorded.epoch,
      revision: log ? log.head : recorded.revision,
      role: fencedBy ? 'fenced' : 'leader',
    };
    // role-switch.ts's take-over handler reports the highest claim seen, not only its own.
    const seen = log ? own : maxClaim(own, maxClaim(this.lead.highest, this.lead.learnt));
    return { highest: fencedBy ? maxClaim(fencedBy, seen) : seen, position };
  }

  #survey(): Event {
    let highest: EpochClaim = { epoch: 0, leader: '' };
    const unheard: string[] = [];
    const heard: string[] = [this.name];
    const claims: EpochClaim[] = [];
    this.positions = [];
    for (const c of this.#world.clusters) {
      if (c === this.name) continue;
      const answer = this.#world.can(this.name, c) ? this.#world.proc(c).getState() : undefined;
      if (!answer) {
        unheard.push(c);
        continue;
      }
      // catch-up.ts fetches from followers only: a member answering as a leader keeps its own.
      if (answer.position.role === 'follower') heard.push(c);
      else this.#world.count('leadersNotFetched');
      highest = maxClaim(highest, answer.highest);
      claims.push(answer.highest);
      this.positions.push(answer.position);
    }
    this.required = this.#world.oracle.acksOf(heard);
    const leaders = [...claimsSeen(this.positions), ...claims.filter((c) => c.epoch > 0)];
    return { type: 'surveyed', highest, unheard, leaders };
  }

  /**
   * role-effects.ts: the replicas of the member furthest ahead of us, before any write; a
   * take-over that took an epoch goes by the recorded position too. The position fetched is
   * recorded.
   */
  #catchUp(promoted: boolean): Event {
    const done: Event = { type: 'done', effect: 'catch-up' };
    const recorded = appliedOf(this.disk);
    const own = this.lastApplied ?? (promoted ? recorded : undefined);
    this.caughtUpFrom = own;
    if (!own) return done;
    const ahead = memberAhead(own, this.positions, this.name);
    if (ahead) {
      // The fetch overwrites the replicas that witness our position: it is recorded first.
      settle(this.disk);
      const member = this.#world.proc(ahead.cluster);
      const serves = frontOf(member.lead).handler === 'follower' && member.following;
      if (!this.#world.can(this.name, ahead.cluster) || !serves)
        return { type: 'failed', effect: 'catch-up', error: `${ahead.cluster} unreachable` };
      this.disk.objects = new Map(member.disk.objects);
      // Written with marks that witness nothing; those left unchanged witness no more than the
      // position just recorded, so dropping them all changes nothing.
      this.disk.witnesses.clear();
      const fetched = appliedOf(member.disk);
      if (comparePositions(fetched, recorded) === 1) this.disk.position = fetched;
    }
    this.lastApplied = undefined;
    return done;
  }
}
