/**
 * Split brain: cluster1 leads at epoch 1; every federation link between cluster1 and the other
 * two clusters is cut (both sides still reach the controller and the member clusters); cluster2
 * is promoted with `kubectl patch` and cannot survey cluster1 (`epoch unverified`). Both now
 * believe they lead. Ingress VIPs change and new Ingresses appear, in rounds, so both leaders
 * race to write the same GslbServices. Then the links heal.
 *
 * Checked: no write of the old leader survives (every GslbService of the workload ends stamped
 * with the new epoch, with the new VIPs; the controller's final state is the new leader's),
 * the old leader is fenced by the `amko-epoch` marker and sends no controller write after it,
 * no duplicate names, and after healing `epoch unverified` is cleared on the new leader while the
 * old one shows `fenced`.
 */
import { AVI_SYSTEM } from '../../../src/shared/crd/common.js';
import type { JournalEntry } from '../../../src/sim/avi-controller/journal.js';
import { E2eFederation } from '../../support/e2e-federation.js';
import { eventually } from '../../support/eventually.js';
import type { Experiment, ExperimentContext, ExperimentResult, ResultRow } from '../experiment.js';

const NS = 'split';
const MEMBERS = ['cluster1', 'cluster2'] as const;

interface Gs {
  readonly name: string;
  readonly epoch: number;
  readonly ips: string[];
}

function gsOf(o: Record<string, unknown>): Gs {
  const markers = (o['markers'] ?? []) as { key: string; values?: string[] }[];
  const epoch = Number(markers.find((m) => m.key === 'amko-epoch')?.values?.[0] ?? '0');
  const groups = (o['groups'] ?? []) as { members?: { ip?: { addr?: string } }[] }[];
  const ips = groups
    .flatMap((g) => g.members ?? [])
    .map((m) => m.ip?.addr ?? '')
    .sort();
  return { name: String(o['name']), epoch, ips };
}

