/**
 * The fencing token at the shared resource: every call the leader pipeline makes to the Avi
 * Controller goes through this wrapper.
 *
 * - Every object the controller returns (list pages, read-backs after a 409 or 412, the body of
 *   a create or update) is checked: an object of ours (a GslbService with our `created_by` or the
 *   legacy one, a health monitor with our `created-by` marker) stamped with an `amko-epoch`
 *   higher than ours means another leader has written since; while we may write, that fences us
 *   at once, before the caller sees the answer. One controller round trip after meeting a higher
 *   marker, no further write leaves this process.
 * - Every write is refused (`AVI_FENCED`, never retried) unless the process may write at that
 *   instant. The check is made immediately before the request is sent, so a fence learnt while
 *   a plan was being applied stops the rest of the plan.
 * - A DELETE carries no version, so it reads the object first: an object now stamped with a
 *   higher epoch fences us instead of being deleted, and one whose uuid changed is left alone.
 *
 * Reads by a process that may not write (hot standby, already fenced) are passed through: they
 * fence nothing.
 */
import type {
  AviObjectBase,
  AviObjectType,
  Cluster,
  Gslb,
  Marker,
  Stored,
} from '../../shared/avi/types.js';
import { OperatorError } from '../../shared/errors.js';
import { createdByMarkerOf, epochOf, LEGACY_CREATED_BY } from '../model/names.js';
import type { AviGslbApi, AviListOptions } from './avi-gslb-api.js';

export interface EpochFenceDeps {
  readonly api: AviGslbApi;
  /** Our created-by value (`amko-<uuid>`). */
  readonly createdBy: string;
  /** The epoch this process writes at. */
  epoch(): number;
  /** Whether this process may write to the controller right now (active, not fenced). */
  writable(): boolean;
  /** Fences the process (synchronously: `writable()` is false when it returns). */
  fence(reason: string, epoch: number): void;
}

interface Marked {
  readonly name?: string;
  readonly created_by?: string;
  readonly markers?: Marker[];
}

const FENCEABLE: ReadonlySet<AviObjectType> = new Set(['gslbservice', 'healthmonitor']);

export class EpochFence implements AviGslbApi {
  readonly #d: EpochFenceDeps;

  constructor(deps: EpochFenceDeps) {
    this.#d = deps;
  }

  async list<T extends AviObjectBase>(
    type: AviObjectType,
    opts: AviListOptions,
    signal?: AbortSignal,
  ): Promise<Stored<T>[]> {
    const found = await this.#d.api.list<T>(type, opts, signal);
    this.#inspect(type, found);
    return found;
  }

  async get<T extends AviObjectBase>(
    type: AviObjectType,
    uuid: string,
    tenant: string,
    signal?: AbortSignal,
  ): Promise<Stored<T>> {
    const found = await this.#d.api.get<T>(type, uuid, tenant, signal);
    this.#inspect(type, [found]);
    return found;
  }

  async create<T extends AviObjectBase>(
    type: AviObjectType,
    body: T,
    tenant: string,
    signal?: AbortSignal,
  ): Promise<Stored<T>> {
    this.#mayWrite('create', type, body.name);
    const stored = await this.#d.api.create(type, body, tenant, signal);
    this.#inspect(type, [stored]);
    return stored;
  }

  async update<T extends AviObjectBase>(
    type: AviObjectType,
    body: T & { uuid: string },
    tenant: string,
    signal?: AbortSignal,
  ): Promise<Stored<T>> {
    this.#mayWrite('update', type, body.name);
    const stored = await this.#d.api.update(type, body, tenant, signal);
    this.#inspect(type, [stored]);
    return stored;
  }

  /** Deletes `uuid` unless the object now carries a higher epoch (read first: no CAS on DELETE). */
  async remove(
    type: AviObjectType,
    uuid: string,
    tenant: string,
    signal?: AbortSignal,
  ): Promise<void> {
    this.#mayWrite('delete', type, uuid);
    if (FENCEABLE.has(type)) {
      const current = await this.#d.api.list(type, { tenant, query: { uuid } }, signal);
      this.#inspect(type, current);
      if (!current.some((o) => o.uuid === uuid)) {
        throw new OperatorError('AVI_NOT_FOUND', 'never', `${type} ${uuid} is already gone`);
      }
      this.#mayWrite('delete', type, uuid);
    }
    await this.#d.api.remove(type, uuid, tenant, signal);
  }

  cluster(signal?: AbortSignal): Promise<Cluster> {
    return this.#d.api.cluster(signal);
  }

  gslb(tenant: string, signal?: AbortSignal): Promise<Gslb | undefined> {
    return this.#d.api.gslb(tenant, signal);
  }

  probe(signal?: AbortSignal): Promise<void> {
    return this.#d.api.probe(signal);
  }

  #mayWrite(verb: string, type: AviObjectType, what: string): void {
    if (this.#d.writable()) return;
    throw new OperatorError(
      'AVI_FENCED',
      'never',
      `${verb} of ${type} ${what} refused: this amko may not write to the controller (fenced or not leading)`,
    );
  }

  #ours(type: AviObjectType, o: Marked): boolean {
    if (type === 'gslbservice') {
      return o.created_by === this.#d.createdBy || o.created_by === LEGACY_CREATED_BY;
    }
    return createdByMarkerOf(o.markers) === this.#d.createdBy;
  }

  #inspect(type: AviObjectType, objects: readonly Marked[]): void {
    if (!FENCEABLE.has(type) || !this.#d.writable()) return;
    const ours = this.#d.epoch();
    let highest: { epoch: number; name: string } | undefined;
    for (const o of objects) {
      const epoch = epochOf(o.markers);
      if (epoch <= ours || !this.#ours(type, o)) continue;
      if (!highest || epoch > highest.epoch) highest = { epoch, name: o.name ?? '?' };
    }
    if (!highest) return;
    this.#d.fence(
      `${type} ${highest.name} on the controller carries amko-epoch ${highest.epoch}, higher than ours (${ours})`,
      highest.epoch,
    );
  }
}
