/**
 * The auto-failover scenarios (auto-failover.ts: partition, leader SIGKILL, the old leader's
 * return and, in full mode, the new leader cut off from the controller) with the sites' clocks
 * 10 s apart, injected through each process's Clock (`--clock-offset-ms`): cluster2, which takes
 * over first, runs 10 s one way and cluster1 and cluster3 10 s the other (which way comes from
 * the seed), so every pair that hands the lease over is 20 s apart, ten leases. No decision
 * compares two sites' clocks: the figures must be those of auto-failover, with 0 double
 * leadership intervals and 0 writes by a fenced or expired leader.
 */
import { autoFailoverExperiment } from './auto-failover.js';

const SKEW_MS = 10_000;

export const experiment = autoFailoverExperiment('auto-failover-skew', (ctx) => {
  const sign = ctx.random() < 0.5 ? 1 : -1;
  const clockOffsetMs = {
    cluster1: sign * SKEW_MS,
    cluster2: -sign * SKEW_MS,
    cluster3: sign * SKEW_MS,
  };
  const text = Object.entries(clockOffsetMs)
    .map(([c, ms]) => `${c} ${ms > 0 ? '+' : ''}${ms / 1000} s`)
    .join(', ');
  return {
    clockOffsetMs,
    note: `clocks skewed: ${text}`,
    extra: [`clock skew through --clock-offset-ms: ${text}`],
  };
});
