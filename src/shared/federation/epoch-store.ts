/**
 * The epoch store: the highest leadership claim this cluster has seen, persisted in its own
 * AMKOCluster status (`status.highestEpochSeen` with `status.leader`, the cluster holding it)
 * through the status subresource; a write the API server does not keep (an older CRD that
 * prunes the field) is an error, never a silent success. A follower raises it before it acks anything from a new
 * leader; a promotion raises it to its new epoch before acting.
 */
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { AMKO_CLUSTER, type AmkoCluster } from '../crd/amko-cluster.js';
import { classifyKubeError } from '../kube/kube-errors.js';
import type { StatusWriter } from '../kube/status-writer.js';
import { OperatorError } from '../errors.js';
import { maxClaim, NO_CLAIM, promotionEpoch, supersedes, type EpochClaim } from './epoch-rules.js';

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
}

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
}

/** An EpochStore in this cluster's AMKOCluster status. Create with `load`. */
export class AmkoClusterEpochStore implements EpochStore {
  readonly #deps: AmkoClusterEpochStoreDeps;
  #highest: EpochClaim;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(deps: AmkoClusterEpochStoreDeps, initial: EpochClaim) {
    this.#deps = deps;
    this.#highest = initial;
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
    return new AmkoClusterEpochStore(deps, claimOfStatus(obj));
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

  async #write(claim: EpochClaim): Promise<void> {
    const { namespace, name } = this.#deps;
    const found = await this.#deps.status.patchStatus(AMKO_CLUSTER, namespace, name, {
      highestEpochSeen: claim.epoch,
      leader: claim.leader,
    });
    if (!found) {
      throw new OperatorError(
        'KUBE_REJECTED',
        'backoff',
        `AMKOCluster ${namespace}/${name} not found`,
      );
    }
    if (found.status['highestEpochSeen'] !== claim.epoch) {
      // AMKO's own AMKOCluster CRD has no such field, and the API server prunes it: an epoch
      // that cannot be persisted cannot fence anyone, so nothing may lead on it.
      throw new OperatorError(
        'CONFIG_INVALID',
        'backoff',
        `AMKOCluster ${namespace}/${name}: the API server did not keep status.highestEpochSeen ` +
          "(the AMKOCluster CRD installed is not amko-ts's); apply charts/amko/crds before amko can persist its epoch",
      );
    }
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
  constructor(initial: EpochClaim = NO_CLAIM) {
    this.#highest = initial;
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
