/**
 * A seeded simulation of a whole federation: three amko processes run by the real leadership
 * step, the real leader session step and the real follower session step, over a network that
 * loses, duplicates and reorders messages across reconnects, partitions and heals, with
 * processes that crash (their disk survives) and an operator who promotes and demotes by
 * setting `isLeader`. Each action is chosen by one number of a list (so fast-check shrinks a
 * failing run to a short trace); every invariant is checked after every step:
 *
 * - the leadership invariants (leadership-step.ts `violations`) of every process, and the
 *   follower session invariants F1–F5 of every stream (follower/session-step.ts);
 * - the leader session's I1 and I3 (acked ≤ sent ≤ head, the window);
 * - at most one process writes to the controller per epoch (W1), and a process that has learnt
 *   of a higher claim never writes at its own again (W2);
 * - a follower records applied revisions in order, never one twice (D1), and acks only what it
 *   holds of the stream's log (D2); what it applies is exactly the leader's log (D3);
 * - no acknowledged revision is lost (A1): a take-over starts writing holding everything each
 *   member it heard had acked (what a member it could not hear acked is lost by design: no
 *   quorum; the logs of leaders it supersedes end there).
 *
 * Only tests and the chaos experiment import this file.
 */
import { supersedes } from '../../src/shared/federation/epoch-rules.js';
import { Reach, unavailable, type Stream } from './federation-sim-net.js';
import { Oracle } from './federation-sim-oracle.js';
import { seededRandom } from '../../src/sim/avi-controller/seeded-random.js';
import { SimFaults } from './federation-sim-faults.js';
import { SimProcess, type SimWorld } from './federation-sim-process.js';
import { emptyStats, type Action } from './federation-sim-stats.js';

export { emptyStats, type SimStats } from './federation-sim-stats.js';

type Category =
  'deliver' | 'complete' | 'timer' | 'pass' | 'edit' | 'fault' | 'crash' | 'restart' | 'operator';

const WEIGHTS: readonly [Category, number][] = [
  ['deliver', 45],
  ['complete', 20],
  ['timer', 8],
  ['pass', 6],
  ['edit', 9],
  ['fault', 6],
  ['crash', 1],
  ['restart', 4],
  ['operator', 2],
];

const KEYS = ['a', 'b', 'c', 'd'];

export class FederationSim implements SimWorld {
  readonly oracle = new Oracle();
  readonly clusters: readonly string[];
  readonly stats = emptyStats();
  readonly violations: string[] = [];
  readonly trace: string[] = [];
  now = 0;
  readonly #reach = new Reach();
  readonly #procs = new Map<string, SimProcess>();
  readonly #leaders = new Set<string>();
  #streams: Stream[] = [];
  #nextStream = 0;
  readonly #random: () => number;
  /** The highest epoch stamped on the controller, and who wrote at each epoch. */
  #stamp = 0;
  readonly #writers = new Map<number, Map<string, boolean>>();
  readonly #faults: SimFaults;

  constructor(opts: { seed: number; clusters?: readonly string[] }) {
    this.clusters = opts.clusters ?? ['c1', 'c2', 'c3'];
    this.#random = seededRandom(opts.seed);
    for (const c of this.clusters) this.#procs.set(c, new SimProcess(this, c));
    this.#faults = new SimFaults({
      reach: this.#reach,
      procs: [...this.#procs.values()],
      leaders: this.#leaders,
      stats: this.stats,
      random: this.#random,
    });
    const first = this.clusters[0] ?? 'c1';
    this.#leaders.add(first);
    for (const p of this.#procs.values()) p.boot();
  }

  proc(name: string): SimProcess {
    const p = this.#procs.get(name);
    if (!p) throw new Error(`no process ${name}`);
    return p;
  }

  can(a: string, b: string): boolean {
    return this.#reach.can(a, b);
  }

  isLeader(name: string): boolean {
    return this.#leaders.has(name);
  }

  violation(message: string): void {
    this.violations.push(`step ${this.now}: ${message}`);
  }

