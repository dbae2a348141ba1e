/**
 * Leader kills: on one three-site federation (real clusters, the simulator, three real amko
 * processes), each run streams updates to the GDP, two GSLBHostRules and the GSLBConfig on the
 * current leader, SIGKILLs the leader's amko at a seeded point of the stream (the stream ends
 * there), reads what each follower holds, promotes a follower with `kubectl patch` and checks,
 * after convergence, that every update a follower held survived on the new leader and the other
 * follower, that the new leader wrote exactly the GslbServices whose desired state changed, and
 * how long it took to its first complete pass over every GslbService. The killed amko then
 * returns as a follower of the new leader, which leads the next run. Half the runs have the
 * followers as hot standbys, half as cold ones.
 */
import {
  randomInt,
  type Experiment,
  type ExperimentContext,
  type ExperimentResult,
  type ResultRow,
} from '../experiment.js';
import {
  appliedUpTo,
  desiredTtls,
  differing,
  heldByAny,
  heldCount,
  holesOf,
  laterOf,
  lostUpdates,
  median,
  ranges,
  updateOf,
  type Held,
  type Update,
} from '../leader-kills-model.js';
import type { JournalEntry } from '../../../src/sim/avi-controller/journal.js';
import { acceptedWrite } from '../../support/e2e-federation.js';
import { eventually } from '../../support/eventually.js';
import { KillsSite, logLines, type Standby } from '../leader-kills-site.js';

const NAME = 'leader-kills';
/** The end of the promoted amko's first complete pass over every GslbService key. */
const PASS_END: Record<Standby, RegExp> = {
  hot: /^full sync finished$/,
  cold: /^bootup sync finished$/,
};
const PASS_TIMEOUT_MS = 120_000;
const CONVERGE_TIMEOUT_MS = 60_000;
const SETTLE_TIMEOUT_MS = 10_000;

interface Plan {
  readonly runs: number;
  readonly updates: number;
}

interface RunRow extends ResultRow {
  readonly run: number;
  readonly standby: Standby;
  readonly killAfter: number;
  readonly promoted: string;
  readonly acked: number;
  readonly lost: number;
  readonly writes: number;
  /** Writes the controller refused (conflicts with what the standby's view missed). */
  readonly refused: number;
  readonly expectedWrites: number;
  readonly diffFreeMs: number;
}

interface Totals {
  leaderKills: number;
  ackedUpdates: number;
  lostUpdates: number;
  finalDivergence: number;
  readonly rows: RunRow[];
  readonly violations: string[];
}

/** The experiment's state between runs. */
interface Cursor {
  leader: string;
  /** Number of the next update (also its ttl): unique over the whole experiment. */
  next: number;
}

const standbyOf = (run: number, plan: Plan): Standby => (run < plan.runs / 2 ? 'hot' : 'cold');

async function eventuallyOr<T>(fn: () => Promise<T>, ok: (t: T) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Hosts whose GslbService on the controller differs from what `leader`'s objects want. */
async function divergence(site: KillsSite, leader: string): Promise<string[]> {
  const want = desiredTtls(await site.objects(leader));
  return differing(await site.controllerTtls(), want);
}

/** What each follower holds right after the kill, and once settled before the promotion. */
interface Readings {
  readonly atKill: ReadonlyMap<string, Held>;
  readonly atPromotion: ReadonlyMap<string, Held>;
}

async function readFollowers(site: KillsSite, followers: readonly string[]) {
  const held = await Promise.all(followers.map((c) => site.held(c)));
  return new Map(followers.map((c, i) => [c, held[i] ?? new Map<string, number>()]));
}

const sameHeld = (a: ReadonlyMap<string, Held>, b: ReadonlyMap<string, Held>): boolean =>
  [...a].every(([c, h]) => [...h].every(([id, n]) => b.get(c)?.get(id) === n));

/**
 * What each follower holds once it stopped applying: a follower may still apply the changes it
 * had received when the leader died, and one reading of several objects may straddle a write.
 * Reads until two readings agree (bounded); the last reading otherwise.
 */
async function readSettled(site: KillsSite, followers: readonly string[]) {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let last = await readFollowers(site, followers);
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const next = await readFollowers(site, followers);
    if (sameHeld(last, next) || Date.now() > deadline) return next;
    last = next;
  }
}

