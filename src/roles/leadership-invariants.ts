/**
 * The checker of the leadership invariants written at the top of leadership-step.ts (and of the
 * lease's, leadership-lease.ts): run after every step by the tests and the federation simulation.
 */
import { compareClaims, supersedes } from '../shared/federation/epoch-rules.js';
import { leaseViolations } from './leadership-lease.js';
import { frontOf, type LeadershipState } from './leadership-types.js';

/** The invariants of leadership-step.ts; an empty list when they hold. */
export function violations(s: LeadershipState): string[] {
  const v: string[] = [];
  const front = frontOf(s);
  if (s.mayWrite) {
    if (s.role !== 'promoting' && s.role !== 'leader') v.push(`mayWrite in role ${s.role}`);
    if (s.fence) v.push('mayWrite while fenced');
    if (!s.claim || compareClaims(s.highest, s.claim) !== 0)
      v.push('mayWrite on an unpersisted claim');
  }
  if (s.claim && supersedes(s.learnt, s.claim)) {
    if (s.mayWrite) v.push('mayWrite after learning a higher claim');
    const beforeSurvey = s.role === 'promoting' && !s.progress.includes('surveyed');
    if (s.role !== 'fenced' && !beforeSurvey)
      v.push(`role ${s.role} after learning a higher claim`);
  }
  if (s.fence && (s.mayWrite || front.federation || front.handler === 'leader')) {
    v.push('a fenced process serves as leader');
  }
  if (s.role === 'follower' && (s.mayWrite || s.replicating))
    v.push('a follower writes or replicates');
  if (front.leader !== (s.mayWrite && s.role === 'leader' && s.pipelineOk))
    v.push('amko.leader health disagrees');
  if (s.claim && s.claim.epoch > s.highest.epoch) v.push('claim above the persisted epoch');
  return [...v, ...leaseViolations(s)];
}
