/**
 * The vocabulary of leadership-step.ts: its state, the events it takes and the effects it asks
 * for. Types and the initial state only.
 */
import type { AmkoClusterStatus } from '../shared/crd/amko-cluster.js';
import type { EpochClaim } from '../shared/federation/epoch-rules.js';

/** What the AMKOCluster in force asks of this process. */
export type Wanted =
  | { readonly kind: 'none' }
  | { readonly kind: 'follow' }
  | { readonly kind: 'lead'; readonly status: AmkoClusterStatus | undefined };

export type Role = 'none' | 'follower' | 'promoting' | 'leader' | 'fenced';

export interface Fence {
  /** The winning claim, when one is known (a controller marker may not say who). */
  readonly by: EpochClaim | undefined;
  readonly reason: string;
  /** A self-fence: the lease on the controller was not renewed in time (lifted by a renewal). */
  readonly lapsed?: boolean;
}

export type PipelineMode = 'off' | 'standby' | 'active';

/** The asynchronous effects; one at a time. */
export type AsyncEffect =
  /** Persist the next epoch above `above` (and above what the store holds) for this cluster. */
  | { readonly type: 'persist-promotion'; readonly above: EpochClaim }
  /** Persist a winning claim learnt from elsewhere. */
  | { readonly type: 'persist-seen'; readonly claim: EpochClaim }
  | { readonly type: 'survey'; readonly claim: EpochClaim }
  /**
   * Fetch the replicas of a member ahead of us on the old log. `promoted`: this take-over took a
   * new epoch, so a cluster that has not followed since it started holds nothing to go by (a
   * resumed leader holds the source objects itself).
   */
  | { readonly type: 'catch-up'; readonly promoted: boolean }
  | { readonly type: 'pipeline'; readonly mode: PipelineMode; readonly epoch: number }
  | { readonly type: 'replicator'; readonly on: boolean; readonly claim?: EpochClaim }
  | { readonly type: 'follower'; readonly on: boolean }
  /** Take up (or keep) the failover lease at our claim, before the first write. */
  | { readonly type: 'acquire-lease'; readonly claim: EpochClaim }
  /** Take the expired lease, held by `above`, by compare-and-swap. */
  | { readonly type: 'take-lease'; readonly above: EpochClaim }
  /** Write our own AMKOCluster's `spec.isLeader`, so the spec says what this process does. */
  | { readonly type: 'set-leader'; readonly isLeader: boolean };

/** Effects the runner applies at once, in order. */
export type SyncEffect =
  | { readonly type: 'status' }
  | { readonly type: 'retry-after'; readonly ms: number }
  | { readonly type: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly msg: string };

export type Effect = AsyncEffect | SyncEffect;

/** The Federation handler and health statuses, derived from the state and nothing else. */
export interface Front {
  readonly handler: 'none' | 'follower' | 'leader' | 'fenced';
  /** The claim the leader/fenced handler speaks for. */
  readonly claim: EpochClaim | undefined;
  readonly federation: boolean;
  readonly leader: boolean;
}

export type Event =
  | { readonly type: 'wanted'; readonly wanted: Wanted }
  | { readonly type: 'done'; readonly effect: AsyncEffect['type'] }
  /** An epoch was persisted; `highest` is what the store holds now. */
  | { readonly type: 'persisted'; readonly highest: EpochClaim }
  | { readonly type: 'failed'; readonly effect: AsyncEffect['type']; readonly error: string }
  | {
      readonly type: 'surveyed';
      readonly highest: EpochClaim;
      readonly unheard: readonly string[];
      /**
       * The claims of the members that answered as leaders (fenced or not), which a fenced one
       * hides behind the claim that fenced it in `highest`.
       */
      readonly leaders?: readonly EpochClaim[];
    }
  | {
      readonly type: 'higher-epoch';
      readonly by: EpochClaim | undefined;
      readonly source: 'survey' | 'peer' | 'refusal' | 'controller' | 'lease';
      readonly reason?: string;
    }
  | { readonly type: 'heard'; readonly members: readonly string[] }
  /** The epoch store of the AMKOCluster in force was (re)loaded. */
  | { readonly type: 'loaded'; readonly highest: EpochClaim }
  /** The followers to replicate to changed: a running replicator starts anew. */
  | { readonly type: 'endpoints' }
  | { readonly type: 'pass'; readonly ok: boolean }
  | { readonly type: 'retry' }
  | LeaseEvent;

