/**
 * The failover lease on the controller: read, create and compare-and-swap, nothing else. Writes
 * go to the raw Avi client, not through the pipeline's epoch fence: the lease is what decides
 * whether this process may write at all. Every call is bounded by the caller's signal.
 */
import type { AviClient } from '../shared/avi/avi-client.js';
import type { HealthMonitor } from '../shared/avi/types.js';
import { OperatorError } from '../shared/errors.js';
import type { EpochClaim } from '../shared/federation/epoch-rules.js';
import { LEASE_TENANT, leaseBody, leaseName, leaseOf, type Lease } from './lease-rules.js';

/** The controller connection the lease needs (the running pipeline's). */
export interface LeaseController {
  readonly client: AviClient;
  readonly amkoUuid: string;
}

/** What a compare-and-swap came to. */
export type SwapResult =
  | { readonly ok: true; readonly lease: Lease }
  | { readonly ok: false; readonly current: Lease | undefined };

const isCode = (err: unknown, code: string): boolean =>
  err instanceof OperatorError && err.code === code;

export class LeaseStore {
  readonly #c: LeaseController;

  constructor(c: LeaseController) {
    this.#c = c;
  }

  async read(signal: AbortSignal): Promise<Lease | undefined> {
    const hm = await this.#c.client.healthMonitors.getByName(leaseName(this.#c.amkoUuid), {
      tenant: LEASE_TENANT,
      signal,
    });
    return hm ? leaseOf(hm) : undefined;
  }

  /** Creates the lease held by `claim`; when another process created it first, what it holds. */
  async create(claim: EpochClaim, renewed: string, signal: AbortSignal): Promise<SwapResult> {
    try {
      const stored = await this.#c.client.healthMonitors.create(this.#body(claim, renewed), {
        tenant: LEASE_TENANT,
        signal,
      });
      return { ok: true, lease: leaseOf(stored) };
    } catch (err) {
      if (!isCode(err, 'AVI_CONFLICT')) throw err;
      return { ok: false, current: await this.read(signal) };
    }
  }

  /** Writes `claim` over `lease` only if the lease is still at `lease.version` (412 otherwise). */
  async swap(
    lease: Lease,
    claim: EpochClaim,
    renewed: string,
    signal: AbortSignal,
  ): Promise<SwapResult> {
    const body = { ...this.#body(claim, renewed), uuid: lease.uuid, _last_modified: lease.version };
    try {
      const stored = await this.#c.client.healthMonitors.update(body, {
        tenant: LEASE_TENANT,
        signal,
      });
      return { ok: true, lease: leaseOf(stored) };
    } catch (err) {
      if (!isCode(err, 'AVI_PRECONDITION') && !isCode(err, 'AVI_NOT_FOUND')) throw err;
      return { ok: false, current: await this.read(signal) };
    }
  }

  #body(claim: EpochClaim, renewed: string): HealthMonitor {
    return leaseBody(this.#c.amkoUuid, claim, renewed);
  }
}