/** The follower to promote: seeded; in short mode the one holding most (see the report). */
function choosePromoted(
  ctx: ExperimentContext,
  followers: readonly string[],
  held: ReadonlyMap<string, Held>,
): string {
  const seeded = followers[randomInt(ctx.random, 0, followers.length - 1)] ?? '';
  if (!ctx.short) return seeded;
  const upTo = (c: string): number => appliedUpTo(held.get(c) ?? new Map());
  const best = Math.max(...followers.map(upTo));
  return upTo(seeded) === best ? seeded : (followers.find((c) => upTo(c) === best) ?? seeded);
}

interface Stream {
  readonly start: Held;
  readonly updates: readonly Update[];
  readonly killAfter: number;
}

/** Streams updates to the leader and SIGKILLs its amko after the `killAfter`-th. */
async function streamAndKill(
  ctx: ExperimentContext,
  site: KillsSite,
  cur: Cursor,
  plan: Plan,
): Promise<Stream> {
  const start = await site.held(cur.leader);
  const killAfter = randomInt(ctx.random, 1, plan.updates);
  const updates: Update[] = [];
  for (let i = 1; i <= killAfter; i++) {
    const u = updateOf(cur.next++, ctx.random);
    await site.f.patch(cur.leader, u.target.kind, u.target.key, u.patch);
    updates.push(u);
  }
  await site.kill(cur.leader, 'SIGKILL');
  return { start, updates, killAfter };
}

interface Promotion {
  readonly promoted: string;
  readonly survivor: string;
  readonly journalStart: number;
  readonly controllerBefore: ReadonlyMap<string, unknown>;
  readonly diffFreeMs: number;
  readonly failing: unknown;
  /** Milestones in the promoted amko's log, in ms from the patch. */
  readonly phases: Readonly<Record<string, number | null>>;
}

const PHASES: Readonly<Record<string, RegExp>> = Object.freeze({
  epochPersisted: /^promoted: epoch \d+ persisted$/,
  surveyDone: /^epoch survey/,
  pipelineWriting: /^leader (activated|started)$/,
  keysQueued: /^(full sync: controller re-read|activation: |starting the GSLB pipeline)/,
  leading: /^leading$/,
});

function phasesOf(site: KillsSite, cluster: string, t0: number): Record<string, number | null> {
  const lines = logLines(site.runOf(cluster)).filter((l) => l.time >= t0);
  const out: Record<string, number | null> = {};
  for (const [name, re] of Object.entries(PHASES)) {
    const line = lines.find((l) => re.test(l.msg));
    out[name] = line ? line.time - t0 : null;
  }
  return out;
}

/** Promotes a follower with kubectl and waits for the end of its first complete pass. */
async function promote(
  ctx: ExperimentContext,
  site: KillsSite,
  o: { followers: readonly string[]; held: ReadonlyMap<string, Held>; standby: Standby },
): Promise<Promotion> {
  const promoted = choosePromoted(ctx, o.followers, o.held);
  const survivor = o.followers.find((c) => c !== promoted) ?? '';
  const controllerBefore = await site.controllerTtls();
  const journalStart = (await site.f.sim.control.stats()).total;
  const t0 = Date.now();
  await site.setLeader(promoted, true);
  const end = await site.waitLine(promoted, PASS_END[o.standby], {
    after: t0,
    timeoutMs: PASS_TIMEOUT_MS,
  });
  return {
    promoted,
    survivor,
    journalStart,
    controllerBefore,
    diffFreeMs: end.time - t0,
    failing: end['failing'],
    phases: phasesOf(site, promoted, t0),
  };
}

/** The promoted amko leads, the survivor follows it and holds its objects. */
async function waitConverged(site: KillsSite, p: Promotion, epochBefore: number): Promise<void> {
  await eventually(
    async () => {
      const [s, f] = [await site.f.status(p.promoted), await site.f.status(p.survivor)];
      if (s.role !== 'leader' || (s.epoch ?? 0) <= epochBefore || s.inSync !== '1/2') {
        throw new Error(`${p.promoted}: role ${s.role}, epoch ${s.epoch}, in sync ${s.inSync}`);
      }
      if (f.role !== 'follower' || f.leader !== p.promoted) {
        throw new Error(`${p.survivor}: role ${f.role}, leader ${f.leader}`);
      }
    },
    { timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 200, what: 'the promotion settled' },
  );
  await site.waitSameObjects(p.promoted, CONVERGE_TIMEOUT_MS);
}

