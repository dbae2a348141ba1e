/**
 * The federation the leader-kills experiment runs on: E2eFederation (three real clusters, the
 * simulator, three real amko processes) with the objects the stream edits, the standby mode of
 * every running amko, the exits nobody asked for, and the waits of a run, each with a deadline.
 */
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import { E2eFederation, type AmkoRun, type Obj } from '../support/e2e-federation.js';
import { eventually } from '../support/eventually.js';
import {
  CHAOS_NS,
  GDP_TARGET,
  GHR_TARGETS,
  ghrHost,
  HOSTS,
  TARGETS,
  UPDATE_ANNOTATION,
  updateNumberOf,
  type Held,
} from './leader-kills-model.js';

export type Standby = 'hot' | 'cold';

export interface LogLine {
  readonly time: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** The JSON log lines of a run (a line cut short by a kill is skipped). */
export function logLines(run: AmkoRun): LogLine[] {
  const out: LogLine[] = [];
  for (const text of run.log().split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const line = JSON.parse(text) as Partial<LogLine>;
      if (typeof line.time === 'number' && typeof line.msg === 'string') out.push(line as LogLine);
    } catch {
      // cut short
    }
  }
  return out;
}

export class KillsSite {
  readonly f: E2eFederation;
  readonly #modes = new Map<string, Standby>();
  readonly #expectedExits = new Set<AmkoRun>();
  readonly crashes: string[] = [];
  #stopping = false;

  private constructor(f: E2eFederation) {
    this.f = f;
  }

  /** Clusters, simulator, the objects and three amkos (cluster1 leading), all in sync. */
  static async start(mode: Standby, log: (m: string) => void): Promise<KillsSite> {
    const f = await E2eFederation.start();
    const site = new KillsSite(f);
    try {
      await site.#install();
      for (const c of f.contexts) site.startAmko(c, mode);
      await site.waitInSync('cluster1');
      log(`federation up: cluster1 leads, followers ${mode} standby`);
      return site;
    } catch (err) {
      await site.stop();
      throw err;
    }
  }

