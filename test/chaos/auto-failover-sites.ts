/**
 * Three sites with automatic failover on (spec.federation.autoFailover, lease 2 s, promotion
 * after 4 s; by default cluster2 priority 0, cluster1 and cluster3 priority 1), cluster1 leading
 * at epoch 1 over a few GslbServices, and the faults the auto-failover experiments inject: a
 * partition of the leader from its followers, a leader SIGKILL, the old leader's return, the
 * leader cut off from the controller.
 *
 * Throughout, every running amko's `amko_federation_role` gauge is sampled every 200 ms: two
 * processes leading at once is a double leadership interval.
 */
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import type { AmkoClusterStatus } from '../../src/shared/crd/amko-cluster.js';
import { E2eFederation } from '../support/e2e-federation.js';
import { eventually } from '../support/eventually.js';
import type { ExperimentContext, ExperimentResult, ResultRow } from './experiment.js';

const NS = 'auto';
export const LEASE_S = 2;
export const PROMOTE_S = 4;
/** cluster2 first by priority, cluster1 and cluster3 one lease later. */
export const PRIORITY: Readonly<Record<string, number>> = { cluster1: 1, cluster2: 0, cluster3: 1 };
const AMKO_ARGS = Object.freeze(['--replication-ping-ms', '500']);

export interface SitesOptions {
  /** autoFailover.priority per cluster (default PRIORITY). */
  readonly priority?: Readonly<Record<string, number>>;
  /** `--clock-offset-ms` per cluster (default none). */
  readonly clockOffsetMs?: Readonly<Record<string, number>>;
}

/** Three sites with autoFailover on, the faults of the auto-failover experiments, what they saw. */
export class AutoFailoverSites {
  readonly #f: E2eFederation;
  readonly #ctx: ExperimentContext;
  readonly #priority: Readonly<Record<string, number>>;
  readonly #offsets: Readonly<Record<string, number>>;
  readonly #hosts: string[] = [];
  readonly #violations: string[] = [];
  readonly #rows: ResultRow[] = [];
  #sampler: ReturnType<typeof setInterval> | undefined;
  #sampling = false;
  #doubleLeadership = 0;
  #inDouble = false;
  failovers = 0;
  promotions = 0;
  fencedWrites = 0;
  recoveryMs: number[] = [];
  /** Samples in which some process led (the sampler sees leaders at all). */
  ledSamples = 0;

  constructor(f: E2eFederation, ctx: ExperimentContext, opts: SitesOptions = {}) {
    this.#f = f;
    this.#ctx = ctx;
    this.#priority = opts.priority ?? PRIORITY;
    this.#offsets = opts.clockOffsetMs ?? {};
  }

  get federation(): E2eFederation {
    return this.#f;
  }

  /** The flags amko runs with on `cluster`. */
  args(cluster: string): string[] {
    const offset = this.#offsets[cluster];
    return [...AMKO_ARGS, ...(offset ? [`--clock-offset-ms=${offset}`] : [])];
  }

  get violations(): string[] {
    return this.#violations;
  }

  get rows(): ResultRow[] {
    return this.#rows;
  }

  get doubleLeadership(): number {
    return this.#doubleLeadership;
  }

  async setUp(hosts: number): Promise<void> {
    const f = this.#f;
    for (let i = 0; i < hosts; i++) this.#hosts.push(`app${i}.${NS}.example.com`);
    for (const c of f.contexts) {
      const auto = { enabled: true, leaseSeconds: LEASE_S, promoteAfterSeconds: PROMOTE_S };
      await this.#patchAmko(c, {
        federation: { autoFailover: { ...auto, priority: this.#priority[c] } },
      });
    }
    await f.createGslbConfig('cluster1');
    await f.create('cluster1', 'GlobalDeploymentPolicy', {
      metadata: { namespace: AVI_SYSTEM, name: 'global-gdp' },
      spec: {
        matchRules: { appSelector: { label: { gslb: NS } } },
        matchClusters: f.contexts.map((cluster) => ({ cluster })),
        ttl: 30,
      },
    });
    for (const c of f.contexts) await f.objects.namespace(c, NS);
    for (const [i, host] of this.#hosts.entries()) {
      for (const c of f.contexts) {
        await f.objects.ingress(c, NS, `app${i}`, {
          hosts: [{ host, ip: `10.${c.slice(-1)}.0.${i + 1}` }],
          labels: { gslb: NS },
        });
      }
    }
    for (const c of f.contexts) f.startAmko(c, this.args(c));
    await this.until('cluster1', (s) => s.role === 'leader' && s.inSync === '2/2', 120_000);
    await this.converged(1);
    this.#startSampler();
  }

