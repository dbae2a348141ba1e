/**
 * What the federation fault experiments share: a three-site federation of real amko processes
 * (cluster1 leads) replicating one GDP and a few GSLBHostRules, a workload of edits on the
 * leader that each give one object a new, unique ttl, a sampler of the leader's AMKOCluster
 * status, and the final checks (every follower holds the leader's content and every last edit).
 */
import type {
  AmkoClusterMemberStatus,
  AmkoClusterStatus,
} from '../../src/shared/crd/amko-cluster.js';
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import type { ReplicatedKind } from '../../src/shared/federation/replicated-kinds.js';
import { E2eFederation, type ObjKey } from '../support/e2e-federation.js';
import type { ExperimentContext, ExperimentResult } from './experiment.js';
import { eventually } from '../support/eventually.js';

export const LEADER = 'cluster1';
export const FOLLOWERS = Object.freeze(['cluster2', 'cluster3']);
const NS = 'chaos';

/** One replicated object the workload edits. */
export interface Target {
  readonly kind: ReplicatedKind;
  readonly key: ObjKey;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Starts the federation, creates the objects, starts amko everywhere and waits until in sync. */
export async function startChaosFederation(opts: {
  proxied: boolean;
  hostRules: number;
  amkoArgs?: readonly string[];
}): Promise<{ f: E2eFederation; targets: Target[] }> {
  const f = await E2eFederation.start({ proxied: opts.proxied });
  try {
    await f.createGslbConfig(LEADER);
    await f.objects.namespace(LEADER, NS);
    const targets: Target[] = [
      { kind: 'GlobalDeploymentPolicy', key: { namespace: AVI_SYSTEM, name: 'chaos-gdp' } },
    ];
    await f.create(LEADER, 'GlobalDeploymentPolicy', {
      metadata: { ...targets[0]!.key },
      spec: {
        matchRules: { appSelector: { label: { gslb: NS } } },
        matchClusters: f.contexts.map((cluster) => ({ cluster })),
        ttl: 10,
      },
    });
    for (let i = 1; i <= opts.hostRules; i++) {
      const key = { namespace: NS, name: `ghr-${i}` };
      targets.push({ kind: 'GSLBHostRule', key });
      await f.create(LEADER, 'GSLBHostRule', {
        metadata: { ...key },
        spec: { fqdn: `h${i}.${NS}.example.com`, ttl: 10 },
      });
    }
    for (const c of f.contexts) f.startAmko(c, opts.amkoArgs ?? []);
    await waitInSync(f, 120_000);
    return { f, targets };
  } catch (err) {
    await f.stop();
    throw err;
  }
}

/** Waits until the leader leads and every member acknowledged its revision, without error. */
export async function waitInSync(f: E2eFederation, timeoutMs: number): Promise<number> {
  return eventually(
    async () => {
      const s = await f.status(LEADER);
      const members = s.members ?? [];
      const ok =
        s.role === 'leader' &&
        members.length === FOLLOWERS.length &&
        members.every((m) => m.appliedRevision === s.revision && !m.lastError);
      if (!ok) throw new Error(`leader status ${JSON.stringify(s.members)} at ${s.revision}`);
      return s.revision ?? 0;
    },
    { timeoutMs, intervalMs: 200, what: 'every follower in sync with the leader' },
  );
}

/** Edits on the leader: each gives one object (chosen by `random`) a new, unique ttl. */
export class Workload {
  readonly #last = new Map<string, number>();
  made = 0;
  failed = 0;

  constructor(
    private readonly f: E2eFederation,
    private readonly targets: readonly Target[],
    private readonly random: () => number,
  ) {}

  async update(): Promise<void> {
    const t = this.targets[Math.floor(this.random() * this.targets.length)]!;
    const ttl = 1000 + this.made + this.failed + 1;
    try {
      await this.f.patch(LEADER, t.kind, t.key, { spec: { ttl } });
      this.made += 1;
      this.#last.set(`${t.kind}/${t.key.namespace}/${t.key.name}`, ttl);
    } catch {
      this.failed += 1;
    }
  }

  /** `n` edits spread over about `overMs`. */
  async run(n: number, overMs: number): Promise<void> {
    const gap = n > 0 ? overMs / n : 0;
    for (let i = 0; i < n; i++) {
      await sleep(gap);
      await this.update();
    }
  }