  async #install(): Promise<void> {
    const f = this.f;
    const initial = { [UPDATE_ANNOTATION]: '0' };
    await f.createGslbConfig('cluster1');
    await f.patch(
      'cluster1',
      'GSLBConfig',
      { namespace: AVI_SYSTEM, name: 'gc-1' },
      {
        metadata: { annotations: initial },
      },
    );
    await f.create('cluster1', GDP_TARGET.kind, {
      metadata: { ...GDP_TARGET.key, annotations: initial },
      spec: {
        matchRules: { appSelector: { label: { gslb: CHAOS_NS } } },
        matchClusters: f.contexts.map((cluster) => ({ cluster })),
        ttl: 30,
      },
    });
    for (const [i, t] of GHR_TARGETS.entries()) {
      await f.create('cluster1', t.kind, {
        metadata: { ...t.key, annotations: initial },
        spec: { fqdn: ghrHost(t), ttl: 40 + i },
      });
    }
    for (const c of f.contexts) await f.objects.namespace(c, CHAOS_NS);
    for (const [i, host] of HOSTS.entries()) {
      for (const c of ['cluster1', 'cluster2']) {
        await f.objects.ingress(c, CHAOS_NS, `app-h${i}`, {
          hosts: [{ host, ip: `10.${c.slice(-1)}.0.${i + 1}` }],
          labels: { gslb: CHAOS_NS },
        });
      }
    }
  }

  mode(cluster: string): Standby | undefined {
    return this.f.run(cluster) ? this.#modes.get(cluster) : undefined;
  }

  startAmko(cluster: string, mode: Standby): AmkoRun {
    const run = this.f.startAmko(cluster, ['--standby', mode]);
    this.#modes.set(cluster, mode);
    run.child.once('exit', (code, signal) => {
      if (this.#stopping || this.#expectedExits.has(run)) return;
      this.crashes.push(`${cluster} amko exited on its own (code ${code}, signal ${signal})`);
    });
    return run;
  }

  /** Ends `cluster`'s amko with `signal` (an exit we asked for). */
  async kill(cluster: string, signal: NodeJS.Signals): Promise<void> {
    const run = this.f.run(cluster);
    if (!run) return;
    this.#expectedExits.add(run);
    await run.kill(signal);
  }

  runOf(cluster: string): AmkoRun {
    const run = this.f.run(cluster);
    if (!run) throw new Error(`no amko runs on ${cluster}`);
    return run;
  }

  async setLeader(cluster: string, isLeader: boolean): Promise<void> {
    await this.f.kubectl(cluster, [
      ...['patch', 'amkocluster', 'amkocluster-federation', '-n', AVI_SYSTEM],
      ...['--type', 'merge', '-p', JSON.stringify({ spec: { isLeader } })],
    ]);
  }

  /** The objects the stream edits, as `cluster` holds them, by target id. */
  async objects(cluster: string): Promise<Map<string, Obj | undefined>> {
    const objs = await Promise.all(TARGETS.map((t) => this.f.get(cluster, t.kind, t.key)));
    return new Map(TARGETS.map((t, i) => [t.id, objs[i]]));
  }

  /** Per target, the update `cluster` holds. */
  async held(cluster: string): Promise<Held> {
    const objs = await this.objects(cluster);
    return new Map([...objs].map(([id, o]) => [id, updateNumberOf(o)]));
  }

  /** The ttl of each of our GslbServices on the controller, by host (absent: no GslbService). */
  async controllerTtls(): Promise<Map<string, unknown>> {
    const objs = await this.f.sim.control.objects({ type: 'gslbservice' });
    return new Map(
      (objs['gslbservice'] ?? [])
        .filter((o) => HOSTS.includes(String(o['name'])))
        .map((o) => [String(o['name']), o['ttl']]),
    );
  }

  /** Waits until `cluster`'s log has a line matching `re` stamped at or after `after`. */
  async waitLine(
    cluster: string,
    re: RegExp,
    opts: { after: number; timeoutMs: number },
  ): Promise<LogLine> {
    const run = this.runOf(cluster);
    return eventually(
      () => logLines(run).find((l) => l.time >= opts.after && re.test(l.msg)) ?? false,
      { timeoutMs: opts.timeoutMs, intervalMs: 50, what: `${cluster} log ${re.source}` },
    ) as Promise<LogLine>;
  }

  /** Until every other cluster holds what `cluster` holds (content hashes of the targets). */
  async waitSameObjects(leader: string, timeoutMs = 60_000): Promise<void> {
    const others = this.f.contexts.filter((c) => c !== leader && this.f.run(c));
    await eventually(
      async () => {
        for (const t of TARGETS) {
          const want = await this.f.hash(leader, t.kind, t.key);
          for (const c of others) {
            const got = await this.f.hash(c, t.kind, t.key);
            if (got !== want) throw new Error(`${c} ${t.id} differs from ${leader}`);
          }
        }
      },
      { timeoutMs, intervalMs: 200, what: `the followers of ${leader} hold its objects` },
    );
  }

  /**
   * `leader` leads with every running follower in sync, following it, holding its objects, and
   * every hot standby's pipeline booted.
   */
  async waitInSync(leader: string, timeoutMs = 120_000): Promise<void> {
    const followers = this.f.contexts.filter((c) => c !== leader);
    await eventually(
      async () => {
        const s = await this.f.status(leader);
        if (s.role !== 'leader' || s.inSync !== `${followers.length}/${followers.length}`) {
          throw new Error(`${leader}: role ${s.role}, in sync ${s.inSync}`);
        }
        for (const c of followers) {
          const fs = await this.f.status(c);
          if (fs.role !== 'follower' || fs.leader !== leader) {
            throw new Error(`${c}: role ${fs.role}, leader ${fs.leader}`);
          }
          if (this.mode(c) === 'hot' && !/bootup sync finished/.test(this.runOf(c).log())) {
            throw new Error(`${c}: hot standby pipeline not booted yet`);
          }
        }
      },
      { timeoutMs, intervalMs: 200, what: `${leader} leading with its followers in sync` },
    );
    await this.waitSameObjects(leader, timeoutMs);
  }

  /**
   * Every cluster but `leader` runs a follower in `mode`: an amko in another mode is restarted,
   * a stopped one (the killed leader) demoted with kubectl and started; then all in sync.
   */
  async ensureFollowers(leader: string, mode: Standby): Promise<string[]> {
    const started: string[] = [];
    for (const c of this.f.contexts.filter((x) => x !== leader)) {
      if (this.mode(c) === mode) continue;
      await this.kill(c, 'SIGTERM');
      if ((await this.f.amkoCluster(c)).spec?.isLeader === true) await this.setLeader(c, false);
      this.startAmko(c, mode);
      started.push(c);
    }
    for (const c of started) {
      await this.waitLine(c, /^replication stream admitted$/, { after: 0, timeoutMs: 120_000 });
    }
    await this.waitInSync(leader);
    return started;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.f.stop();
  }
}