/** The first log line of `log` whose message matches `re`, with its time (pino's `time`). */
function firstLogTime(log: string, re: RegExp): number | undefined {
  for (const line of log.split('\n')) {
    if (!re.test(line)) continue;
    try {
      const t = (JSON.parse(line) as { time?: number }).time;
      if (typeof t === 'number') return t;
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

class SplitBrain {
  readonly #f: E2eFederation;
  readonly #ctx: ExperimentContext;
  readonly #hosts: string[] = [];
  readonly #violations: string[] = [];
  /** Round number → the VIP suffix every Ingress carries. */
  #round = 0;

  constructor(f: E2eFederation, ctx: ExperimentContext) {
    this.#f = f;
    this.#ctx = ctx;
  }

  #ip(cluster: string, host: number): string {
    return `10.${cluster.slice(-1)}.${this.#round}.${host + 1}`;
  }

  async #ingresses(): Promise<void> {
    for (const [i, host] of this.#hosts.entries()) {
      for (const c of MEMBERS) {
        await this.#f.objects.ingress(c, NS, `app${i}`, {
          hosts: [{ host, ip: this.#ip(c, i) }],
          labels: { gslb: NS },
        });
      }
    }
  }

  async #controller(): Promise<Map<string, Gs>> {
    const objs = await this.#f.sim.control.objects({ type: 'gslbservice' });
    const out = new Map<string, Gs>();
    for (const o of objs['gslbservice'] ?? []) {
      const gs = gsOf(o);
      if (out.has(gs.name)) this.#violations.push(`duplicate GslbService ${gs.name}`);
      out.set(gs.name, gs);
    }
    return out;
  }

  /** Every host's GslbService holds this round's VIPs (and, when given, that epoch). */
  async #converged(epoch: number | undefined, what: string): Promise<void> {
    await eventually(
      async () => {
        const gs = await this.#controller();
        for (const [i, host] of this.#hosts.entries()) {
          const g = gs.get(host);
          const want = MEMBERS.map((c) => this.#ip(c, i)).sort();
          if (!g || g.ips.join() !== want.join()) throw new Error(`${host}: ${g?.ips.join()}`);
          if (epoch !== undefined && g.epoch !== epoch)
            throw new Error(`${host} at epoch ${g.epoch}`);
        }
      },
      { timeoutMs: 120_000, intervalMs: 250, what },
    );
  }

  async setUp(hosts: number): Promise<void> {
    const f = this.#f;
    for (let i = 0; i < hosts; i++) this.#hosts.push(`app${i}.${NS}.example.com`);
    await f.createGslbConfig('cluster1');
    await f.create('cluster1', 'GlobalDeploymentPolicy', {
      metadata: { namespace: AVI_SYSTEM, name: 'global-gdp' },
      spec: {
        matchRules: { appSelector: { label: { gslb: NS } } },
        matchClusters: MEMBERS.map((cluster) => ({ cluster })),
        ttl: 30,
      },
    });
    for (const c of f.contexts) await f.objects.namespace(c, NS);
    await this.#ingresses();
    for (const c of f.contexts) f.startAmko(c);
    await this.#status('cluster1', (s) => s['role'] === 'leader' && s['inSync'] === '2/2');
    await this.#converged(1, 'every GslbService written by cluster1 at epoch 1');
  }

  async #status(
    cluster: string,
    ok: (s: Record<string, unknown>) => boolean,
    timeoutMs = 90_000,
  ): Promise<Record<string, unknown>> {
    return eventually(
      async () => {
        const s = (await this.#f.status(cluster)) as Record<string, unknown>;
        if (!ok(s)) throw new Error(`${cluster} status ${JSON.stringify(s)}`);
        return s;
      },
      { timeoutMs, intervalMs: 200, what: `${cluster} status` },
    );
  }

  async run(rounds: number, newHosts: number): Promise<ExperimentResult> {
    const f = this.#f;
    const sinceSeq = (await f.sim.control.journal()).at(-1)?.seq ?? 0;
    f.partition('cluster1', 'cluster2');
    f.partition('cluster1', 'cluster3');
    this.#ctx.log('cluster1 cut off from cluster2 and cluster3; promoting cluster2');
    await f.kubectl('cluster2', [
      ...['patch', 'amkocluster', 'amkocluster-federation', '-n', AVI_SYSTEM],
      ...['--type', 'merge', '-p', '{"spec":{"isLeader":true}}'],
    ]);
    const promoted = await this.#status(
      'cluster2',
      (s) => s['role'] === 'leader' && s['epoch'] === 2,
    );
    const promotedMessage = JSON.stringify(promoted['message'] ?? null);
    if (!promotedMessage.includes('epoch unverified')) {
      this.#violations.push(`promoted cluster2 did not say epoch unverified: ${promotedMessage}`);
    }
    for (let r = 1; r <= rounds; r++) {
      this.#round = r;
      const add = r === 1 ? newHosts : 0;
      const start = this.#hosts.length;
      for (let i = 0; i < add; i++) this.#hosts.push(`new${start + i}.${NS}.example.com`);
      this.#ctx.log(`round ${r}: VIPs of ${this.#hosts.length} hosts change, ${add} new`);
      await this.#ingresses();
      await this.#converged(2, `round ${r}: the new leader's state on the controller`);
    }
    const fenced = await this.#status('cluster1', (s) => s['role'] === 'fenced', 60_000);
    const journal = await f.sim.control.journal({ since: sinceSeq });
    const figures = await this.#figures(journal, fenced);
    f.heal('cluster1', 'cluster2');
    f.heal('cluster1', 'cluster3');
    const healedStart = Date.now();
    const verified = await this.#status(
      'cluster2',
      (s) => s['role'] === 'leader' && s['epoch'] === 2 && !s['message'],
    );
    const healMs = Date.now() - healedStart;
    const rows = await this.#rows();
    await this.#converged(2, 'final state after healing');
    const finalDivergence = await this.#divergence();
    return {
      name: 'split-brain',
      description:
        `cluster1 leads at epoch 1 over ${this.#hosts.length} GslbServices; its federation links ` +
        `to cluster2 and cluster3 are cut; cluster2 is promoted; ${rounds} rounds of VIP changes ` +
        `(${newHosts} new Ingresses in the first) while both reach the controller; then healed.`,
      injected: [
        'both directions of cluster1↔cluster2 and cluster1↔cluster3 dropped',
        `promotion of cluster2 during the partition (status: ${promotedMessage})`,
        `${rounds} rounds of Ingress VIP changes, ${newHosts} new Ingresses`,
      ],
      figures: {
        splitBrainSurvivingWrites: figures.surviving,
        partitionsHealed: 2,
        finalDivergence,
        crashes: this.#crashes(),
      },
      measures: {
        oldLeaderWritesAfterNewLeader: figures.oldAfterNew,
        oldLeaderWritesAcceptedAfterNewLeader: figures.oldAccepted,
        oldLeaderWritesAfterFence: figures.afterFence,
        fenceMsAfterNewLeaderFirstWrite: figures.fenceMs,
        unverifiedClearedMsAfterHeal: healMs,
        verifiedMessageEmpty: verified['message'] ? 0 : 1,
      },
      rows,
      violations: this.#violations,
    };
  }

  async #figures(
    journal: readonly JournalEntry[],
    fenced: Record<string, unknown>,
  ): Promise<{
    surviving: number;
    oldAfterNew: number;
    oldAccepted: number;
    afterFence: number;
    fenceMs: number;
  }> {
    const writes = (cluster: string): JournalEntry[] =>
      journal.filter(
        (e) =>
          ['POST', 'PUT', 'PATCH', 'DELETE'].includes(e.method) &&
          e.objectType !== 'login' &&
          e.objectType !== 'logout' &&
          (e.userAgent ?? '').endsWith(`cluster/${cluster}`),
      );
    const firstNew = writes('cluster2')[0];
    const t0 = firstNew ? Date.parse(firstNew.time) : Number.POSITIVE_INFINITY;
    const old = writes('cluster1').filter((e) => Date.parse(e.time) >= t0);
    const accepted = old.filter((e) => e.status >= 200 && e.status < 300);
    const fenceAt = firstLogTime(this.#f.run('cluster1')?.log() ?? '', /"msg":"fenced/);
    if (fenceAt === undefined) this.#violations.push('cluster1 never logged that it was fenced');
    const afterFence = old.filter((e) => fenceAt !== undefined && Date.parse(e.time) > fenceAt);
    if (afterFence.length > 0) {
      this.#violations.push(
        `cluster1 wrote after its fence: ${afterFence.map((e) => `${e.method} ${e.path} ${e.status}`).join(', ')}`,
      );
    }
    this.#ctx.log(`cluster1 fenced: ${JSON.stringify(fenced['message'] ?? null)}`);
    const gs = await this.#controller();
    const surviving = this.#hosts.filter((h) => (gs.get(h)?.epoch ?? 0) < 2).length;
    return {
      surviving,
      oldAfterNew: old.length,
      oldAccepted: accepted.length,
      afterFence: afterFence.length,
      fenceMs: fenceAt === undefined ? -1 : Math.max(0, fenceAt - t0),
    };
  }

  /** GslbServices of the workload not at the new leader's state. */
  async #divergence(): Promise<number> {
    const gs = await this.#controller();
    return this.#hosts.filter((h, i) => {
      const g = gs.get(h);
      const want = MEMBERS.map((c) => this.#ip(c, i)).sort();
      return !g || g.epoch !== 2 || g.ips.join() !== want.join();
    }).length;
  }

  async #rows(): Promise<ResultRow[]> {
    const rows: ResultRow[] = [];
    for (const c of ['cluster1', 'cluster2']) {
      const [row] = await this.#f.amkoClusterTable(c);
      rows.push({ site: c, ...row });
    }
    return rows;
  }

  #crashes(): number {
    return this.#f.contexts.filter((c) => {
      const child = this.#f.run(c)?.child;
      return !child || child.exitCode !== null || child.signalCode !== null;
    }).length;
  }
}

export const experiment: Experiment = {
  name: 'split-brain',
  async run(ctx) {
    const f = await E2eFederation.start({ proxied: true });
    try {
      const sb = new SplitBrain(f, ctx);
      await sb.setUp(ctx.short ? 4 : 20);
      return await sb.run(ctx.short ? 2 : 3, ctx.short ? 2 : 10);
    } catch (err) {
      process.stderr.write(f.logTails());
      throw err;
    } finally {
      await f.stop();
    }
  },
};
