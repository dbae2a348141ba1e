/**
 * What the leader experiments share: a plan of hosts and the member Ingresses behind them, the
 * controller state those Ingresses must produce (computed from the plan, never a constant), the
 * comparison of that state with the simulator's, and readers of amko's JSON log and /metrics.
 */
import { eventually } from '../support/eventually.js';
import { expectedGs, normalize, pathHmName } from '../support/leader-expect.js';
import type { AmkoProcess, LeaderFixture } from '../support/leader-fixture.js';
import { pool } from '../support/pool.js';

type Obj = Record<string, unknown>;

export interface HostPlan {
  readonly host: string;
  /** Ingress name (the same in every cluster that has one). */
  readonly ingress: string;
  readonly members: readonly { readonly cluster: string; readonly ip: string }[];
}

/** `n` hosts in namespace `ns`; `placement(i)` names the clusters with an Ingress for host i. */
export function planHosts(
  n: number,
  ns: string,
  placement: (i: number) => readonly string[],
): HostPlan[] {
  return Array.from({ length: n }, (_, i) => ({
    host: `app${i}.${ns}.example.com`,
    ingress: `ing${i}`,
    members: placement(i).map((cluster) => ({
      cluster,
      ip: `10.${cluster.replace(/\D/g, '') || '9'}.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    })),
  }));
}

/** Writes the Ingresses of `plans` (with AKO's status and annotations) into their clusters. */
export async function writeIngresses(
  f: LeaderFixture,
  ns: string,
  plans: readonly HostPlan[],
): Promise<void> {
  const writes = plans.flatMap((p) => p.members.map((m) => ({ p, m })));
  await pool(writes, 32, ({ p, m }) =>
    f.objects.ingress(m.cluster, ns, p.ingress, {
      hosts: [{ host: p.host, ip: m.ip }],
      labels: { gslb: ns },
    }),
  );
}

/** The GslbService (normalised) the leader must leave on the controller for one host. */
export function expectedOf(p: HostPlan, ns: string, uuid: string): Obj {
  return expectedGs({
    name: p.host,
    uuid,
    members: p.members.map((m) => `INGRESS/${m.cluster}/${ns}/${p.ingress}/${p.host}`),
    pools: {
      10: p.members.map((m) => ({
        ip: m.ip,
        vs: `virtualservice-${p.host}`,
        cluster: `cluster-${m.cluster}`,
      })),
    },
    hms: [pathHmName('http', p.host, '/')],
  });
}

export interface Divergence {
  /** Expected GslbServices absent from the controller. */
  readonly missing: string[];
  /** Present but differing from the expectation. */
  readonly differing: string[];
  /** Names stored more than once. */
  readonly duplicates: string[];
  /** GslbServices and monitors created by this amko that no expected GslbService explains. */
  readonly orphans: string[];
  /** Expected health monitors absent. */
  readonly missingMonitors: string[];
}

export const divergenceCount = (d: Divergence): number => d.missing.length + d.differing.length;

export const isClean = (d: Divergence): boolean =>
  divergenceCount(d) + d.duplicates.length + d.orphans.length + d.missingMonitors.length === 0;

const markedBy = (o: Obj, createdBy: string): boolean =>
  ((o['markers'] as { key: string; values?: string[] }[] | undefined) ?? []).some(
    (m) => m.key === 'created-by' && (m.values ?? []).includes(createdBy),
  );

function byName(gss: readonly Obj[]): { byName: Map<string, Obj>; duplicates: string[] } {
  const map = new Map<string, Obj>();
  const duplicates = new Set<string>();
  for (const g of gss) {
    const name = String(g['name']);
    if (map.has(name)) duplicates.add(name);
    map.set(name, g);
  }
  return { byName: map, duplicates: [...duplicates] };
}

function monitorGaps(
  hms: readonly Obj[],
  plans: readonly HostPlan[],
  createdBy: string,
): { orphans: string[]; missing: string[] } {
  const wanted = new Set(plans.map((p) => pathHmName('http', p.host, '/')));
  const ours = new Set(hms.filter((h) => markedBy(h, createdBy)).map((h) => String(h['name'])));
  return {
    orphans: [...ours].filter((n) => !wanted.has(n)).map((n) => `healthmonitor ${n}`),
    missing: [...wanted].filter((n) => !ours.has(n)),
  };
}

/** The controller's GslbServices and monitors against the expectation of `plans`. */
export async function divergence(
  f: LeaderFixture,
  opts: { ns: string; uuid: string; plans: readonly HostPlan[] },
): Promise<Divergence> {
  const createdBy = `amko-${opts.uuid}`;
  const objs = await f.sim.control.objects();
  const gss = objs['gslbservice'] ?? [];
  const { byName: stored, duplicates } = byName(gss);
  const wanted = new Set(opts.plans.map((p) => p.host));
  const missing: string[] = [];
  const differing: string[] = [];
  for (const p of opts.plans) {
    const got = stored.get(p.host);
    const same =
      got !== undefined &&
      JSON.stringify(normalize(got)) === JSON.stringify(expectedOf(p, opts.ns, opts.uuid));
    if (got === undefined) missing.push(p.host);
    else if (!same) differing.push(p.host);
  }
  const monitors = monitorGaps(objs['healthmonitor'] ?? [], opts.plans, createdBy);
  const orphanGs = gss
    .filter((g) => g['created_by'] === createdBy && !wanted.has(String(g['name'])))
    .map((g) => `gslbservice ${String(g['name'])}`);
  return {
    missing,
    differing,
    duplicates,
    orphans: [...orphanGs, ...monitors.orphans],
    missingMonitors: monitors.missing,
  };
}

/** A short description of a divergence, for violations. */
export function describeDivergence(d: Divergence): string {
  const part = (what: string, list: readonly string[]): string =>
    list.length === 0 ? '' : `${list.length} ${what} (e.g. ${list.slice(0, 3).join(', ')}); `;
  return (
    part('missing', d.missing) +
    part('differing', d.differing) +
    part('duplicated', d.duplicates) +
    part('orphaned', d.orphans) +
    part('monitors missing', d.missingMonitors)
  ).trim();
}

/** GslbServices created (POST answered 201) as the simulator counts them. */
export async function gsCreated(f: LeaderFixture): Promise<number> {
  const stats = await f.sim.control.stats();
  return stats.counts
    .filter((c) => c.method === 'POST' && c.objectType === 'gslbservice' && c.status === 201)
    .reduce((n, c) => n + c.count, 0);
}

/** amko's log as parsed JSON lines (lines that are not JSON are skipped). */
export function logLines(amko: AmkoProcess): Obj[] {
  const out: Obj[] = [];
  for (const line of amko.log().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Obj);
    } catch {
      // a line cut short by a concurrent write
    }
  }
  return out;
}

/** True when the amko process ended without being asked to. */
export const crashed = (amko: AmkoProcess): boolean =>
  amko.child.exitCode !== null || amko.child.signalCode !== null;

/** The port of amko's /metrics endpoint (started with `--metrics-listen 127.0.0.1:0`). */
export async function metricsPort(amko: AmkoProcess): Promise<number> {
  const port = await eventually(
    () => {
      const line = logLines(amko).find((l) => l['msg'] === 'metrics listening on /metrics');
      return line === undefined ? false : Number(line['port']);
    },
    { timeoutMs: 60_000, intervalMs: 200, what: 'amko metrics endpoint' },
  );
  return Number(port);
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Scrapes amko's /metrics and parses the Prometheus text. */
export async function scrape(port: number): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
    signal: AbortSignal.timeout(10_000),
  });
  const out: Sample[] = [];
  for (const line of (await res.text()).split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m?.[1] || m[3] === undefined) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[l[1] ?? ''] = l[2] ?? '';
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of the samples named `name` whose labels include `labels`. */
export function sumOf(samples: readonly Sample[], name: string, labels: Obj = {}): number {
  return samples
    .filter((s) => s.name === name)
    .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);
}
