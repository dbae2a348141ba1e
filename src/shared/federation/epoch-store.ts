/**
 * The epoch store: what this cluster's federation role must not forget, persisted in its own
 * AMKOCluster status through the status subresource; a write the API server does not keep (an
 * older CRD that prunes the field) is an error, never a silent success.
 * - The highest leadership claim seen (`status.highestEpochSeen` with `status.leader`, the
 *   cluster holding it). A follower raises it before it acks anything from a new leader; a
 *   promotion raises it to its new epoch before acting.
 * - The replication position its replicas stand for, before the follower acks them: a restarted or
 *   demoted cluster still tells a promoted member what it holds. A replica written by a change of
 *   the stream carries that change's log and revision (replica-plan.ts witnessOf), so that write
 *   persists the position by itself; `status.applied` records it where no such write does (a
 *   delete, an unchanged object, a finished snapshot, a catch-up, a leader's own log) and before
 *   anything may overwrite the replicas that witness it (`settle`). The position is the higher
 *   of the two.
 * - The sequence of the leader's replication logs (`status.logSequence`), raised at every start
 *   of the replicator, so that two logs of one epoch can be ordered (log-position.ts).
 */
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { AMKO_CLUSTER, type AmkoCluster } from '../crd/amko-cluster.js';
import { classifyKubeError } from '../kube/kube-errors.js';
import type { StatusWriter } from '../kube/status-writer.js';
import { OperatorError } from '../errors.js';
import { maxClaim, NO_CLAIM, promotionEpoch, supersedes, type EpochClaim } from './epoch-rules.js';
import {
  comparePositions,
  higherPosition,
  NO_POSITION,
  type AppliedPosition,
} from './log-position.js';

export interface EpochStore {
  /** The highest claim seen, as last loaded or persisted. */
  highest(): EpochClaim;
  /**
   * Persists `claim` when it supersedes the highest seen, and resolves once it is written.
   * Returns the highest claim afterwards. Calls are serialised.
   */
  raise(claim: EpochClaim): Promise<EpochClaim>;
  /** Takes the next epoch for `self` (highest seen + 1) and persists it before returning it. */
  promote(self: string): Promise<EpochClaim>;
  /**
   * The replication position the replicas stand for: the higher of the one recorded and the one
   * the replicas witness, as last loaded, recorded or witnessed.
   */
  applied(): AppliedPosition;
  /** Persists the position the replicas stand for (NO_POSITION: unknown). Calls are serialised. */
  recordApplied(at: AppliedPosition): Promise<void>;
  /**
   * Notes `at`, which a replica just written persists by its marks: nothing is written here.
   * Lower or unordered positions are ignored.
   */
  witness(at: AppliedPosition): void;
  /**
   * Records the witnessed position when it is above the recorded one: called before a snapshot or
   * a catch-up overwrites the replicas that witness it, and to keep `status.applied` current.
   */
  settle(): Promise<void>;
  /** Raises the log sequence by one, persists it, and returns it. */
  nextLogSequence(): Promise<number>;
}

/** The applied position recorded in an AMKOCluster status. */
export function positionOfStatus(obj: AmkoCluster | undefined): AppliedPosition {
  const a = obj?.status?.applied;
  const epoch = a?.epoch;
  const revision = a?.revision;
  if (
    typeof a?.logId !== 'string' ||
    a.logId === '' ||
    typeof epoch !== 'number' ||
    typeof revision !== 'number' ||
    !Number.isSafeInteger(epoch) ||
    !Number.isSafeInteger(revision)
  )
    return NO_POSITION;
  return { leader: a.leader ?? '', epoch, logId: a.logId, revision };
}

const logSequenceOfStatus = (obj: AmkoCluster | undefined): number => {
  const n = obj?.status?.logSequence;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
};

/** The claim recorded in an AMKOCluster status. */
export function claimOfStatus(obj: AmkoCluster | undefined): EpochClaim {
  const epoch = obj?.status?.highestEpochSeen;
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 1) return NO_CLAIM;
  return { epoch, leader: obj?.status?.leader ?? '' };
}

export interface AmkoClusterEpochStoreDeps {
  kubeConfig: KubeConfig;
  status: StatusWriter;
  namespace: string;
  name: string;
  /** The highest position the replicas held in this cluster witness (read once, at load). */
  witnessed?: () => Promise<AppliedPosition>;
}