  /**
   * `missing` once it is empty, or as it stands after `deadlineMs`: "in sync" on the leader's
   * status can be read a moment before the leader's watch has logged the last edit.
   */
  async missingAfter(follower: string, deadlineMs: number): Promise<string[]> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const out = await this.missing(follower);
      if (out.length === 0 || Date.now() >= deadline) return out;
      await sleep(200);
    }
  }

  /** Per follower, the objects whose last edit it does not hold (must be none after a heal). */
  async missing(follower: string): Promise<string[]> {
    const out: string[] = [];
    for (const t of this.targets) {
      const id = `${t.kind}/${t.key.namespace}/${t.key.name}`;
      const want = this.#last.get(id);
      if (want === undefined) continue;
      const o = await this.f.get(follower, t.kind, t.key);
      if (o?.spec?.['ttl'] !== want)
        out.push(`${follower} ${id}: ttl ${String(o?.spec?.['ttl'])} ≠ ${want}`);
    }
    return out;
  }
}

/** Objects whose content hash on `follower` differs from the leader's. */
export async function divergent(
  f: E2eFederation,
  targets: readonly Target[],
  follower: string,
): Promise<string[]> {
  const out: string[] = [];
  const all: Target[] = [
    ...targets,
    { kind: 'GSLBConfig', key: { namespace: AVI_SYSTEM, name: 'gc-1' } },
  ];
  for (const t of all) {
    const want = await f.hash(LEADER, t.kind, t.key);
    const got = await f.hash(follower, t.kind, t.key);
    if (want !== got) out.push(`${follower} ${t.kind}/${t.key.name}`);
  }
  return out;
}

/** One reading of the leader's AMKOCluster status. */
export interface StatusSample {
  readonly at: number;
  readonly revision: number;
  readonly members: readonly AmkoClusterMemberStatus[];
}

/** Reads the leader's status every `intervalMs` until stopped; keeps every reading. */
export class StatusSampler {
  readonly samples: StatusSample[] = [];
  errors = 0;
  #stopped = false;
  readonly #done: Promise<void>;

  constructor(
    private readonly f: E2eFederation,
    private readonly intervalMs = 100,
  ) {
    this.#done = this.#loop();
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      try {
        const s = await this.f.status(LEADER);
        this.samples.push({ at: Date.now(), revision: s.revision ?? 0, members: s.members ?? [] });
      } catch {
        this.errors += 1;
      }
      await sleep(this.intervalMs);
    }
  }

  latest(): StatusSample | undefined {
    return this.samples[this.samples.length - 1];
  }

  /** The first sample at or after `from` that satisfies `pred`, waiting up to `timeoutMs`. */
  async first(
    from: number,
    pred: (m: AmkoClusterMemberStatus, s: StatusSample) => boolean,
    opts: { member: string; timeoutMs: number },
  ): Promise<StatusSample | undefined> {
    const deadline = Date.now() + opts.timeoutMs;
    for (let i = 0; ;) {
      for (; i < this.samples.length; i++) {
        const s = this.samples[i]!;
        const m = s.members.find((x) => x.cluster === opts.member);
        if (s.at >= from && m && pred(m, s)) return s;
      }
      if (Date.now() > deadline) return undefined;
      await sleep(this.intervalMs);
    }
  }

  /** Samples taken in [from, to]. */
  between(from: number, to: number): StatusSample[] {
    return this.samples.filter((s) => s.at >= from && s.at <= to);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
  }
}

export function memberOf(s: StatusSample | undefined, cluster: string): AmkoClusterMemberStatus {
  return s?.members.find((m) => m.cluster === cluster) ?? { cluster };
}

/** amko processes that exited while they should be running. */
export function exitedAmkos(f: E2eFederation): string[] {
  return f.contexts.filter((c) => {
    const child = f.run(c)?.child;
    return !child || child.exitCode !== null || child.signalCode !== null;
  });
}

/** The revision the leader's `status` shows as applied by `cluster` (0 when absent). */
export function appliedOf(status: AmkoClusterStatus, cluster: string): number {
  return status.members?.find((m) => m.cluster === cluster)?.appliedRevision ?? 0;
}

/** After the heal: the last edits every follower lacks (lost) and the objects that differ. */
export async function finalCheck(
  f: E2eFederation,
  targets: readonly Target[],
  workload: Workload,
  deadlineMs = 30_000,
): Promise<{ lost: number; violations: string[] }> {
  let lost = 0;
  const violations: string[] = [];
  for (const c of FOLLOWERS) {
    const missing = await workload.missingAfter(c, deadlineMs);
    lost += missing.length;
    violations.push(...missing, ...(await divergent(f, targets, c)).map((d) => `${d} diverges`));
  }
  const crashed = exitedAmkos(f);
  violations.push(...crashed.map((c) => `amko on ${c} exited`));
  return { lost, violations };
}

/** Logs the figures, measures and violations of `result`, and returns it. */
export function reported(ctx: ExperimentContext, result: ExperimentResult): ExperimentResult {
  const { figures, measures, violations } = result;
  ctx.log(JSON.stringify({ seed: ctx.seed, short: ctx.short, figures, measures, violations }));
  return result;
}