/** What the failover lease (spec.federation.autoFailover) tells the step. */
export type LeaseEvent =
  | { readonly type: 'auto-failover'; readonly enabled: boolean }
  /** The answer to `acquire-lease`: held at our claim, or held by a claim superseding ours. */
  | { readonly type: 'leased'; readonly by: EpochClaim | undefined }
  /** A renewal at our claim succeeded. */
  | { readonly type: 'lease-held' }
  /** No renewal succeeded for leaseSeconds. */
  | { readonly type: 'lease-lapsed'; readonly reason: string }
  /** A follower may take the lease over: expired, leader silent, its turn by priority. */
  | { readonly type: 'lease-vacant'; readonly lease: EpochClaim }
  /** The answer to `take-lease`: ours (`claim`, over `before`), or someone else's (`holder`). */
  | { readonly type: 'lease-taken'; readonly before: EpochClaim; readonly claim: EpochClaim }
  | { readonly type: 'lease-lost'; readonly holder: EpochClaim };

export interface LeadershipState {
  readonly self: string;
  readonly standby: 'hot' | 'cold';
  readonly wanted: Wanted;
  readonly role: Role;
  /** Our own claim while promoting, leading or fenced. */
  readonly claim: EpochClaim | undefined;
  /** The highest claim persisted in this cluster's store. */
  readonly highest: EpochClaim;
  /** The highest claim learnt from anywhere, persisted or not. */
  readonly learnt: EpochClaim;
  readonly fence: Fence | undefined;
  /** Take-over steps done: persisted, surveyed, caught up, writing, replicating. */
  readonly progress: readonly ('surveyed' | 'caught-up' | 'leased' | 'writing' | 'replicating')[];
  /** This take-over took a new epoch (else it resumes one): a stale record may promote again. */
  readonly promoted: boolean;
  /** This take-over, or the interrupted one it resumes, took a new epoch (catch-up.ts). */
  readonly tookEpoch: boolean;
  readonly unheard: readonly string[];
  /** The first role decision (from the recorded status) is still to be taken. */
  readonly booting: boolean;
  /** A persisted claim whose take-over failed half-way: the retry resumes it. */
  readonly unfinished: EpochClaim | undefined;
  readonly pipeline: PipelineMode;
  readonly replicating: boolean;
  readonly following: boolean;
  /** The followers to replicate to changed while replicating. */
  readonly restartReplicator: boolean;
  readonly pipelineOk: boolean;
  /** The one answer to "may this process write to the controller now?". */
  readonly mayWrite: boolean;
  readonly inFlight: AsyncEffect['type'] | undefined;
  /** A failed step waits for the retry timer. */
  readonly waitingRetry: boolean;
  /** Effects failed in a row (reset by any effect's success): each retry waits longer. */
  readonly failures: number;
  /** spec.federation.autoFailover.enabled: off, the lease plays no part at all. */
  readonly autoFailover: boolean;
  /** The lease at our claim: not known yet, renewed in time, or not renewed for leaseSeconds. */
  readonly lease: 'unknown' | 'held' | 'lapsed';
  /** A follower found the lease (held by this claim) expired and may take it over. */
  readonly vacant: EpochClaim | undefined;
  /**
   * The claim this process took the lease at, renewed from the moment it was taken until the
   * take-over persists a claim of its own (setting spec.isLeader and persisting the epoch take
   * kube writes that may outlast the lease).
   */
  readonly taken: EpochClaim | undefined;
  /** The `spec.isLeader` this process writes or wrote to its AMKOCluster, until the spec says so. */
  readonly selfSet: { readonly isLeader: boolean; readonly sent: boolean } | undefined;
}

export function initialState(
  self: string,
  standby: 'hot' | 'cold',
  highest: EpochClaim,
): LeadershipState {
  return {
    self,
    standby,
    wanted: { kind: 'none' },
    role: 'none',
    claim: undefined,
    highest,
    learnt: highest,
    fence: undefined,
    progress: [],
    promoted: false,
    tookEpoch: false,
    unheard: [],
    booting: true,
    unfinished: undefined,
    pipeline: 'off',
    replicating: false,
    following: false,
    restartReplicator: false,
    pipelineOk: false,
    mayWrite: false,
    inFlight: undefined,
    waitingRetry: false,
    failures: 0,
    autoFailover: false,
    lease: 'unknown',
    vacant: undefined,
    taken: undefined,
    selfSet: undefined,
  };
}

/** The front (handler and health) that the state implies. */
export function frontOf(s: LeadershipState): Front {
  if (s.role === 'follower') {
    return { handler: 'follower', claim: undefined, federation: true, leader: false };
  }
  if (s.role === 'fenced' || (s.fence && s.claim)) {
    return { handler: 'fenced', claim: s.claim, federation: false, leader: false };
  }
  if (s.role === 'promoting' || s.role === 'leader') {
    return {
      handler: 'leader',
      claim: s.claim,
      federation: s.role === 'leader' && s.replicating,
      leader: s.role === 'leader' && s.mayWrite && s.pipelineOk,
    };
  }
  return { handler: 'none', claim: undefined, federation: false, leader: false };
}
