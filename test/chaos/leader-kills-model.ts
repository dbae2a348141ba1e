/**
 * The bookkeeping of the leader-kills experiment, pure: the stream of updates (each one names
 * itself in an annotation, so what a cluster holds says which update it applied last), what a
 * follower held at the kill, which held updates did not survive the promotion, and how many
 * GslbServices the promoted leader has to rewrite.
 */
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import type { ReplicatedKind } from '../../src/shared/federation/replicated-kinds.js';
import type { Obj, ObjKey } from '../support/e2e-federation.js';

/** Every update writes its own number here; the initial objects hold 0. */
export const UPDATE_ANNOTATION = 'chaos.amko-ts.dev/update';
export const CHAOS_NS = 'chaos';
export const HOSTS: readonly string[] = Object.freeze(
  [0, 1, 2, 3].map((i) => `h${i}.${CHAOS_NS}.example.com`),
);

/** One replicated object the stream edits. */
export interface Target {
  readonly id: string;
  readonly kind: ReplicatedKind;
  readonly key: ObjKey;
}

const target = (kind: ReplicatedKind, name: string): Target =>
  Object.freeze({
    id: `${kind}/${name}`,
    kind,
    key: Object.freeze({ namespace: AVI_SYSTEM, name }),
  });

export const GSLB_CONFIG_TARGET = target('GSLBConfig', 'gc-1');
export const GDP_TARGET = target('GlobalDeploymentPolicy', 'global-gdp');
/** A GSLBHostRule for each of the first two hosts; the GDP ttl governs the other two. */
export const GHR_TARGETS: readonly Target[] = Object.freeze(
  [0, 1].map((i) => target('GSLBHostRule', `ghr-h${i}`)),
);
export const TARGETS: readonly Target[] = Object.freeze([
  GSLB_CONFIG_TARGET,
  GDP_TARGET,
  ...GHR_TARGETS,
]);

export const ghrHost = (t: Target): string => HOSTS[GHR_TARGETS.indexOf(t)] ?? '';

export interface Update {
  /** Unique over the whole experiment; also the ttl it sets. */
  readonly n: number;
  readonly target: Target;
  readonly patch: Obj;
}

/**
 * The update numbered `n`: a GDP ttl (40%), the ttl of one GSLBHostRule (45%) or the GSLBConfig
 * logLevel between INFO and DEBUG (15%, changes no GslbService). Every ttl set is `n` (n ≤ 86400).
 */
export function updateOf(n: number, random: () => number): Update {
  const r = random();
  const annotations = { [UPDATE_ANNOTATION]: String(n) };
  if (r < 0.15) {
    const logLevel = n % 2 === 0 ? 'INFO' : 'DEBUG';
    return {
      n,
      target: GSLB_CONFIG_TARGET,
      patch: { metadata: { annotations }, spec: { logLevel } },
    };
  }
  const t = r < 0.55 ? GDP_TARGET : (GHR_TARGETS[r < 0.775 ? 0 : 1] as Target);
  return { n, target: t, patch: { metadata: { annotations }, spec: { ttl: n } } };
}

/** Per target id, the number of the last update a cluster holds (0: none of the stream). */
export type Held = ReadonlyMap<string, number>;

export function updateNumberOf(o: Obj | undefined): number {
  return Number(o?.metadata?.annotations?.[UPDATE_ANNOTATION] ?? 0);
}

/** The highest update a cluster holds, over every object. */
export function appliedUpTo(held: Held): number {
  return Math.max(0, ...held.values());
}

/** Per target, the highest update any of the readings holds. */
export function heldByAny(readings: Iterable<Held>): Held {
  let out: Held = new Map();
  for (const h of readings) out = laterOf(out, h);
  return out;
}

/** Updates some reading holds: it holds that object at that update or a later one. */
export function heldCount(updates: readonly Update[], held: Held): number {
  return updates.filter((u) => (held.get(u.target.id) ?? 0) >= u.n).length;
}

/** Per target, the later of two readings. */
export function laterOf(a: Held, b: Held): Held {
  const out = new Map(a);
  for (const [id, n] of b) out.set(id, Math.max(n, out.get(id) ?? 0));
  return out;
}

/** What a cluster should hold if it applied every update up to `upTo` and nothing else. */
export function expectedHeld(start: Held, updates: readonly Update[], upTo: number): Held {
  const out = new Map(start);
  for (const u of updates) if (u.n <= upTo) out.set(u.target.id, u.n);
  return out;
}

/**
 * Targets where `held` is not the prefix it claims (a hole or a reordering), described. The
 * leader watches each kind on its own watch, so order holds within a kind, not across kinds: a
 * follower holding update N of one kind holds every earlier update of that kind.
 */
export function holesOf(held: Held, start: Held, updates: readonly Update[]): string[] {
  const out: string[] = [];
  for (const kind of new Set(TARGETS.map((t) => t.kind))) {
    const targets = TARGETS.filter((t) => t.kind === kind);
    const upTo = Math.max(0, ...targets.map((t) => held.get(t.id) ?? 0));
    const want = expectedHeld(
      start,
      updates.filter((u) => u.target.kind === kind),
      upTo,
    );
    for (const t of targets) {
      if ((held.get(t.id) ?? 0) === (want.get(t.id) ?? 0)) continue;
      out.push(`${t.id} holds update ${held.get(t.id) ?? 0}, expected ${want.get(t.id) ?? 0}`);
    }
  }
  return out;
}

/**
 * Updates some follower held at the promotion (`heldBefore`: that object at that update or later)
 * that a cluster of `after` no longer holds after convergence (neither it nor a later update of
 * the same object).
 */
export function lostUpdates(
  updates: readonly Update[],
  heldBefore: Held,
  after: ReadonlyMap<string, Held>,
): { count: number; where: Map<string, number[]> } {
  const where = new Map<string, number[]>();
  let count = 0;
  for (const u of updates) {
    if ((heldBefore.get(u.target.id) ?? 0) < u.n) continue;
    let lost = false;
    for (const [cluster, held] of after) {
      if ((held.get(u.target.id) ?? 0) >= u.n) continue;
      lost = true;
      where.set(cluster, [...(where.get(cluster) ?? []), u.n]);
    }
    if (lost) count++;
  }
  return { count, where };
}

/** A list of update numbers as ranges (`101-140, 150`). */
export function ranges(ns: readonly number[]): string {
  const out: string[] = [];
  const sorted = [...ns].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/** The GslbService ttl of every host from a cluster's GDP and GSLBHostRules. */
export function desiredTtls(objs: ReadonlyMap<string, Obj | undefined>): Map<string, unknown> {
  const gdpTtl = objs.get(GDP_TARGET.id)?.spec?.['ttl'];
  const out = new Map<string, unknown>();
  for (const h of HOSTS) out.set(h, gdpTtl);
  for (const t of GHR_TARGETS) {
    const ttl = objs.get(t.id)?.spec?.['ttl'];
    if (ttl !== undefined) out.set(ghrHost(t), ttl);
  }
  return out;
}

/** Hosts whose GslbService on the controller (`ttlByHost`, absent = missing) differs from `want`. */
export function differing(
  ttlByHost: ReadonlyMap<string, unknown>,
  want: ReadonlyMap<string, unknown>,
): string[] {
  return HOSTS.filter((h) => !ttlByHost.has(h) || ttlByHost.get(h) !== want.get(h));
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}
