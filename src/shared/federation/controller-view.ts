/**
 * What the leader wrote to the Avi controller, as it travels to hot standbys (`ControllerView` in
 * the federation proto): per object, the entry the leader's controller cache holds after the
 * write, or its deletion. A standby puts these entries in its own cache, so that its view of the
 * controller follows the leader's writes without listing the controller. Pure: no I/O.
 *
 * Also the coalescing buffer a leader keeps per follower: an object written several times before
 * the next message goes once, as last written (the objects are encoded once for all followers:
 * view-encoding.ts).
 */
import { OperatorError } from '../errors.js';
import type { ControllerObject } from './gen/amko/federation/v1/ControllerObject.js';
import type { ControllerObject__Output } from './gen/amko/federation/v1/ControllerObject.js';

export type WrittenType = 'gslbservice' | 'healthmonitor';

/** One object the leader wrote (or deleted), as its cache holds it after the write. */
export interface WrittenObject {
  readonly type: WrittenType;
  readonly tenant: string;
  readonly name: string;
  readonly uuid: string;
  /** Deleted: only type, tenant, name and uuid mean anything. */
  readonly deleted: boolean;
  readonly lastModified: string;
  readonly epoch: number;
  readonly checksum: string;
  /** GslbService: its description (the member clusters). */
  readonly description?: string | undefined;
  /** GslbService: names of the monitors it refers to. */
  readonly hmNames?: readonly string[];
  /** Health monitor: its created-by marker. */
  readonly createdBy?: string | undefined;
  /** Health monitor: the GslbService its description names. */
  readonly gsName?: string | undefined;
}

/** A deletion. */
export function deletedObject(
  type: WrittenType,
  tenant: string,
  name: string,
  uuid: string,
): WrittenObject {
  return { type, tenant, name, uuid, deleted: true, lastModified: '', epoch: 0, checksum: '' };
}

/** The identity of an object in a buffer: type, tenant and name. */
export function writtenKey(o: Pick<WrittenObject, 'type' | 'tenant' | 'name'>): string {
  return `${o.type}/${o.tenant}/${o.name}`;
}

export function toWireWritten(o: WrittenObject): ControllerObject {
  return {
    type: o.type,
    tenant: o.tenant,
    name: o.name,
    uuid: o.uuid,
    deleted: o.deleted,
    last_modified: o.lastModified,
    epoch: String(o.epoch),
    checksum: o.checksum,
    description: o.description ?? '',
    health_monitors: [...(o.hmNames ?? [])],
    created_by: o.createdBy ?? '',
    gs_name: o.gsName ?? '',
  };
}

function bad(message: string): OperatorError {
  return new OperatorError('FEDERATION_BAD_MESSAGE', 'never', `controller view: ${message}`);
}

const VERSION = /^[0-9]{1,30}$/;
const CHECKSUM = /^[0-9a-f]{64}$/;

function segment(what: string, value: string): string {
  if (value === '' || value.includes('/')) throw bad(`invalid ${what} ${JSON.stringify(value)}`);
  return value;
}

/** An object as received; throws FEDERATION_BAD_MESSAGE when it makes no sense. */
export function fromWireWritten(w: ControllerObject__Output): WrittenObject {
  if (w.type !== 'gslbservice' && w.type !== 'healthmonitor')
    throw bad(`unknown type ${JSON.stringify(w.type)}`);
  const type: WrittenType = w.type;
  const tenant = segment('tenant', w.tenant);
  const name = segment('name', w.name);
  if (w.uuid === '') throw bad(`${type} ${tenant}/${name} without a uuid`);
  if (w.deleted) return deletedObject(type, tenant, name, w.uuid);
  if (!VERSION.test(w.last_modified))
    throw bad(`${type} ${tenant}/${name}: invalid version ${JSON.stringify(w.last_modified)}`);
  const epoch = Number(w.epoch);
  if (!Number.isSafeInteger(epoch) || epoch < 0)
    throw bad(`${type} ${tenant}/${name}: invalid epoch ${w.epoch}`);
  if (!CHECKSUM.test(w.checksum)) throw bad(`${type} ${tenant}/${name}: invalid checksum`);
  const common = { type, tenant, name, uuid: w.uuid, deleted: false, epoch };
  const versioned = { ...common, lastModified: w.last_modified, checksum: w.checksum };
  if (type === 'gslbservice') {
    return {
      ...versioned,
      description: w.description === '' ? undefined : w.description,
      hmNames: w.health_monitors.map((n) => segment('health monitor name', n)),
    };
  }
  return {
    ...versioned,
    createdBy: w.created_by === '' ? undefined : w.created_by,
    gsName: w.gs_name === '' ? undefined : w.gs_name,
  };
}

/**
 * `a` is an older version of the same object than `b`: the controller's `_last_modified` strictly
 * increases on every write of an object, as a decimal number of microseconds.
 */
export function olderVersion(a: string, b: string): boolean {
  if (a.length !== b.length) return a.length < b.length;
  return a < b;
}

/** Written objects waiting to be sent to one follower, by identity: the last write wins. */
export class WrittenBuffer<T extends { readonly key: string }> {
  readonly #pending = new Map<string, T>();

  get size(): number {
    return this.#pending.size;
  }

  add(o: T): void {
    // Re-inserted, so that the order of sending follows the order of the last writes.
    this.#pending.delete(o.key);
    this.#pending.set(o.key, o);
  }

  /** Takes out up to `max` objects, oldest write first. */
  take(max: number): T[] {
    const out: T[] = [];
    for (const [key, o] of this.#pending) {
      if (out.length >= max) break;
      out.push(o);
      this.#pending.delete(key);
    }
    return out;
  }
}

/**
 * Joins the two ends of a process: the running pipeline tells what it wrote (`wrote`), which goes
 * to the replicator while one runs (`sendTo`); a follower tells what its leader wrote
 * (`received`), which goes to the running pipeline (`takeWith`). Either end may be absent.
 */
export class ControllerViewLink {
  #sink: ((o: WrittenObject) => void) | undefined;
  #taker: ((objects: readonly WrittenObject[]) => void) | undefined;

  wrote(o: WrittenObject): void {
    this.#sink?.(o);
  }

  /** Sends what is written to `sink` from now on (undefined: nowhere). */
  sendTo(sink: ((o: WrittenObject) => void) | undefined): void {
    this.#sink = sink;
  }

  received(objects: readonly WrittenObject[]): void {
    this.#taker?.(objects);
  }

  /** Hands what is received to `taker` from now on; returns a function that stops it. */
  takeWith(taker: (objects: readonly WrittenObject[]) => void): () => void {
    this.#taker = taker;
    return () => {
      if (this.#taker === taker) this.#taker = undefined;
    };
  }
}
