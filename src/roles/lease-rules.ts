/**
 * The automatic-failover lease, as pure rules. The lease is one health monitor on the Avi GSLB
 * leader controller, `amko-lease-<amko-uuid>`, with `is_federated: false`: the GSLB does not
 * replicate it to follower controllers, and the pipeline (which reads and collects only
 * federated monitors) never sees it. Its markers hold the holder cluster, the epoch it holds and
 * the holder's renew time; every change is a PUT carrying `_last_modified` (412 when it changed).
 *
 * Time: no decision compares clocks of two sites. A leader counts from when it *sent* its last
 * successful renew, on its own clock; a follower counts from when *it* first saw the lease's
 * current `_last_modified`, on its own clock, and forgets what it saw whenever a read fails. A
 * renew lands after it was sent and is seen after it landed, so a follower's lease expiry comes
 * no earlier than the leader's self-fence, whatever the skew between their clocks.
 */
import type { HealthMonitor, Marker, Stored } from '../shared/avi/types.js';
import { supersedes, type EpochClaim } from '../shared/federation/epoch-rules.js';
import { CREATED_BY_MARKER, createdByValue } from '../leader/model/names.js';

export const LEASE_HOLDER_MARKER = 'amko-lease-holder';
export const LEASE_EPOCH_MARKER = 'amko-lease-epoch';
export const LEASE_RENEWED_MARKER = 'amko-lease-renewed';
/** The tenant the lease lives in. */
export const LEASE_TENANT = 'admin';

/** The lease as read from the controller. */
export interface Lease {
  readonly uuid: string;
  /** `_last_modified`: changes on every write, renewals included. */
  readonly version: string;
  readonly claim: EpochClaim;
  /** The holder's renew time (its own clock; for people, not for decisions). */
  readonly renewed: string;
}

export function leaseName(amkoUuid: string): string {
  return `amko-lease-${amkoUuid}`;
}

/** The lease object held by `claim`, renewed at `renewedIso`. */
export function leaseBody(amkoUuid: string, claim: EpochClaim, renewedIso: string): HealthMonitor {
  const marker = (key: string, value: string): Marker => ({ key, values: [value] });
  return {
    name: leaseName(amkoUuid),
    type: 'HEALTH_MONITOR_PING',
    is_federated: false,
    description: 'amko automatic-failover lease (not used by any GslbService)',
    markers: [
      marker(CREATED_BY_MARKER, createdByValue(amkoUuid)),
      marker(LEASE_HOLDER_MARKER, claim.leader),
      marker(LEASE_EPOCH_MARKER, String(claim.epoch)),
      marker(LEASE_RENEWED_MARKER, renewedIso),
    ],
  };
}

function markerValue(markers: readonly Marker[] | undefined, key: string): string {
  return markers?.find((m) => m.key === key)?.values?.[0] ?? '';
}

/** The lease of a stored health monitor (an unreadable epoch counts as 0). */
export function leaseOf(hm: Stored<HealthMonitor>): Lease {
  const epoch = Number(markerValue(hm.markers, LEASE_EPOCH_MARKER));
  return {
    uuid: hm.uuid,
    version: hm._last_modified,
    claim: {
      epoch: Number.isSafeInteger(epoch) && epoch >= 0 ? epoch : 0,
      leader: markerValue(hm.markers, LEASE_HOLDER_MARKER),
    },
    renewed: markerValue(hm.markers, LEASE_RENEWED_MARKER),
  };
}

/** What a leader holding `own` does with the lease it read. */
export type RenewPlan =
  | { readonly kind: 'create' }
  | { readonly kind: 'renew'; readonly lease: Lease }
  | { readonly kind: 'superseded'; readonly by: EpochClaim };

export function planRenew(lease: Lease | undefined, own: EpochClaim): RenewPlan {
  if (!lease) return { kind: 'create' };
  if (supersedes(lease.claim, own)) return { kind: 'superseded', by: lease.claim };
  return { kind: 'renew', lease };
}

/** The epoch a follower takes the lease at: above the lease and above what it has seen. */
export function takeoverClaim(lease: Lease, highest: EpochClaim, self: string): EpochClaim {
  return { epoch: Math.max(lease.claim.epoch, highest.epoch) + 1, leader: self };
}

/** A follower's view of how long the lease has stood still. */
export interface Staleness {
  /** The `_last_modified` seen, undefined before a successful read (or after a failed one). */
  readonly version: string | undefined;
  /** When this follower first saw that version (its own clock). */
  readonly since: number;
}

export const UNSEEN: Staleness = Object.freeze({ version: undefined, since: 0 });

/** One read: the lease's version, `null` when there is no lease, `undefined` when it failed. */
export function observe(s: Staleness, version: string | null | undefined, now: number): Staleness {
  if (version === undefined || version === null) return { version: undefined, since: now };
  if (version === s.version) return s;
  return { version, since: now };
}

/** How long the lease has not changed, as far as this follower knows (0 when unknown). */
export function staleMs(s: Staleness, now: number): number {
  return s.version === undefined ? 0 : Math.max(0, now - s.since);
}

export interface TakeoverInput {
  readonly self: string;
  readonly lease: Lease | undefined;
  readonly staleMs: number;
  /** How long this follower has not heard from its leader. */
  readonly silentMs: number;
  readonly leaseSeconds: number;
  readonly promoteAfterSeconds: number;
  readonly priority: number;
}

/**
 * Why a follower may not take the lease now (the first reason, or null when it may). A follower
 * of priority p waits `p × leaseSeconds` longer than one of priority 0 on both counts, the
 * lease's staleness and its leader's silence: whichever of the two decides, the turn order holds.
 */
export function takeoverBlocked(i: TakeoverInput): string | null {
  if (!i.lease) return 'no lease on the controller';
  if (i.lease.claim.leader === i.self) return null;
  const turnMs = i.priority * i.leaseSeconds * 1000;
  if (i.staleMs < i.leaseSeconds * 1000 + turnMs) {
    return `lease held by ${i.lease.claim.leader || 'nobody'} at epoch ${i.lease.claim.epoch}`;
  }
  if (i.silentMs < i.promoteAfterSeconds * 1000 + turnMs) {
    const turn = i.priority > 0 ? ` (priority ${i.priority} waits ${turnMs / 1000} s more)` : '';
    return `lease expired, but the leader was heard ${Math.round(i.silentMs / 1000)} s ago${turn}`;
  }
  return null;
}
