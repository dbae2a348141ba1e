/**
 * The faults of the federation simulation and its operator: losses of what is in flight,
 * duplicates, broken streams, partitions and heals, crashes and restarts (the disk stays),
 * promotions and demotions. Only the simulation and its tests import this file.
 */
import { unavailable, type Reach, type Stream } from './federation-sim-net.js';
import type { SimProcess } from './federation-sim-process.js';
import type { Action, SimStats } from './federation-sim-stats.js';

export interface SimFaultsDeps {
  readonly reach: Reach;
  readonly procs: readonly SimProcess[];
  /** The clusters whose AMKOCluster says `isLeader: true`. */
  readonly leaders: Set<string>;
  readonly stats: SimStats;
  readonly random: () => number;
}

export class SimFaults {
  readonly #d: SimFaultsDeps;

  constructor(deps: SimFaultsDeps) {
    this.#d = deps;
  }

  get #clusters(): string[] {
    return this.#d.procs.map((p) => p.name);
  }

  #proc(name: string): SimProcess {
    const p = this.#d.procs.find((x) => x.name === name);
    if (!p) throw new Error(`no process ${name}`);
    return p;
  }

  crashes(streams: readonly Stream[]): Action[] {
    return this.#d.procs
      .filter((p) => this.#d.reach.isUp(p.name))
      .map((p) => ({
        label: `crash ${p.name}`,
        run: () => {
          this.#crash(p, streams);
        },
      }));
  }

  restarts(): Action[] {
    return this.#d.procs
      .filter((p) => !this.#d.reach.isUp(p.name))
      .map((p) => ({
        label: `restart ${p.name}`,
        run: () => {
          this.#restart(p);
        },
      }));
  }

  /** Losses, duplicates, broken streams, partitions and heals. */
  faults(streams: readonly Stream[]): Action[] {
    const out: Action[] = [];
    const open = streams.filter((s) => !s.followerDone || !s.leaderDone);
    for (const s of open) {
      const tag = `${s.leader}→${s.follower} #${s.id}`;
      if (s.down.length > 0) {
        out.push({
          label: `drop the messages in flight on ${tag}`,
          run: () => {
            this.#drop(s);
          },
        });
        out.push({
          label: `duplicate a message of ${tag}`,
          run: () => {
            this.#duplicate(s);
          },
        });
      }
      out.push({
        label: `break ${tag}`,
        run: () => {
          this.#break(s);
        },
      });
    }
    for (const [a, b] of this.#pairs()) {
      out.push({
        label: `partition ${a} | ${b}`,
        run: () => {
          this.#partition(a, b, streams);
        },
      });
    }
    if (this.#d.reach.partitions > 0)
      out.push({
        label: 'heal',
        run: () => {
          this.#heal();
        },
      });
    return out;
  }

  #pairs(): [string, string][] {
    const out: [string, string][] = [];
    for (const a of this.#clusters)
      for (const b of this.#clusters) if (a < b && this.#d.reach.can(a, b)) out.push([a, b]);
    return out;
  }

  /**
   * Messages in flight are lost: a stream cannot lose one and go on (HTTP/2), so what follows is
   * lost too and the follower sees the stream end (a truncated frame looks like a half-close).
   */
  #drop(s: Stream): void {
    const i = Math.floor(this.#d.random() * s.down.length);
    s.down.splice(i);
    s.down.push({ type: 'half-close' });
    s.lossy = true;
    this.#d.stats.drops++;
  }

  #duplicate(s: Stream): void {
    const i = Math.floor(this.#d.random() * s.down.length);
    const m = s.down[i];
    if (m) s.down.splice(i, 0, m);
    this.#d.stats.duplicates++;
  }

  /** The transport breaks: what is in flight is lost, both ends learn of it. */
  #break(s: Stream): void {
    this.#d.stats.breaks++;
    s.down = [];
    s.up = [];
    const f = this.#proc(s.follower);
    if (!s.followerDone) {
      if (f.follower.sessions.has(s.id)) f.follower.feed(s.id, { type: 'cancelled' });
      s.followerDone = true;
    }
    s.cancelPending = false;
    if (!s.leaderDone && !s.endPending) s.endPending = unavailable(s.follower, 'connection reset');
  }

  #partition(a: string, b: string, streams: readonly Stream[]): void {
    this.#d.stats.partitions++;
    this.#d.reach.cut(a, b);
    for (const s of streams) {
      if ((s.leader === a && s.follower === b) || (s.leader === b && s.follower === a))
        this.#break(s);
    }
  }

  #heal(): void {
    this.#d.stats.heals += this.#d.reach.heal();
  }

  /** Memory is lost; the disk stays. Its peers see its streams end. */
  #crash(p: SimProcess, streams: readonly Stream[]): void {
    this.#d.stats.crashes++;
    this.#d.reach.setUp(p.name, false);
    for (const s of streams) {
      if (s.follower === p.name) {
        s.down = [];
        s.followerDone = true;
        s.cancelPending = false;
        if (!s.leaderDone && !s.endPending) s.endPending = unavailable(p.name, 'process gone');
      }
      if (s.leader === p.name) {
        s.leaderDone = true;
        s.up = [];
        s.endPending = undefined;
        if (!s.followerDone) s.cancelPending = true;
      }
    }
  }

  #restart(p: SimProcess): void {
    this.#d.reach.setUp(p.name, true);
    p.boot();
  }

  /** A DR operator: one failover at a time, and the demotion of the old leader. */
  operator(): Action[] {
    const out: Action[] = [];
    for (const c of this.#clusters) {
      // One failover at a time: a follower is promoted while one cluster (the old leader) leads.
      if (!this.#d.leaders.has(c) && this.#d.leaders.size === 1) {
        out.push({
          label: `operator promotes ${c}`,
          run: () => {
            this.#setLeader(c, true);
          },
        });
      }
      if (this.#d.leaders.has(c) && this.#d.leaders.size > 1) {
        out.push({
          label: `operator demotes ${c}`,
          run: () => {
            this.#setLeader(c, false);
          },
        });
      }
    }
    return out;
  }

  #setLeader(c: string, lead: boolean): void {
    if (lead) {
      this.#d.leaders.add(c);
      this.#d.stats.promotions++;
    } else {
      this.#d.leaders.delete(c);
      this.#d.stats.demotions++;
    }
    if (this.#d.reach.isUp(c)) this.#proc(c).wantedChanged();
  }
}
