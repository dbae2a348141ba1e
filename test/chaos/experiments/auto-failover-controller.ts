/**
 * The automatic-failover lease when the Avi controller itself goes away (lease 2 s, promotion
 * after 4 s; cluster2 priority 0, cluster1 and cluster3 priority 1). The simulator keeps its
 * configuration in a state file, so it comes back with its objects, the lease included.
 *
 * 1. restart: the controller stops while cluster1 leads, and stays down until the leader has
 *    self-fenced and both followers say that a manual site failover is needed; then it starts
 *    again with its state. The lease survives (same holder and epoch), the leader renews it and
 *    leads again at the same epoch, nothing promotes for three promotion delays, and the leader
 *    makes no controller write before its first lease renewal after the restart.
 * 2. site failure: the controller stops and the leader is SIGKILLed together. No lease can be read
 *    or taken: both followers' AutoFailover condition says `manual site failover needed: kubectl
 *    amko promote --controller-ip`, and nothing promotes for three promotion delays. Then the
 *    controller comes back (the leader does not): the lease expires and exactly one follower
 *    (cluster2, first by priority) takes over automatically.
 */
import type { AmkoClusterStatus } from '../../../src/shared/crd/amko-cluster.js';
import type { JournalEntry } from '../../../src/sim/avi-controller/journal.js';
import { LEASE_HOLDER_MARKER, LEASE_TENANT } from '../../../src/roles/lease-rules.js';
import { AUTO_FAILOVER_CONDITION, MANUAL_FAILOVER_NEEDED } from '../../../src/roles/role-status.js';
import type { E2eFederation } from '../../support/e2e-federation.js';
import { eventually } from '../../support/eventually.js';
import { AutoFailoverSites, LEASE_S, PROMOTE_S, withSites } from '../auto-failover-sites.js';
import type { Experiment, ExperimentContext, ExperimentResult, ResultRow } from '../experiment.js';

const WRITES = Object.freeze(['POST', 'PUT', 'PATCH', 'DELETE']);

interface Observed {
  rows: ResultRow[];
  violations: string[];
  /** Writes by the leader between the restart and its first lease renewal. */
  writesBeforeRenewal: number;
}

const autoFailoverText = (s: AmkoClusterStatus): string =>
  s.conditions?.find((c) => c.type === AUTO_FAILOVER_CONDITION)?.status ?? '';

/** The lease as stored on the controller: holder, epoch and version. */
async function storedLease(f: E2eFederation): Promise<{ text: string; version: string }> {
  const objs = await f.sim.control.objects({ type: 'healthmonitor', tenant: LEASE_TENANT });
  const hm = (objs['healthmonitor'] ?? []).find((o) => String(o['name']).startsWith('amko-lease-'));
  if (!hm) return { text: 'none', version: '' };
  const markers = (hm['markers'] ?? []) as { key: string; values?: string[] }[];
  const value = (k: string): string => markers.find((m) => m.key === k)?.values?.[0] ?? '';
  return {
    text: `${value(LEASE_HOLDER_MARKER)}@${value('amko-lease-epoch')}`,
    version: String(hm['_last_modified']),
  };
}

/** Every running follower stays a follower with isLeader false for three promotion delays. */
async function nothingPromotes(a: AutoFailoverSites, followers: readonly string[], o: Observed) {
  const f = a.federation;
  const until = Date.now() + 3 * PROMOTE_S * 1000;
  await eventually(
    async () => {
      for (const c of followers) {
        const ac = await f.amkoCluster(c);
        if (ac.status?.role !== 'follower' || ac.spec?.isLeader === true) {
          o.violations.push(`${c} is ${ac.status?.role} (isLeader ${ac.spec?.isLeader})`);
        }
      }
      return Date.now() >= until;
    },
    { timeoutMs: 6 * PROMOTE_S * 1000, intervalMs: 250, what: 'no promotion window' },
  );
}

/** Configuration writes from `cluster` before its first successful lease PUT in `entries`. */
function writesBeforeRenewal(entries: readonly JournalEntry[], cluster: string): number {
  const mine = entries.filter((e) => (e.userAgent ?? '').endsWith(`cluster/${cluster}`));
  const isLease = (e: JournalEntry): boolean =>
    JSON.stringify(e.body ?? {}).includes(LEASE_HOLDER_MARKER);
  const renewal = mine.findIndex((e) => e.method === 'PUT' && isLease(e) && e.status < 300);
  const before = renewal < 0 ? mine : mine.slice(0, renewal);
  const session = (e: JournalEntry): boolean => ['login', 'logout'].includes(e.objectType);
  return before.filter((e) => WRITES.includes(e.method) && !session(e) && !isLease(e)).length;
}