/** An EpochStore in this cluster's AMKOCluster status. Create with `load`. */
export class AmkoClusterEpochStore implements EpochStore {
  readonly #deps: AmkoClusterEpochStoreDeps;
  #highest: EpochClaim;
  #applied: AppliedPosition;
  #witnessed: AppliedPosition;
  #logSequence: number;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(
    deps: AmkoClusterEpochStoreDeps,
    obj: AmkoCluster,
    witnessed: AppliedPosition,
  ) {
    this.#deps = deps;
    this.#highest = claimOfStatus(obj);
    this.#applied = positionOfStatus(obj);
    this.#witnessed = witnessed;
    this.#logSequence = logSequenceOfStatus(obj);
  }

  /** Reads the persisted claim from the AMKOCluster. */
  static async load(deps: AmkoClusterEpochStoreDeps): Promise<AmkoClusterEpochStore> {
    const api = deps.kubeConfig.makeApiClient(CustomObjectsApi);
    const { group, version, plural } = AMKO_CLUSTER;
    let obj: AmkoCluster;
    try {
      obj = (await api.getNamespacedCustomObject({
        group,
        version,
        plural,
        namespace: deps.namespace,
        name: deps.name,
      })) as AmkoCluster;
    } catch (err) {
      throw classifyKubeError(err, `AMKOCluster ${deps.namespace}/${deps.name}`);
    }
    const witnessed = deps.witnessed ? await deps.witnessed() : NO_POSITION;
    return new AmkoClusterEpochStore(deps, obj, witnessed);
  }

  highest(): EpochClaim {
    return this.#highest;
  }

  raise(claim: EpochClaim): Promise<EpochClaim> {
    return this.#serial(async () => {
      if (!supersedes(claim, this.#highest)) return this.#highest;
      await this.#write(claim);
      this.#highest = maxClaim(claim, this.#highest);
      return this.#highest;
    });
  }

  promote(self: string): Promise<EpochClaim> {
    return this.#serial(async () => {
      const claim = { epoch: promotionEpoch(this.#highest.epoch), leader: self };
      await this.#write(claim);
      this.#highest = claim;
      return claim;
    });
  }

  applied(): AppliedPosition {
    return higherPosition(this.#applied, this.#witnessed);
  }

  recordApplied(at: AppliedPosition): Promise<void> {
    return this.#serial(() => this.#writeApplied(at));
  }

  witness(at: AppliedPosition): void {
    this.#witnessed = higherPosition(this.#witnessed, at);
  }

  settle(): Promise<void> {
    return this.#serial(async () => {
      const w = this.#witnessed;
      if (comparePositions(w, this.#applied) === 1) await this.#writeApplied(w);
    });
  }

  async #writeApplied(at: AppliedPosition): Promise<void> {
    const cleared = at.logId === '';
    const found = await this.#patch({
      applied: cleared
        ? null
        : { leader: at.leader, epoch: at.epoch, logId: at.logId, revision: at.revision },
    });
    const kept = found['applied'] as { revision?: unknown } | undefined;
    if (!cleared && kept?.revision !== at.revision) throw this.#pruned('applied');
    this.#applied = cleared ? NO_POSITION : at;
  }

  nextLogSequence(): Promise<number> {
    return this.#serial(async () => {
      const next = this.#logSequence + 1;
      const found = await this.#patch({ logSequence: next });
      if (found['logSequence'] !== next) throw this.#pruned('logSequence');
      this.#logSequence = next;
      return next;
    });
  }

  async #patch(status: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { namespace, name } = this.#deps;
    const found = await this.#deps.status.patchStatus(AMKO_CLUSTER, namespace, name, status);
    if (!found) {
      throw new OperatorError(
        'KUBE_REJECTED',
        'backoff',
        `AMKOCluster ${namespace}/${name} not found`,
      );
    }
    return found.status;
  }

  #pruned(field: string): OperatorError {
    const { namespace, name } = this.#deps;
    // AMKO's own AMKOCluster CRD has none of these fields, and the API server prunes them.
    return new OperatorError(
      'CONFIG_INVALID',
      'backoff',
      `AMKOCluster ${namespace}/${name}: the API server did not keep status.${field} ` +
        "(the AMKOCluster CRD installed is not amko-ts's); apply charts/amko/crds before amko can persist its federation state",
    );
  }

  async #write(claim: EpochClaim): Promise<void> {
    const status = await this.#patch({ highestEpochSeen: claim.epoch, leader: claim.leader });
    // An epoch that cannot be persisted cannot fence anyone, so nothing may lead on it.
    if (status['highestEpochSeen'] !== claim.epoch) throw this.#pruned('highestEpochSeen');
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}

/** An EpochStore in memory, for unit tests of components that take one. */
export class MemoryEpochStore implements EpochStore {
  #highest: EpochClaim;
  #applied: AppliedPosition = NO_POSITION;
  #witnessed: AppliedPosition = NO_POSITION;
  #logSequence = 0;
  constructor(initial: EpochClaim = NO_CLAIM) {
    this.#highest = initial;
  }
  applied(): AppliedPosition {
    return higherPosition(this.#applied, this.#witnessed);
  }
  recordApplied(at: AppliedPosition): Promise<void> {
    this.#applied = at.logId === '' ? NO_POSITION : at;
    return Promise.resolve();
  }
  witness(at: AppliedPosition): void {
    this.#witnessed = higherPosition(this.#witnessed, at);
  }
  settle(): Promise<void> {
    if (comparePositions(this.#witnessed, this.#applied) === 1) this.#applied = this.#witnessed;
    return Promise.resolve();
  }
  nextLogSequence(): Promise<number> {
    return Promise.resolve(++this.#logSequence);
  }
  highest(): EpochClaim {
    return this.#highest;
  }
  raise(claim: EpochClaim): Promise<EpochClaim> {
    this.#highest = maxClaim(claim, this.#highest);
    return Promise.resolve(this.#highest);
  }
  promote(self: string): Promise<EpochClaim> {
    this.#highest = { epoch: promotionEpoch(this.#highest.epoch), leader: self };
    return Promise.resolve(this.#highest);
  }
}