  count(what: 'writeFailures' | 'leadersNotFetched' | 'witnessedWrites' | 'witnessAnswers'): void {
    this.stats[what]++;
  }

  openStream(leader: string, follower: string, logId: string): Stream {
    const s: Stream = {
      id: ++this.#nextStream,
      leader,
      follower,
      logId,
      down: [],
      up: [],
      cancelPending: false,
      endPending: undefined,
      accepted: false,
      followerDone: false,
      leaderDone: false,
      lossy: false,
    };
    if (!this.#reach.can(leader, follower)) {
      s.followerDone = true;
      s.endPending = unavailable(follower, 'unreachable');
    }
    this.#streams.push(s);
    return s;
  }

  /** Runs one action per choice, stopping at the first violation. */
  run(choices: readonly number[]): void {
    for (const choice of choices) {
      this.step(choice);
      if (this.violations.length > 0) return;
    }
  }

  step(choice: number): void {
    this.now++;
    this.stats.steps++;
    const action = this.#choose(choice);
    if (!action) return;
    this.trace.push(action.label);
    action.run();
    this.#streams = this.#streams.filter((s) => !(s.leaderDone && s.followerDone));
  }

  #choose(choice: number): Action | undefined {
    const available = WEIGHTS.map(([c, w]) => [this.#candidates(c), w] as const).filter(
      ([a]) => a.length > 0,
    );
    const total = available.reduce((n, [, w]) => n + w, 0);
    let at = ((choice % 1000) / 1000) * total;
    for (const [actions, w] of available) {
      if (at < w) return actions[Math.floor(choice / 1000) % actions.length];
      at -= w;
    }
    return undefined;
  }