async function restart(a: AutoFailoverSites, o: Observed, leader: string): Promise<void> {
  const f = a.federation;
  const followers = f.contexts.filter((c) => c !== leader);
  const before = await storedLease(f);
  const downAt = Date.now();
  await f.sim.down();
  await a.until(leader, (s) => s.role === 'fenced', (LEASE_S + 5) * 1000);
  const fencedMs = Date.now() - downAt;
  for (const c of followers) {
    await a.until(
      c,
      (s) => autoFailoverText(s) === MANUAL_FAILOVER_NEEDED,
      (PROMOTE_S + 10) * 1000,
    );
  }
  await f.sim.up();
  const upAt = Date.now();
  const downMs = upAt - downAt;
  const after = await storedLease(f);
  if (after.text !== before.text || BigInt(after.version) < BigInt(before.version)) {
    o.violations.push(`the lease changed across the restart: ${before.text} → ${after.text}`);
  }
  await a.until(leader, (s) => s.role === 'leader' && s.epoch === 1, 30_000);
  const resumeMs = Date.now() - upAt;
  await nothingPromotes(a, followers, o);
  const renewed = await storedLease(f);
  if (renewed.text !== before.text || BigInt(renewed.version) <= BigInt(before.version)) {
    o.violations.push(`the lease was not renewed by ${leader}: ${renewed.text}`);
  }
  o.writesBeforeRenewal += writesBeforeRenewal(await f.sim.control.journal(), leader);
  o.rows.push({
    scenario: 'controller restarted with its state',
    downMs,
    leaderSelfFencedMs: fencedMs,
    leaseAfterRestart: after.text,
    resumeMs,
    promotions: 0,
  });
}

async function siteFailure(a: AutoFailoverSites, o: Observed, leader: string): Promise<void> {
  const f = a.federation;
  const followers = f.contexts.filter((c) => c !== leader);
  const lostAt = Date.now();
  await Promise.all([f.sim.down(), f.run(leader)?.kill('SIGKILL')]);
  a.failovers++;
  for (const c of followers) {
    await a.until(
      c,
      (s) => autoFailoverText(s) === MANUAL_FAILOVER_NEEDED,
      (PROMOTE_S + 10) * 1000,
    );
  }
  const manualMs = Date.now() - lostAt;
  await nothingPromotes(a, followers, o);
  await f.sim.up();
  const upAt = Date.now();
  const next = await a.newLeader(leader, 1, (2 * LEASE_S + PROMOTE_S + 10) * 1000);
  const recoveryMs = Date.now() - upAt;
  a.recoveryMs.push(recoveryMs);
  await a.converged();
  o.rows.push({
    scenario: 'controller and leader lost together',
    manualFailoverShownMs: manualMs,
    promotionsWhileControllerDown: 0,
    leaderAfterControllerReturned: next,
    recoveryMs,
  });
}

export const experiment: Experiment = {
  name: 'auto-failover-controller',
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const o: Observed = { rows: [], violations: [], writesBeforeRenewal: 0 };
    return withSites(ctx, { simState: true }, {}, async (a) => {
      await a.setUp(ctx.short ? 3 : 10);
      await restart(a, o, 'cluster1');
      await siteFailure(a, o, 'cluster1');
      const fenced = a.fencedWrites + o.writesBeforeRenewal;
      return {
        name: 'auto-failover-controller',
        description:
          `autoFailover on three sites (lease ${LEASE_S} s, promotion after ${PROMOTE_S} s): the ` +
          'controller restarted with its state under a leader, then the controller and the leader ' +
          'lost together and the controller alone brought back; statuses sampled every 200 ms.',
        injected: [
          'controller down until the leader self-fenced and the followers asked for a manual failover, then restarted with its state',
          'controller down and leader SIGKILLed together; the controller restarted after three promotion delays',
        ],
        figures: { leaderKills: 1, crashes: a.crashes(['cluster1']) },
        measures: {
          failoversAttempted: a.failovers,
          promotions: a.promotions,
          doubleLeadershipIntervals: a.doubleLeadership,
          fencedOrExpiredLeaderWrites: fenced,
          maxTimeToAutomaticRecoveryMs: Math.max(...a.recoveryMs),
        },
        rows: o.rows,
        violations: [...a.allViolations(fenced), ...o.violations],
      };
    });
  },
};