  async #patchAmko(cluster: string, spec: Record<string, unknown>): Promise<void> {
    await this.#f.kubectl(cluster, [
      ...['patch', 'amkocluster', 'amkocluster-federation', '-n', AVI_SYSTEM],
      ...['--type', 'merge', '-p', JSON.stringify({ spec })],
    ]);
  }

  async until(
    cluster: string,
    ok: (s: AmkoClusterStatus) => boolean,
    timeoutMs: number,
  ): Promise<AmkoClusterStatus> {
    return eventually(
      async () => {
        const s = await this.#f.status(cluster);
        if (!ok(s)) throw new Error(`${cluster} status ${JSON.stringify(s)}`);
        return s;
      },
      { timeoutMs, intervalMs: 100, what: `${cluster} status` },
    );
  }

  /** Every host's GslbService exists with all three members (at `epoch`, when given). */
  async converged(epoch?: number): Promise<void> {
    await eventually(
      async () => {
        const objs = await this.#f.sim.control.objects({ type: 'gslbservice' });
        const byName = new Map((objs['gslbservice'] ?? []).map((o) => [String(o['name']), o]));
        for (const host of this.#hosts) {
          const o = byName.get(host);
          if (!o) throw new Error(`${host} missing`);
          const text = JSON.stringify(o);
          if ((text.match(/"addr":"10\./g) ?? []).length !== 3) throw new Error(`${host}: ${text}`);
          const m = /"amko-epoch","values":\["(\d+)"\]/.exec(text);
          if (epoch !== undefined && Number(m?.[1]) > epoch) throw new Error(`${host}: ${text}`);
        }
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'controller converged' },
    );
  }

  #startSampler(): void {
    this.#sampler = setInterval(() => {
      if (this.#sampling) return;
      this.#sampling = true;
      void this.#sample().finally(() => {
        this.#sampling = false;
      });
    }, 200);
  }

  async #sample(): Promise<void> {
    const leaders: string[] = [];
    for (const c of this.#f.contexts) {
      // The live process's own gauge (a status may be left over from a killed process).
      if (!this.#f.run(c)) continue;
      const m = await this.#f.metrics(c).catch(() => '');
      if (/^amko_federation_role\{role="leader",.*\} 1$/m.test(m)) leaders.push(c);
    }
    if (leaders.length > 0) this.ledSamples++;
    const double = leaders.length > 1;
    if (double && !this.#inDouble) {
      this.#doubleLeadership++;
      this.#violations.push(`double leadership observed: ${leaders.join(', ')}`);
    }
    this.#inDouble = double;
  }

  stop(): void {
    if (this.#sampler) clearInterval(this.#sampler);
  }

  async partition(leader: string): Promise<void> {
    const f = this.#f;
    const others = f.contexts.filter((c) => c !== leader);
    for (const o of others) f.partition(leader, o);
    this.#ctx.log(
      `${leader} cut off from ${others.join(', ')}; watching for three promotion delays`,
    );
    const until = Date.now() + 3 * PROMOTE_S * 1000;
    await eventually(
      async () => {
        for (const o of others) {
          const s = await f.status(o);
          if (s.role === 'leader') this.#violations.push(`${o} promoted during a partition`);
        }
        return Date.now() >= until;
      },
      { timeoutMs: 6 * PROMOTE_S * 1000, intervalMs: 250, what: 'partition window' },
    );
    const s = await f.status(leader);
    if (s.role !== 'leader')
      this.#violations.push(`${leader} lost leadership: ${JSON.stringify(s)}`);
    const healedAt = Date.now() - 1_000;
    for (const o of others) f.heal(leader, o);
    // The followers hear from the leader again before anything else is injected.
    for (const o of others) {
      const heard = (st: AmkoClusterStatus): boolean =>
        Date.parse(st.leaderLastContact ?? '') >= healedAt;
      await this.until(o, heard, 60_000);
    }
    this.#rows.push({ scenario: 'partition from followers', promotions: 0, leader });
  }

  /** SIGKILL of the leader: one follower takes over. Resolves with the new leader. */
  async kill(leader: string, epoch: number, timeoutMs = (PROMOTE_S + 5) * 1000): Promise<string> {
    const f = this.#f;
    const since = await this.journalEnd();
    const killedAt = Date.now();
    await f.run(leader)?.kill('SIGKILL');
    const exitedAt = Date.now();
    this.failovers++;
    this.#ctx.log(`${leader} SIGKILLed; waiting for one follower to lead`);
    const next = await this.newLeader(leader, epoch, timeoutMs);
    const ms = Date.now() - killedAt;
    this.recoveryMs.push(ms);
    await this.converged();
    // A write that arrived before the process was gone was sent by a live leader (a lease PUT the
    // controller holds is journalled when it completes, after the kill): only later ones count.
    const fromOld = (await f.writesFrom(leader, since)).filter(
      (w) => Date.parse(w.time) > exitedAt,
    );
    this.fencedWrites += fromOld.length;
    if (fromOld.length > 0) {
      this.#violations.push(
        `${leader} wrote after its SIGKILL: ${fromOld.map((w) => `${w.method} ${w.path}`).join(', ')}`,
      );
    }
    this.#rows.push({ scenario: 'leader SIGKILL', from: leader, to: next, recoveryMs: ms });
    return next;
  }

  async journalEnd(): Promise<number> {
    return (await this.#f.sim.control.journal()).at(-1)?.seq ?? 0;
  }

  /** Exactly one site other than `old` leads above `epoch`, with isLeader true, by the deadline. */
  async newLeader(old: string, epoch: number, timeoutMs: number): Promise<string> {
    const f = this.#f;
    const others = f.contexts.filter((c) => c !== old);
    const winner = await eventually(
      async () => {
        const leading: string[] = [];
        for (const c of others) {
          const s = await f.status(c);
          if (s.role === 'leader' && (s.epoch ?? 0) > epoch) leading.push(c);
        }
        if (leading.length !== 1) throw new Error(`leading: ${leading.join(', ') || 'none'}`);
        return leading[0] ?? '';
      },
      { timeoutMs, intervalMs: 100, what: `one follower leads after ${old}` },
    );
    this.promotions++;
    const spec = (await f.amkoCluster(winner)).spec;
    if (spec?.isLeader !== true) this.#violations.push(`${winner} leads without isLeader: true`);
    for (const c of others.filter((o) => o !== winner)) {
      const s = await f.status(c);
      if (s.role !== 'follower') this.#violations.push(`${c} is ${s.role} after the failover`);
    }
    return winner;
  }

  /** The old leader starts again (isLeader still true): fenced, demoted, no writes. */
  async returns(old: string, leader: string): Promise<void> {
    const f = this.#f;
    const since = await this.journalEnd();
    f.startAmko(old, this.args(old));
    this.#ctx.log(`${old} starts again with isLeader: true`);
    await eventually(
      async () => {
        const a = await f.amkoCluster(old);
        if (a.spec?.isLeader !== false || a.status?.role !== 'follower') {
          throw new Error(
            `${old}: ${JSON.stringify({ spec: a.spec?.isLeader, status: a.status })}`,
          );
        }
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `${old} demoted` },
    );
    if ((await f.status(old)).leader !== leader) {
      this.#violations.push(`${old} does not follow ${leader}`);
    }
    const writes = await f.writesFrom(old, since);
    this.fencedWrites += writes.length;
    if (writes.length > 0) {
      this.#violations.push(`${old} wrote on return: ${writes.map((w) => w.path).join(', ')}`);
    }
    this.#rows.push({ scenario: 'old leader returns', site: old, writes: writes.length });
  }

  /** The leader loses the controller: it self-fences, a follower takes over, it demotes. */
  async cutOff(leader: string, epoch: number): Promise<string> {
    const f = this.#f;
    const since = await this.journalEnd();
    const [rule] = await f.sim.control.faults({
      match: { userAgent: `cluster/${leader}$` },
      effect: { reset: true },
    });
    const cutAt = Date.now();
    this.failovers++;
    this.#ctx.log(`${leader} cut off from the controller`);
    const fenced = await this.until(leader, (s) => s.role === 'fenced', (LEASE_S + 3) * 1000);
    const fenceMs = Date.now() - cutAt;
    this.#ctx.log(`${leader} self-fenced after ${fenceMs} ms: ${fenced.message ?? ''}`);
    const next = await this.newLeader(leader, epoch, (LEASE_S + PROMOTE_S + 15) * 1000);
    this.recoveryMs.push(Date.now() - cutAt);
    await f.sim.control.clearFaults(rule?.id);
    await this.returnsDemoted(leader);
    // Only what the controller accepted once the lease had expired by the leader's own count
    // (it counts from before the cut): a write sent just before the cut is a live leader's.
    const expiredAt = cutAt + LEASE_S * 1000;
    const accepted = (await f.writesFrom(leader, since)).filter(
      (e) => e.status >= 200 && e.status < 300 && Date.parse(e.time) > expiredAt,
    );
    this.fencedWrites += accepted.length;
    this.#rows.push({
      scenario: 'leader cut off from the controller',
      from: leader,
      to: next,
      fenceMs,
    });
    return next;
  }

  async returnsDemoted(old: string): Promise<void> {
    await eventually(
      async () => {
        const a = await this.#f.amkoCluster(old);
        if (a.spec?.isLeader !== false || a.status?.role !== 'follower') throw new Error(old);
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `${old} demoted` },
    );
  }

  /** amko processes that are not running, but for those `gone` on purpose. */
  crashes(gone: readonly string[] = []): number {
    return this.#f.contexts
      .filter((c) => !gone.includes(c))
      .filter((c) => {
        const child = this.#f.run(c)?.child;
        return !child || child.exitCode !== null || child.signalCode !== null;
      }).length;
  }

  /**
   * The run's violations, with those of its figures: the sampler never saw a leader, writes by a
   * fenced or expired leader (`fenced`, default the ones counted here), failovers ≠ promotions.
   */
  allViolations(fenced = this.fencedWrites): string[] {
    return [
      ...this.#violations,
      ...(this.ledSamples === 0 ? ['the sampler never saw a leader'] : []),
      ...(fenced > 0 ? [`${fenced} writes by a fenced or expired leader`] : []),
      ...(this.promotions !== this.failovers
        ? [`${this.failovers} failovers, ${this.promotions} promotions`]
        : []),
    ];
  }
}

/** Starts a federation, runs `body` on its sites, prints the amko logs if it throws, stops all. */
export async function withSites(
  ctx: ExperimentContext,
  fed: Parameters<typeof E2eFederation.start>[0],
  opts: SitesOptions,
  body: (a: AutoFailoverSites) => Promise<ExperimentResult>,
): Promise<ExperimentResult> {
  const f = await E2eFederation.start(fed);
  const a = new AutoFailoverSites(f, ctx, opts);
  try {
    const result = await body(a);
    a.stop();
    return result;
  } catch (err) {
    process.stderr.write(f.logTails());
    throw err;
  } finally {
    a.stop();
    await f.stop();
  }
}
