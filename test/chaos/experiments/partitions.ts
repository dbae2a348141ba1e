/**
 * Network faults on the leader→follower federation links, under a stream of GDP and
 * GSLBHostRule edits on the leader. Three real clusters, the Avi simulator and three real amko
 * processes; every federation link runs through its own TCP proxy. One fault at a time, on a
 * seeded link, of a seeded mode and duration:
 * - `drop`: new connections closed on accept, bytes on the live one thrown away;
 * - `stall`: the live connection and new ones held open, nothing forwarded;
 * - `reset`: RST on the live connection and on every new one.
 *
 * Per fault it measures when the leader's AMKOCluster status shows the follower cut off
 * (`lastError`) and, after the heal, when the follower acknowledged everything the leader had at
 * the heal. A silent fault (drop, stall) is only noticed by the HTTP/2 keepalive of the channel:
 * a ping every `--federation-keepalive-ms` (KEEPALIVE_MS here, 10 s by default), the connection
 * given up when one is not answered within half of it; the last answered ping was at most one
 * interval before the fault, so the bound is 1.5 × the interval, plus the status write's
 * coalescing (500 ms), the sampling and timers late on a busy machine (DETECT_SLACK_MS).
 *
 * Checks: every fault detected within the bound, lag or an error shown while cut off, caught up
 * after the heal; at the end every follower holds the leader's content and every last edit, and
 * the follower's watch history (`ReplicaHistory`) shows no revision stored out of order or twice.
 */
import { keepaliveOf } from '../../../src/shared/federation/federation-names.js';
import type { TcpProxyMode } from '../../support/tcp-proxy.js';
import {
  randomInt,
  type Experiment,
  type ExperimentContext,
  type ExperimentResult,
  type ResultRow,
} from '../experiment.js';
import {
  exitedAmkos,
  finalCheck,
  FOLLOWERS,
  LEADER,
  memberOf,
  reported,
  sleep,
  startChaosFederation,
  StatusSampler,
  waitInSync,
  Workload,
} from '../chaos-federation.js';
import { historyViolations, ReplicaHistory } from '../replica-history.js';

/** The keepalive every amko of the experiment runs with (`--federation-keepalive-ms`). */
const KEEPALIVE_MS = 2_000;
const KEEPALIVE = keepaliveOf(KEEPALIVE_MS);
const DETECT_SLACK_MS = 4_000;
/** How long after an injected fault the leader's status must show it (see the top). */
export const DETECTION_BOUND_MS = KEEPALIVE.timeMs + KEEPALIVE.timeoutMs + DETECT_SLACK_MS;
const CATCH_UP_DEADLINE_MS = 60_000;

interface Fault {
  readonly follower: string;
  readonly mode: TcpProxyMode;
  readonly durationMs: number;
  readonly updates: number;
}

/** Each mode `rounds` times, in a seeded order, on seeded links, for seeded durations. */
function planFaults(ctx: ExperimentContext, updates: number): Fault[] {
  const rounds = ctx.short ? 1 : 3;
  const modes: TcpProxyMode[] = [];
  for (let i = 0; i < rounds; i++) modes.push('drop', 'stall', 'reset');
  for (let i = modes.length - 1; i > 0; i--) {
    const j = randomInt(ctx.random, 0, i);
    [modes[i], modes[j]] = [modes[j]!, modes[i]!];
  }
  const perFault = Math.floor((updates * 0.8) / modes.length);
  const silentMax = ctx.short ? 3_000 : 8_000;
  return modes.map((mode) => ({
    follower: FOLLOWERS[randomInt(ctx.random, 0, FOLLOWERS.length - 1)]!,
    mode,
    // A silent fault lasts past the detection bound, so that detection can be measured.
    durationMs:
      mode === 'reset'
        ? randomInt(ctx.random, 1_000, 4_000)
        : DETECTION_BOUND_MS + randomInt(ctx.random, 1_000, silentMax),
    updates: perFault,
  }));
}

