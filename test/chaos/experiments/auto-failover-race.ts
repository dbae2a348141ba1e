/**
 * Two followers racing for the lease: every site has autoFailover priority 0, so when the leader
 * is SIGKILLed both followers find the lease expired at about the same moment. To make them try
 * at once, every lease PUT is held 300 ms by the simulator before it is applied, while the race
 * runs: a follower that reads the lease while the other's swap is held also swaps, and one of the
 * two gets 412. Each round: kill the leader; exactly one follower leads at the next epoch, with
 * `spec.isLeader: true`, and the other follows it; the killed site starts again, demotes itself
 * and follows the winner with zero controller writes. 20 rounds (short: 3), each new leader the
 * next round's victim.
 *
 * Reported per round: who was killed, which followers tried to swap the lease (attempts), how
 * many swaps were refused (412), the winner and its epoch; over the run: winners per round (1),
 * contested rounds, double leadership intervals from the role sampler (0) and writes by a fenced
 * or expired leader (0).
 */
import type { JournalEntry } from '../../../src/sim/avi-controller/journal.js';
import { LEASE_HOLDER_MARKER } from '../../../src/roles/lease-rules.js';
import { AutoFailoverSites, LEASE_S, PROMOTE_S, withSites } from '../auto-failover-sites.js';
import type { Experiment, ExperimentContext, ExperimentResult, ResultRow } from '../experiment.js';

const EQUAL = Object.freeze({ cluster1: 0, cluster2: 0, cluster3: 0 });
const PUT_HOLD_MS = 300;

/** Lease swaps in `entries`: PUTs of the lease health monitor, with the sender's cluster. */
function leasePuts(entries: readonly JournalEntry[]): { from: string; status: number }[] {
  return entries
    .filter((e) => e.method === 'PUT' && e.objectType === 'healthmonitor')
    .filter((e) => JSON.stringify(e.body ?? {}).includes(LEASE_HOLDER_MARKER))
    .map((e) => ({
      from: /cluster\/(\S+)$/.exec(e.userAgent ?? '')?.[1] ?? '?',
      status: e.status,
    }));
}

interface Tally {
  rounds: number;
  contested: number;
  maxWinners: number;
  refused: number;
  rows: ResultRow[];
  violations: string[];
}

/** One round: kill `leader` (at `epoch`), one follower wins, the killed site returns. */
async function round(
  a: AutoFailoverSites,
  t: Tally,
  at: { leader: string; epoch: number },
): Promise<{ leader: string; epoch: number }> {
  const f = a.federation;
  const since = await a.journalEnd();
  const [hold] = await f.sim.control.faults({
    match: { method: 'PUT', objectType: 'healthmonitor', bodyContains: LEASE_HOLDER_MARKER },
    effect: { latencyMs: PUT_HOLD_MS },
  });
  const killedAt = Date.now();
  // Held lease PUTs and the survey's wait for the dead leader (3 s) lengthen the take-over.
  const winner = await a.kill(at.leader, at.epoch, (PROMOTE_S + 12) * 1000);
  const recoveryMs = Date.now() - killedAt;
  await f.sim.control.clearFaults(hold?.id);
  const epoch = (await f.status(winner)).epoch ?? 0;
  // The killed leader's own renewals just before its kill are not part of the race.
  const puts = leasePuts(await f.sim.control.journal({ since })).filter(
    (p) => p.from !== at.leader,
  );
  const tried = [...new Set(puts.map((p) => p.from))].sort();
  const winners = [...new Set(puts.filter((p) => p.status < 300).map((p) => p.from))];
  const refused = puts.filter((p) => p.status === 412).length;
  t.rounds++;
  t.refused += refused;
  t.maxWinners = Math.max(t.maxWinners, winners.length);
  if (tried.length > 1) t.contested++;
  if (winners.length !== 1 || winners[0] !== winner) {
    t.violations.push(`round ${t.rounds}: lease swaps won by ${winners.join(', ') || 'nobody'}`);
  }
  for (const c of f.contexts.filter((c) => c !== at.leader && c !== winner)) {
    const s = await f.status(c);
    if (s.leader !== winner) t.violations.push(`round ${t.rounds}: ${c} follows ${s.leader}`);
  }
  const back = Date.now() - 1_000;
  await a.returns(at.leader, winner);
  // The next race starts with both followers hearing the new leader.
  const heard = (st: { leaderLastContact?: string }): boolean =>
    Date.parse(st.leaderLastContact ?? '') >= back;
  await a.until(at.leader, heard, 30_000);
  t.rows.push({
    round: t.rounds,
    killed: at.leader,
    attempts: tried.join(' ') || '-',
    refused412: refused,
    winner,
    epoch,
    recoveryMs,
  });
  return { leader: winner, epoch };
}

export const experiment: Experiment = {
  name: 'auto-failover-race',
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const rounds = ctx.short ? 3 : 20;
    const t: Tally = {
      rounds: 0,
      contested: 0,
      maxWinners: 0,
      refused: 0,
      rows: [],
      violations: [],
    };
    return withSites(ctx, { proxied: true }, { priority: EQUAL }, async (a) => {
      await a.setUp(3);
      let at = { leader: 'cluster1', epoch: 1 };
      for (let i = 0; i < rounds; i++) {
        ctx.log(`round ${i + 1}/${rounds}: killing ${at.leader} at epoch ${at.epoch}`);
        at = await round(a, t, at);
      }
      return {
        name: 'auto-failover-race',
        description:
          `autoFailover on three sites of equal priority (lease ${LEASE_S} s, promotion after ` +
          `${PROMOTE_S} s): ${rounds} rounds of leader SIGKILL, both followers racing for the ` +
          'lease, then the killed site restarted; statuses sampled every 200 ms for double leadership.',
        injected: [
          `SIGKILL of the leader, ${rounds} times, each followed by its restart with isLeader: true`,
          `every lease PUT held ${PUT_HOLD_MS} ms by the controller during each race`,
        ],
        figures: { leaderKills: rounds, crashes: a.crashes() },
        measures: {
          rounds: t.rounds,
          contestedRounds: t.contested,
          leaseSwapsRefused412: t.refused,
          maxWinnersPerRound: t.maxWinners,
          failoversAttempted: a.failovers,
          promotions: a.promotions,
          doubleLeadershipIntervals: a.doubleLeadership,
          fencedOrExpiredLeaderWrites: a.fencedWrites,
          maxTimeToAutomaticRecoveryMs: Math.max(...a.recoveryMs),
        },
        rows: t.rows,
        violations: [
          ...a.allViolations(),
          ...t.violations,
          ...(t.rounds !== rounds ? [`${t.rounds} of ${rounds} rounds ran`] : []),
        ],
      };
    });
  },
};
