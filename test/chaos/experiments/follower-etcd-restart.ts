/**
 * A follower's etcd stopped in the middle of a stream of GDP and GSLBHostRule edits on the
 * leader, and started again after a seeded time: its kube-apiserver keeps running but cannot
 * store anything, so the follower cannot apply, and must not acknowledge, what the leader sends.
 *
 * Checks: while etcd is down (after a grace of GRACE_MS for what was in flight and for the
 * status write), the leader's status for that member does not advance; every revision the leader
 * ever showed as acknowledged by that member is stored on the follower (seen by a real watch on
 * its API server); the follower catches up once etcd is back; every last edit reaches every
 * follower; no revision is stored out of order or twice; no amko exits.
 */
import {
  randomInt,
  type Experiment,
  type ExperimentContext,
  type ExperimentResult,
} from '../experiment.js';
import {
  appliedOf,
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

const GRACE_MS = 3_000;
const CATCH_UP_DEADLINE_MS = 120_000;

/** The seeded choices: which follower loses its etcd, and for how long. */
function plan(ctx: ExperimentContext): { updates: number; follower: string; downMs: number } {
  const follower = FOLLOWERS[randomInt(ctx.random, 0, FOLLOWERS.length - 1)]!;
  const [min, max] = ctx.short ? [6_000, 10_000] : [10_000, 30_000];
  return { updates: ctx.short ? 40 : 200, follower, downMs: randomInt(ctx.random, min, max) };
}

export const experiment: Experiment = {
  name: 'follower-etcd-restart',
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const { updates, follower, downMs } = plan(ctx);
    const violations: string[] = [];
    ctx.log(`etcd of ${follower} down for ${downMs} ms during ${updates} updates`);
    const { f, targets } = await startChaosFederation({ proxied: false, hostRules: 3 });
    const histories: ReplicaHistory[] = [];
    const sampler = new StatusSampler(f);
    try {
      for (const c of FOLLOWERS)
        histories.push(await ReplicaHistory.start(c, f.clusters.kubeConfig(c)));
      const start = await f.status(LEADER);
      const workload = new Workload(f, targets, ctx.random);
      const third = Math.floor(updates / 3);
      await workload.run(third, 3_000);

      const tStop = Date.now();
      await f.clusters.stopEtcd(follower);
      ctx.log(`etcd of ${follower} stopped`);
      await workload.run(third, downMs * 0.8);
      await sleep(tStop + downMs - Date.now());
      const tStart = Date.now();
      await f.clusters.startEtcd(follower);
      ctx.log(`etcd of ${follower} started`);

      const down = whileDown(sampler, follower, tStop + GRACE_MS, tStart);
      violations.push(...down.violations);

      await workload.run(updates - workload.made - workload.failed, 3_000);
      const head = (await f.status(LEADER)).revision ?? 0;
      const caught = await sampler.first(
        tStart,
        (m) => (m.appliedRevision ?? 0) >= head && !m.lastError,
        { member: follower, timeoutMs: CATCH_UP_DEADLINE_MS },
      );
      if (!caught)
        violations.push(`${follower} not caught up ${CATCH_UP_DEADLINE_MS} ms after etcd`);
      await waitInSync(f, CATCH_UP_DEADLINE_MS).catch((err: unknown) => {
        violations.push(`not in sync at the end: ${String(err)}`);
      });

      const final = await finalCheck(f, targets, workload);
      violations.push(...final.violations);
      await sleep(1_000);
      const history = histories.find((h) => h.cluster === follower)!;
      const notStored = ackedNotStored(sampler, history, follower, appliedOf(start, follower));
      if (notStored.length > 0)
        violations.push(
          `${follower} acked revisions never stored: ${notStored.slice(0, 10).join(', ')}`,
        );
      for (const h of histories) {
        h.stop();
        violations.push(...historyViolations(h.cluster, h.versions));
      }
      const end = await f.status(LEADER);
      return reported(ctx, {
        name: 'follower-etcd-restart',
        description:
          `${workload.made} GDP/GSLBHostRule edits on the leader; the etcd of ${follower} stopped ` +
          `for ${downMs} ms after the first ${third} and started again; its replicas watched.`,
        figures: {
          ackedUpdates: FOLLOWERS.reduce((n, c) => n + appliedOf(end, c) - appliedOf(start, c), 0),
          lostUpdates: final.lost,
          crashes: exitedAmkos(f).length,
        },
        measures: {
          etcdDownMs: downMs,
          lagWhileDownMax: down.lagMax,
          acksWhileDown: down.advances,
          ackedNotStored: notStored.length,
          catchUpMs: caught ? caught.at - tStart : -1,
          updatesMade: workload.made,
          updatesFailed: workload.failed,
          replicaVersionsSeen: history.versions.length,
          watchRestarts: history.restarts,
          watchRelists: history.relists,
        },
        injected: [`1 × etcd of ${follower} stopped for ${downMs} ms mid-stream`],
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

/** Acks the leader recorded for `follower` in [from, to] (etcd down), and the lag it showed. */
function whileDown(
  sampler: StatusSampler,
  follower: string,
  from: number,
  to: number,
): { advances: number; lagMax: number; violations: string[] } {
  const down = sampler.between(from, to);
  const acks = down.map((s) => memberOf(s, follower).appliedRevision ?? 0);
  const advances = acks.filter((a, i) => i > 0 && a > acks[i - 1]!).length;
  const lagMax = Math.max(0, ...down.map((s) => memberOf(s, follower).lag ?? 0));
  const violations: string[] = [];
  if (advances > 0)
    violations.push(`${advances} acks recorded for ${follower} while etcd was down`);
  if (lagMax === 0) violations.push(`no lag shown for ${follower} while its etcd was down`);
  return { advances, lagMax, violations };
}

/** Revisions the leader ever showed as applied by `follower` (above `r0`) it never stored. */
function ackedNotStored(
  sampler: StatusSampler,
  history: ReplicaHistory,
  follower: string,
  r0: number,
): number[] {
  const stored = new Set(history.storedRevisions());
  const acked = new Set(
    sampler.samples.map((s) => memberOf(s, follower).appliedRevision ?? 0).filter((a) => a > r0),
  );
  return [...acked].filter((a) => !stored.has(a)).sort((a, b) => a - b);
}