export const experiment: Experiment = {
  name: 'partitions',
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const updates = ctx.short ? 40 : 200;
    const faults = planFaults(ctx, updates);
    const violations: string[] = [];
    const rows: ResultRow[] = [];
    ctx.log(
      `${faults.length} faults, ${updates} updates, detection bound ${DETECTION_BOUND_MS} ms`,
    );
    const { f, targets } = await startChaosFederation({
      proxied: true,
      hostRules: 3,
      amkoArgs: ['--federation-keepalive-ms', String(KEEPALIVE_MS)],
    });
    const histories: ReplicaHistory[] = [];
    const sampler = new StatusSampler(f);
    try {
      for (const c of FOLLOWERS)
        histories.push(await ReplicaHistory.start(c, f.clusters.kubeConfig(c)));
      const start = await f.status(LEADER);
      const workload = new Workload(f, targets, ctx.random);
      for (const fault of faults) {
        await waitInSync(f, CATCH_UP_DEADLINE_MS).catch(() => undefined);
        const row = await injectFault(f, sampler, workload, fault);
        ctx.log(JSON.stringify(row));
        rows.push(row);
        violations.push(...faultViolations(row, fault));
        await sleep(randomInt(ctx.random, 300, 1_500));
      }
      await workload.run(updates - workload.made - workload.failed, 2_000);
      await waitInSync(f, CATCH_UP_DEADLINE_MS).catch((err: unknown) => {
        violations.push(`not in sync at the end: ${String(err)}`);
      });
      const final = await finalCheck(f, targets, workload, CATCH_UP_DEADLINE_MS);
      violations.push(...final.violations);
      const lost = final.lost;
      await sleep(1_000);
      for (const h of histories) {
        h.stop();
        violations.push(...historyViolations(h.cluster, h.versions));
      }
      const crashed = exitedAmkos(f);
      const end = await f.status(LEADER);
      const acked = FOLLOWERS.reduce(
        (n, c) =>
          n +
          (memberOf({ at: 0, revision: 0, members: end.members ?? [] }, c).appliedRevision ?? 0) -
          (memberOf({ at: 0, revision: 0, members: start.members ?? [] }, c).appliedRevision ?? 0),
        0,
      );
      const detected = rows.map((r) => Number(r['detectedMs'])).filter((n) => n >= 0);
      const caught = rows.map((r) => Number(r['caughtUpMs'])).filter((n) => n >= 0);
      return reported(ctx, {
        name: 'partitions',
        description:
          `${workload.made} GDP/GSLBHostRule edits on the leader while ${faults.length} seeded ` +
          'faults (drop, stall, reset) cut a leader→follower federation link through a TCP proxy, ' +
          'one at a time, each healed after its duration; follower replicas watched throughout.',
        figures: {
          partitionsHealed: rows.filter((r) => Number(r['caughtUpMs']) >= 0).length,
          ackedUpdates: acked,
          lostUpdates: lost,
          crashes: crashed.length,
        },
        measures: {
          detectionBoundMs: DETECTION_BOUND_MS,
          detectionMsMax: detected.length ? Math.max(...detected) : -1,
          catchUpMsMax: caught.length ? Math.max(...caught) : -1,
          updatesMade: workload.made,
          updatesFailed: workload.failed,
          replicaVersionsSeen: histories.reduce((n, h) => n + h.versions.length, 0),
          watchRelists: histories.reduce((n, h) => n + h.relists, 0),
        },
        injected: (['drop', 'stall', 'reset'] as const).map(
          (m) => `${faults.filter((x) => x.mode === m).length} × ${m} on a leader→follower link`,
        ),
        rows,
        violations,
      });
    } catch (err) {
      ctx.log(f.logTails());
      throw err;
    } finally {
      for (const h of histories) h.stop();
      await sampler.stop();
      await f.stop();
    }
  },
};

/** Injects one fault while editing, heals it and measures detection and catch-up. */
async function injectFault(
  f: Awaited<ReturnType<typeof startChaosFederation>>['f'],
  sampler: StatusSampler,
  workload: Workload,
  fault: Fault,
): Promise<ResultRow> {
  const link = f.link(LEADER, fault.follower);
  const member = fault.follower;
  const t0 = Date.now();
  link.setMode(fault.mode);
  await workload.run(fault.updates, fault.durationMs * 0.8);
  await sleep(t0 + fault.durationMs - Date.now());
  const t1 = Date.now();
  link.setMode('pass');
  const detected = await sampler.first(t0, (m) => Boolean(m.lastError), { member, timeoutMs: 0 });
  const lagSeen = sampler
    .between(t0, t1)
    .some((s) => (memberOf(s, member).lag ?? 0) > 0 || Boolean(memberOf(s, member).lastError));
  const head = (await f.status(LEADER)).revision ?? 0;
  const caught = await sampler.first(t1, (m) => (m.appliedRevision ?? 0) >= head && !m.lastError, {
    member,
    timeoutMs: CATCH_UP_DEADLINE_MS,
  });
  return {
    link: `${LEADER}->${member}`,
    mode: fault.mode,
    durationMs: fault.durationMs,
    detectedMs: detected && detected.at <= t1 ? detected.at - t0 : -1,
    caughtUpMs: caught ? caught.at - t1 : -1,
    lagSeen,
    lastError: detected ? String(memberOf(detected, member).lastError).slice(0, 80) : '',
  };
}

function faultViolations(row: ResultRow, fault: Fault): string[] {
  const out: string[] = [];
  const what = `${fault.mode} on ${String(row['link'])}`;
  const detectedMs = Number(row['detectedMs']);
  if (detectedMs < 0) out.push(`${what}: not detected in ${fault.durationMs} ms`);
  else if (detectedMs > DETECTION_BOUND_MS)
    out.push(`${what}: detected after ${detectedMs} ms > bound ${DETECTION_BOUND_MS} ms`);
  if (row['lagSeen'] !== true) out.push(`${what}: neither lag nor an error shown while cut off`);
  if (Number(row['caughtUpMs']) < 0)
    out.push(`${what}: not caught up ${CATCH_UP_DEADLINE_MS} ms after the heal`);
  return out;
}