function describeLoss(
  run: number,
  p: Promotion,
  readings: Readings,
  lost: ReturnType<typeof lostUpdates>,
): string {
  const upTo = [...readings.atPromotion]
    .map(([c, h]) => `${c} held up to update ${appliedUpTo(h)}`)
    .join(', ');
  const where = [...lost.where].map(([c, ns]) => `${c} lacks ${ranges(ns)}`).join('; ');
  return (
    `run ${run}: ${lost.count} update(s) held by a follower lost after promoting ${p.promoted} ` +
    `(${upTo}): ${where}`
  );
}

/**
 * What the killed leader wrote last may not have reached a hot standby's view: the promoted
 * standby's update of such an object is refused (412, or 409 for a create) and planned again
 * on what the controller holds. Those refusals are counted apart from the writes.
 */
const CONFLICTS: readonly number[] = [409, 412];

/** What else did not hold in a run. */
function judged(
  run: number,
  o: {
    p: Promotion;
    writes: readonly JournalEntry[];
    expectedWrites: number;
    diverging: readonly string[];
    killed: string;
    killedWrites: readonly JournalEntry[];
  },
): string[] {
  const out: string[] = [];
  const accepted = o.writes.filter(acceptedWrite);
  if (accepted.length !== o.expectedWrites) {
    const ops = o.writes.map((w) => `${w.method} ${w.path} ${w.status}`).join(', ');
    out.push(
      `run ${run}: ${o.p.promoted} made ${accepted.length} controller write(s), ` +
        `expected ${o.expectedWrites} (GslbServices whose desired state changed): ${ops}`,
    );
  }
  const unexpected = o.writes.filter((w) => !acceptedWrite(w) && !CONFLICTS.includes(w.status));
  if (unexpected.length > 0) {
    const ops = unexpected.map((w) => `${w.method} ${w.path} ${w.status}`).join(', ');
    out.push(`run ${run}: ${o.p.promoted} had writes refused for another cause: ${ops}`);
  }
  if (o.diverging.length > 0) {
    out.push(`run ${run}: diverging after convergence: ${o.diverging.join(', ')}`);
  }
  if (o.p.failing !== 0) {
    out.push(`run ${run}: the first pass ended with ${String(o.p.failing)} key(s) failing`);
  }
  if (o.killedWrites.length > 0) {
    out.push(`run ${run}: ${o.killed} wrote ${o.killedWrites.length} time(s) after the promotion`);
  }
  return out;
}

/** One kill, promotion and return; returns its row and pushes what did not hold. */
async function oneRun(
  ctx: ExperimentContext,
  site: KillsSite,
  cur: Cursor,
  o: {
    run: number;
    plan: Plan;
    totals: Totals;
  },
): Promise<void> {
  const { run, plan, totals } = o;
  const began = Date.now();
  const standby = standbyOf(run, plan);
  const nextStandby = standbyOf(Math.min(run + 1, plan.runs - 1), plan);
  await site.ensureFollowers(cur.leader, standby);
  await eventuallyOr(
    () => divergence(site, cur.leader),
    (d) => d.length === 0,
    CONVERGE_TIMEOUT_MS,
  );
  const killed = cur.leader;
  const followers = site.f.contexts.filter((c) => c !== killed);
  const epochBefore = (await site.f.status(killed)).epoch ?? 0;
  const stream = await streamAndKill(ctx, site, cur, plan);
  totals.leaderKills++;
  const atKill = await readFollowers(site, followers);
  const settled = await readSettled(site, followers);
  const atPromotion = new Map(
    [...settled].map(([c, h]) => [c, laterOf(atKill.get(c) ?? new Map(), h)]),
  );
  const readings: Readings = { atKill, atPromotion };
  for (const [c, h] of settled) {
    for (const hole of holesOf(h, stream.start, stream.updates)) {
      totals.violations.push(`run ${run}: follower ${c} before the promotion: ${hole}`);
    }
  }
  const first = stream.updates[0]?.n ?? cur.next;
  const acked = heldCount(stream.updates, heldByAny(atKill.values()));
  const heldBefore = heldByAny(atPromotion.values());
  const p = await promote(ctx, site, { followers, held: atPromotion, standby });
  await waitConverged(site, p, epochBefore);
  const want = desiredTtls(await site.objects(p.promoted));
  const expectedWrites = differing(p.controllerBefore, want).length;
  const diverging = await eventuallyOr(
    () => divergence(site, p.promoted),
    (d) => d.length === 0,
    CONVERGE_TIMEOUT_MS,
  );
  const after = new Map([
    [p.promoted, await site.held(p.promoted)],
    [p.survivor, await site.held(p.survivor)],
  ]);
  const lost = lostUpdates(stream.updates, heldBefore, after);
  await site.ensureFollowers(p.promoted, nextStandby);
  const writes = await site.f.writesFrom(p.promoted, p.journalStart);
  const killedWrites = await site.f.writesFrom(killed, p.journalStart);
  cur.leader = p.promoted;
  totals.ackedUpdates += acked;
  totals.lostUpdates += lost.count;
  totals.finalDivergence += diverging.length;
  if (lost.count > 0) totals.violations.push(describeLoss(run, p, readings, lost));
  totals.violations.push(
    ...judged(run, { p, writes, expectedWrites, diverging, killed, killedWrites }),
  );
  const row: RunRow = {
    run,
    standby,
    killAfter: stream.killAfter,
    promoted: p.promoted,
    acked,
    lost: lost.count,
    writes: writes.filter(acceptedWrite).length,
    refused: writes.filter((w) => !acceptedWrite(w)).length,
    expectedWrites,
    diffFreeMs: p.diffFreeMs,
  };
  totals.rows.push(row);
  const upTo = (m: ReadonlyMap<string, Held>): string =>
    [...m].map(([c, h]) => `${c}@${Math.max(0, appliedUpTo(h) - first + 1)}`).join(' ');
  const held = `${upTo(atKill)} at the kill, ${upTo(atPromotion)} at promotion`;
  ctx.log(
    `run ${run}: ${JSON.stringify(row)}; held ${held}; ` +
      `phases (ms from the patch): ${JSON.stringify(p.phases)}; ` +
      `run took ${((Date.now() - began) / 1000).toFixed(1)} s`,
  );
}

