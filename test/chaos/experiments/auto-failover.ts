/**
 * Automatic failover with the lease on the Avi controller (spec.federation.autoFailover, lease 2 s,
 * promotion after 4 s; cluster2 priority 0, cluster1 and cluster3 priority 1). cluster1 leads at
 * epoch 1 over a few GslbServices; then, in order:
 *
 * 1. partition: the leader is cut off from both followers but still reaches the controller:
 *    for three promotion delays nothing promotes (the lease keeps being renewed);
 * 2. kill: the leader is SIGKILLed: exactly one follower (cluster2, first by priority) leads
 *    within promoteAfterSeconds + 5 s, with `spec.isLeader: true`, and the controller converges
 *    to the workload at its epoch;
 * 3. return: the old leader starts again with `isLeader: true`: it finds a higher epoch, is
 *    fenced, demotes itself (`isLeader: false`) and follows, with zero controller writes;
 * 4. (full mode) cut-off: the new leader's requests to the controller are reset: it self-fences
 *    within leaseSeconds (+1 s of slack), a follower takes over, and once the controller is back
 *    the cut-off leader finds the higher epoch and demotes itself; none of its writes after its
 *    self-fence is accepted.
 *
 * Throughout, every running amko's `amko_federation_role` gauge is sampled every 200 ms: two
 * processes leading at once is a double leadership interval.
 */
import { withSites, LEASE_S, PROMOTE_S, type SitesOptions } from '../auto-failover-sites.js';
import type { Experiment, ExperimentContext, ExperimentResult } from '../experiment.js';

/**
 * The scenarios above as an experiment named `name`, with the sites set up by `options` (e.g.
 * skewed clocks); `note` ends its description and `extra` adds to what it says was injected.
 */
export function autoFailoverExperiment(
  name: string,
  options: (ctx: ExperimentContext) => SitesOptions & { note?: string; extra?: string[] },
): Experiment {
  return { name, run: (ctx) => run(name, ctx, options(ctx)) };
}

export const experiment = autoFailoverExperiment('auto-failover', () => ({}));

function describe(ctx: ExperimentContext, note: string | undefined): string {
  return (
    `autoFailover on three sites (lease ${LEASE_S} s, promotion after ${PROMOTE_S} s): the leader ` +
    'partitioned from its followers, SIGKILLed, restarted' +
    (ctx.short ? '' : ', then the new leader cut off from the controller') +
    '; statuses sampled every 200 ms for double leadership' +
    (note ? `; ${note}.` : '.')
  );
}

async function run(
  name: string,
  ctx: ExperimentContext,
  opts: SitesOptions & { note?: string; extra?: string[] },
): Promise<ExperimentResult> {
  return withSites(ctx, { proxied: true }, opts, async (a) => {
    await a.setUp(ctx.short ? 3 : 10);
    await a.partition('cluster1');
    const second = await a.kill('cluster1', 1);
    await a.returns('cluster1', second);
    if (!ctx.short) await a.cutOff(second, 2);
    const max = Math.max(...a.recoveryMs);
    return {
      name,
      description: describe(ctx, opts.note),
      injected: [
        'leader↔follower federation links dropped for three promotion delays',
        'SIGKILL of the leader, then its restart with isLeader: true',
        ...(ctx.short ? [] : ['every controller request of the new leader reset']),
        ...(opts.extra ?? []),
      ],
      figures: { leaderKills: 1, partitionsHealed: 2, crashes: a.crashes() },
      measures: {
        failoversAttempted: a.failovers,
        promotions: a.promotions,
        doubleLeadershipIntervals: a.doubleLeadership,
        fencedOrExpiredLeaderWrites: a.fencedWrites,
        maxTimeToAutomaticRecoveryMs: max,
      },
      rows: a.rows,
      violations: a.allViolations(),
    };
  });
}