  #candidates(c: Category): Action[] {
    switch (c) {
      case 'deliver':
        return this.#deliveries();
      case 'complete':
        return this.#completions();
      case 'timer':
        return this.#timers();
      case 'pass':
        return this.#passes();
      case 'edit':
        return this.#edits();
      case 'fault':
        return this.#faults.faults(this.#streams);
      case 'crash':
        return this.#faults.crashes(this.#streams);
      case 'restart':
        return this.#faults.restarts();
      case 'operator':
        return this.#faults.operator();
    }
  }

  #up(): SimProcess[] {
    return [...this.#procs.values()].filter((p) => this.#reach.isUp(p.name));
  }

  #deliveries(): Action[] {
    const out: Action[] = [];
    for (const s of this.#streams) {
      const tag = `${s.leader}→${s.follower} #${s.id}`;
      const f = this.proc(s.follower);
      const busy = f.follower.sessions.get(s.id)?.state.writing !== undefined;
      const m = s.down[0];
      if (m && !s.followerDone && !busy)
        out.push({
          label: `deliver ${tag} ${m.type}`,
          run: () => {
            this.#deliverDown(s);
          },
        });
      const u = s.up[0];
      if (u && !s.leaderDone)
        out.push({
          label: `deliver ${tag} back ${u.kind}`,
          run: () => {
            this.#deliverUp(s);
          },
        });
      if (s.endPending && !s.leaderDone && s.up.length === 0)
        out.push({
          label: `end ${tag} to the leader`,
          run: () => {
            this.#endToLeader(s);
          },
        });
      if (s.cancelPending && !s.followerDone)
        out.push({
          label: `cancel ${tag} to the follower`,
          run: () => {
            this.#cancelToFollower(s);
          },
        });
    }
    return out;
  }

  #deliverDown(s: Stream): void {
    const m = s.down.shift();
    if (!m) return;
    this.stats.delivered++;
    this.proc(s.follower).follower.deliver(s, m);
  }

  #deliverUp(s: Stream): void {
    const m = s.up.shift();
    if (!m) return;
    this.stats.delivered++;
    this.proc(s.leader).leader.up(s.follower, s, m);
  }

  #endToLeader(s: Stream): void {
    const failure = s.endPending;
    s.endPending = undefined;
    s.leaderDone = true;
    this.proc(s.leader).leader.ended(s.follower, s, failure);
  }

  #cancelToFollower(s: Stream): void {
    s.cancelPending = false;
    const f = this.proc(s.follower);
    if (f.follower.sessions.has(s.id)) f.follower.feed(s.id, { type: 'cancelled' });
    s.followerDone = true;
    s.down = [];
  }

  #completions(): Action[] {
    const out: Action[] = [];
    for (const p of this.#up()) {
      const fx = p.pending;
      if (fx) {
        out.push({
          label: `${p.name} completes ${fx.type}`,
          run: () => {
            const ok = this.#random() > 0.1;
            if (!ok) this.stats.effectFailures++;
            p.completeEffect(ok);
          },
        });
      }
      for (const [id, s] of p.follower.sessions) {
        if (!s.state.writing) continue;
        const label = `${p.name} completes the write of #${id} at ${s.state.writing.revision}`;
        out.push({
          label,
          run: () => {
            p.follower.completeWrite(id, this.#random() > 0.1);
          },
        });
      }
    }
    return out;
  }

  #timers(): Action[] {
    const out: Action[] = [];
    for (const p of this.#up()) {
      if (p.retryTimer) {
        out.push({
          label: `${p.name} leadership retry`,
          run: () => {
            p.retryTimer = false;
            p.dispatch({ type: 'retry' });
          },
        });
      }
      for (const [c, peer] of p.leader.peers) {
        if (peer.retryDue) {
          out.push({
            label: `${p.name}→${c} retry`,
            run: () => {
              peer.retryDue = false;
              p.leader.input(c, { type: 'retry-due' });
            },
          });
        }
        if (peer.state.phase === 'streaming')
          out.push({
            label: `${p.name}→${c} ping`,
            run: () => {
              p.leader.input(c, { type: 'ping-due' });
            },
          });
      }
    }
    return out;
  }

  #passes(): Action[] {
    return this.#up()
      .filter((p) => p.lead.pipeline === 'active')
      .map((p) => ({
        label: `${p.name} pipeline pass`,
        run: () => {
          this.#pass(p);
        },
      }));
  }

  /** A pipeline pass: a controller write when allowed, refused under a higher epoch stamp. */
  #pass(p: SimProcess): void {
    const claim = p.lead.claim;
    if (!p.lead.mayWrite || !claim) {
      p.dispatch({ type: 'pass', ok: true });
      return;
    }
    if (this.#stamp > claim.epoch) {
      const reason = `the controller holds epoch ${this.#stamp}`;
      p.dispatch({ type: 'higher-epoch', by: undefined, source: 'controller', reason });
      return;
    }
    const writers = this.#writers.get(claim.epoch) ?? new Map<string, boolean>();
    // A writer whose claim at this epoch was ever taken unverified stays so: the tie began there.
    writers.set(p.name, (writers.get(p.name) ?? true) && p.verified);
    this.#writers.set(claim.epoch, writers);
    if (writers.size > 1) {
      // Two claims tied at one epoch: the controller's epoch marker cannot order them. Only a
      // take-over that heard every member (its epoch verified) can be held to avoid it.
      if ([...writers.values()].every((v) => v))
        this.violation(`W1 ${[...writers.keys()].join(' and ')} write at epoch ${claim.epoch}`);
      else this.stats.unverifiedTies++;
    }
    if (supersedes(p.knows, claim))
      this.violation(
        `W2 ${p.name} writes at ${claim.epoch} knowing ${p.knows.leader}@${p.knows.epoch}`,
      );
    this.#stamp = claim.epoch;
    this.stats.controllerWrites++;
    p.dispatch({ type: 'pass', ok: true });
  }

  #edits(): Action[] {
    return this.#up()
      .filter((p) => p.lead.mayWrite)
      .map((p) => {
        const name = KEYS[Math.floor(this.#random() * KEYS.length)] ?? 'a';
        const remove = this.#random() < 0.2;
        return {
          label: `${p.name} ${remove ? 'deletes' : 'edits'} ${name}`,
          run: () => {
            if (p.leader.edit(name, remove)) this.stats.edits++;
          },
        };
      });
  }
}