function measuresOf(rows: readonly RunRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of ['hot', 'cold'] as const) {
    const ms = rows.filter((r) => r.standby === s).map((r) => r.diffFreeMs);
    if (ms.length === 0) continue;
    out[`diffFreeMsMedian${s === 'hot' ? 'Hot' : 'Cold'}`] = median(ms);
    out[`diffFreeMsMax${s === 'hot' ? 'Hot' : 'Cold'}`] = Math.max(...ms);
  }
  return out;
}

async function run(ctx: ExperimentContext): Promise<ExperimentResult> {
  const plan: Plan = ctx.short ? { runs: 2, updates: 100 } : { runs: 20, updates: 1000 };
  ctx.log(`seed ${ctx.seed}: ${plan.runs} runs of up to ${plan.updates} updates`);
  const totals: Totals = {
    leaderKills: 0,
    ackedUpdates: 0,
    lostUpdates: 0,
    finalDivergence: 0,
    rows: [],
    violations: [],
  };
  const began = Date.now();
  const site = await KillsSite.start(standbyOf(0, plan), (m) => {
    ctx.log(`${m} (${((Date.now() - began) / 1000).toFixed(1)} s)`);
  });
  const cur: Cursor = { leader: 'cluster1', next: 100 };
  try {
    for (let r = 0; r < plan.runs; r++) {
      try {
        await oneRun(ctx, site, cur, { run: r, plan, totals });
      } catch (err) {
        totals.violations.push(`run ${r}: ${err instanceof Error ? err.message : String(err)}`);
        process.stderr.write(site.f.logTails(4000));
        break;
      }
    }
  } finally {
    await site.stop();
  }
  totals.violations.push(...site.crashes);
  return {
    name: NAME,
    description:
      `${plan.runs} runs on one three-site federation; each streams up to ${plan.updates} ` +
      'updates (GDP ttl, two GSLBHostRule ttls, GSLBConfig logLevel) to the leader, SIGKILLs its ' +
      'amko at a seeded point, promotes a follower with kubectl patch (half the runs hot standby, ' +
      'half cold) and brings the killed amko back as a follower. diffFreeMs: from the patch to ' +
      'the end of the new leader\'s first complete pass over every GslbService ("full sync ' +
      'finished" hot, "bootup sync finished" cold).',
    figures: {
      leaderKills: totals.leaderKills,
      ackedUpdates: totals.ackedUpdates,
      lostUpdates: totals.lostUpdates,
      crashes: site.crashes.length,
      finalDivergence: totals.finalDivergence,
    },
    measures: measuresOf(totals.rows),
    injected: [
      `${totals.leaderKills} SIGKILLs of the leading amko mid-stream, each followed by a kubectl promotion`,
    ],
    rows: totals.rows,
    violations: totals.violations,
  };
}

export const experiment: Experiment = { name: NAME, run };
