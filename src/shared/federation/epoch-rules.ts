/**
 * The epoch rules of federation, as pure functions.
 *
 * Each leadership holds an epoch (a term). 0 means "none seen yet"; a leader's epoch is ≥ 1.
 * - Promotion takes the highest epoch seen plus one, persisted before the new leader acts.
 * - Of two claims, the higher epoch wins; two claims with the same epoch are ordered by cluster
 *   name, the lower name losing. So every pair of distinct claims has exactly one winner.
 * - A follower accepts a leader whose claim equals or supersedes the highest it has seen, and
 *   refuses any other as stale.
 * - A leader that learns of a claim superseding its own is fenced.
 */

/** A claim to leadership: an epoch and the cluster that holds it. */
export interface EpochClaim {
  readonly epoch: number;
  readonly leader: string;
}

/** The claim of a cluster that has seen no leader yet. */
export const NO_CLAIM: EpochClaim = Object.freeze({ epoch: 0, leader: '' });

/** The epoch a promotion takes: the highest seen plus one. */
export function promotionEpoch(highestSeen: number): number {
  if (!Number.isSafeInteger(highestSeen) || highestSeen < 0) {
    throw new RangeError(`invalid epoch: ${highestSeen}`);
  }
  return highestSeen + 1;
}

/** Orders claims: negative when `a` loses to `b`, 0 when they are the same claim. */
export function compareClaims(a: EpochClaim, b: EpochClaim): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  if (a.leader === b.leader) return 0;
  return a.leader < b.leader ? -1 : 1;
}

/** True when `a` wins over a different claim `b`. */
export function supersedes(a: EpochClaim, b: EpochClaim): boolean {
  return compareClaims(a, b) > 0;
}

/** The winner of two claims. */
export function maxClaim(a: EpochClaim, b: EpochClaim): EpochClaim {
  return compareClaims(a, b) >= 0 ? a : b;
}

export type Admission =
  | { readonly accept: true; readonly claim: EpochClaim; readonly raised: boolean }
  | { readonly accept: false; readonly current: EpochClaim };

/**
 * A follower's decision on a leader's claim, given the highest claim it has seen. When accepted,
 * `claim` is the new highest claim and `raised` says it must be persisted before acking.
 */
export function admitClaim(highest: EpochClaim, incoming: EpochClaim): Admission {
  if (incoming.epoch < 1) return { accept: false, current: highest };
  const order = compareClaims(incoming, highest);
  if (order < 0) return { accept: false, current: highest };
  return { accept: true, claim: incoming, raised: order > 0 };
}

/** True when a leader holding `own` must stop: it has learnt of a winning claim. */
export function isFencedBy(own: EpochClaim, learnt: EpochClaim): boolean {
  return supersedes(learnt, own);
}

/** The text of a stale-epoch refusal. */
export function staleEpochMessage(incoming: EpochClaim, current: EpochClaim): string {
  return (
    `stale epoch ${incoming.epoch} from ${incoming.leader || 'unknown'}: ` +
    `${current.leader || 'unknown'} leads at epoch ${current.epoch}`
  );
}
