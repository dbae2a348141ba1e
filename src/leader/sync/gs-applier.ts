/**
 * The only writer to the Avi Controller: executes a plan in order, rebuilds cache entries from
 * the response bodies, and turns the controller's answers into cache repairs (404 → forget,
 * 409 on create → adopt our own object or refuse a foreign one, 412 → re-read). After a repair
 * it throws a retryable error, so the worker re-plans from the repaired cache.
 */
import type { GslbService, HealthMonitor, Stored } from '../../shared/avi/types.js';
import { OperatorError } from '../../shared/errors.js';
import type { AviGslbApi } from './avi-gslb-api.js';
import { gslbKey } from '../../shared/keys.js';
import {
  writtenGs,
  writtenHm,
  type CachedGs,
  type CachedHm,
  type ControllerCache,
} from './controller-cache.js';
import { deletedObject, type WrittenObject } from '../../shared/federation/controller-view.js';
import type { AviWriteLabels } from '../../shared/telemetry/metrics.js';
import type { GsOp } from './plan-gs.js';

/** The metric labels of each planned write. */
const WRITE_LABELS: Readonly<Record<GsOp['op'], AviWriteLabels>> = Object.freeze({
  'create-hm': { type: 'healthmonitor', op: 'create' },
  'update-hm': { type: 'healthmonitor', op: 'update' },
  'delete-hm': { type: 'healthmonitor', op: 'delete' },
  'create-gs': { type: 'gslbservice', op: 'create' },
  'update-gs': { type: 'gslbservice', op: 'update' },
  'delete-gs': { type: 'gslbservice', op: 'delete' },
});

interface VersionedWrite<T> {
  readonly tenant: string;
  readonly uuid: string;
  readonly lastModified: string;
  readonly body: T;
}

export type ApplyOutcome = 'unchanged' | 'created' | 'updated' | 'deleted';

export interface GsApplierDeps {
  readonly avi: AviGslbApi;
  readonly cache: ControllerCache;
  /** Told about every write attempted (for metrics). */
  readonly onWrite?: (labels: AviWriteLabels) => void;
  /** Told about every object written or deleted, as the cache holds it after the write. */
  readonly written?: (o: WrittenObject) => void;
}

function codeOf(err: unknown): string | undefined {
  return err instanceof OperatorError ? err.code : undefined;
}

function retryAfterRepair(what: string, cause: unknown): OperatorError {
  return new OperatorError('AVI_CONFLICT', 'backoff', `${what}; cache repaired, re-planning`, {
    cause,
  });
}

export class GsApplier {
  readonly #avi: AviGslbApi;
  readonly #cache: ControllerCache;
  readonly #onWrite: ((labels: AviWriteLabels) => void) | undefined;
  readonly #written: ((o: WrittenObject) => void) | undefined;
  /** Errors of writes that met a change the cache had not seen, after which it was repaired. */
  readonly #repaired = new WeakSet<object>();

  constructor(deps: GsApplierDeps) {
    this.#avi = deps.avi;
    this.#cache = deps.cache;
    this.#onWrite = deps.onWrite;
    this.#written = deps.written;
  }

  #wroteHm(e: CachedHm): void {
    this.#written?.(writtenHm(e));
  }

  #wroteGs(e: CachedGs): void {
    const o = writtenGs(e);
    if (o) this.#written?.(o);
  }

  /**
   * Whether `err` is that of a write which met a change the cache had not seen (a conflict, or
   * an object gone), the cache now holding what the controller does: a plan made now sees it.
   */
  repaired(err: unknown): boolean {
    return typeof err === 'object' && err !== null && this.#repaired.has(err);
  }

  async apply(ops: readonly GsOp[], signal?: AbortSignal): Promise<ApplyOutcome> {
    // Whether the view these writes were planned on was verified: a conflict then says another
    // writer came after it (contested), else only that the view missed a write.
    const contest = this.#cache.verified;
    let outcome: ApplyOutcome = 'unchanged';
    for (const op of ops) {
      await this.#one(op, contest, signal);
      if (op.op === 'create-gs') outcome = 'created';
      else if (op.op === 'delete-gs') outcome = 'deleted';
      else if (outcome === 'unchanged') outcome = 'updated';
    }
    return outcome;
  }

  async #one(op: GsOp, contest: boolean, signal?: AbortSignal): Promise<void> {
    this.#onWrite?.(WRITE_LABELS[op.op]);
    switch (op.op) {
      case 'create-hm':
        return this.#createHm(op.tenant, op.body, signal);
      case 'update-hm':
        return this.#updateHm(op, signal);
      case 'delete-hm':
        return this.#delete('healthmonitor', op, signal);
      case 'create-gs':
        return this.#createGs(op.tenant, op.body, contest, signal);
      case 'update-gs':
        return this.#updateGs(op, contest, signal);
      case 'delete-gs':
        return this.#delete('gslbservice', op, signal);
    }
  }

  async #createHm(tenant: string, body: HealthMonitor, signal?: AbortSignal): Promise<void> {
    try {
      const stored = await this.#avi.create('healthmonitor', body, tenant, signal);
      this.#wroteHm(this.#cache.putHm(stored, tenant));
    } catch (err) {
      if (codeOf(err) !== 'AVI_CONFLICT') throw err;
      const found = await this.#readHm(tenant, body.name, signal);
      if (!found) throw err;
      if (found.createdBy !== undefined && found.createdBy !== this.#cache.createdBy) return;
      const lastModified = found.lastModified;
      await this.#updateHm({ tenant, uuid: found.uuid, lastModified, body }, signal);
    }
  }

  async #updateHm(op: VersionedWrite<HealthMonitor>, signal?: AbortSignal): Promise<void> {
    const { tenant, uuid, body } = op;
    const withVersion = { ...body, uuid, _last_modified: op.lastModified };
    try {
      const stored = await this.#avi.update('healthmonitor', withVersion, tenant, signal);
      this.#wroteHm(this.#cache.putHm(stored, tenant));
    } catch (err) {
      await this.#repair(
        err,
        { type: 'healthmonitor', tenant, name: body.name, contest: false },
        signal,
      );
      throw err;
    }
  }

  async #createGs(
    tenant: string,
    body: GslbService,
    contest: boolean,
    signal?: AbortSignal,
  ): Promise<void> {
    try {
      const stored = await this.#avi.create('gslbservice', body, tenant, signal);
      this.#wroteGs(this.#cache.putGs(stored, tenant));
    } catch (err) {
      if (codeOf(err) !== 'AVI_CONFLICT') throw err;
      const found = await this.#readGs(tenant, body.name, signal);
      if (found && this.#cache.owns(found.created_by)) {
        this.#cache.putGs(found, tenant, contest);
        const repaired = retryAfterRepair(`GslbService ${body.name} already existed`, err);
        this.#repaired.add(repaired);
        throw repaired;
      }
      throw new OperatorError(
        'AVI_CONFLICT',
        'slow',
        `GslbService ${body.name} exists in tenant ${tenant} and is not ours (created_by ${found?.created_by ?? 'unknown'})`,
        { cause: err },
      );
    }
  }

  async #updateGs(
    op: VersionedWrite<GslbService>,
    contest: boolean,
    signal?: AbortSignal,
  ): Promise<void> {
    const { tenant, uuid, body } = op;
    const withVersion = { ...body, uuid, _last_modified: op.lastModified };
    try {
      const stored = await this.#avi.update('gslbservice', withVersion, tenant, signal);
      this.#wroteGs(this.#cache.putGs(stored, tenant));
    } catch (err) {
      await this.#repair(err, { type: 'gslbservice', tenant, name: body.name, contest }, signal);
      throw err;
    }
  }

  async #delete(
    type: 'healthmonitor' | 'gslbservice',
    op: { tenant: string; uuid: string; name: string },
    signal?: AbortSignal,
  ): Promise<void> {
    try {
      await this.#avi.remove(type, op.uuid, op.tenant, signal);
    } catch (err) {
      if (codeOf(err) !== 'AVI_NOT_FOUND') throw err;
    }
    if (type === 'healthmonitor') this.#cache.deleteHm(op.tenant, op.name);
    else this.#forgetGs(op.tenant, op.name);
    this.#written?.(deletedObject(type, op.tenant, op.name, op.uuid));
  }

  /** After a failed update: 404 forgets the entry, 412 re-reads it. */
  async #repair(
    err: unknown,
    what: {
      type: 'healthmonitor' | 'gslbservice';
      tenant: string;
      name: string;
      /** A GS read back is contested (see `apply`). */
      contest: boolean;
    },
    signal?: AbortSignal,
  ): Promise<void> {
    const { type, tenant, name } = what;
    const code = codeOf(err);
    if (code !== 'AVI_NOT_FOUND' && code !== 'AVI_PRECONDITION') return;
    if (type === 'healthmonitor') {
      this.#cache.deleteHm(tenant, name);
      if (code === 'AVI_PRECONDITION') await this.#readHm(tenant, name, signal);
    } else {
      this.#forgetGs(tenant, name);
      const found = code === 'AVI_PRECONDITION' && (await this.#readGs(tenant, name, signal));
      if (found && this.#cache.owns(found.created_by))
        this.#cache.putGs(found, tenant, what.contest);
    }
    if (typeof err === 'object' && err !== null) this.#repaired.add(err);
  }

  #forgetGs(tenant: string, name: string): void {
    this.#cache.deleteGs(gslbKey(tenant, name));
  }

  async #readHm(tenant: string, name: string, signal?: AbortSignal): Promise<CachedHm | undefined> {
    const found = await this.#avi.list<HealthMonitor>(
      'healthmonitor',
      { tenant, query: { name, include_name: 'true' } },
      signal,
    );
    const hm = found.find((h) => h.name === name);
    return hm ? this.#cache.putHm(hm, tenant) : undefined;
  }

  async #readGs(
    tenant: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<Stored<GslbService> | undefined> {
    const found = await this.#avi.list<GslbService>(
      'gslbservice',
      { tenant, query: { name, include_name: 'true' } },
      signal,
    );
    return found.find((g) => g.name === name);
  }
}
