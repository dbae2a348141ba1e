/**
 * The simulator's object store: every object of every type, per tenant, in creation order, with
 * a (type, tenant, name) index. Bodies are kept with references in the internal form
 * `/api/<type>/<uuid>`; rendering to the wire form happens in `render.ts`.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import { withoutKeys } from './body.js';
import { collectRefs, internalRef, parseRef } from './refs.js';
import { domainNamesOf } from './validate.js';

export const ADMIN_TENANT = 'admin';

export interface StoredObject {
  readonly type: string;
  readonly uuid: string;
  /** Uuid of the owning tenant (`admin` for tenants and controller-wide objects). */
  readonly tenant: string;
  readonly seq: number;
  /** Stored fields, `uuid`, `name`, `_last_modified` and internal-form refs included. */
  readonly body: Record<string, unknown>;
}

export interface StoreSnapshot {
  seq: number;
  lastModified: string;
  objects: StoredObject[];
}

/** The refs an object holds, its own tenant_ref excluded. */
function outgoingRefs(obj: StoredObject): string[] {
  return collectRefs(withoutKeys(obj.body, 'tenant_ref'));
}

const GSLB_SERVICE = 'gslbservice';

/** The domain names a stored GslbService lists (none for other types). */
function gsDomains(obj: StoredObject): string[] {
  return obj.type === GSLB_SERVICE ? domainNamesOf(obj.body) : [];
}

const nameKey = (type: string, tenant: string, name: string): string =>
  `${type}\u0000${tenant}\u0000${name}`;

export class ObjectStore {
  readonly #clock: Clock;
  readonly #byType = new Map<string, Map<string, StoredObject>>();
  readonly #byName = new Map<string, string>();
  /** Internal ref → `type/uuid` keys of the objects that hold it (tenant_ref excluded). */
  readonly #referrers = new Map<string, Set<string>>();
  /** Domain name → uuids of the GslbServices that list it (the uniqueness check's index). */
  readonly #domainOwners = new Map<string, Set<string>>();
  #seq = 0;
  #lastModified = 0n;
  #generation = 0;

  constructor(deps: { clock: Clock }) {
    this.#clock = deps.clock;
  }

  /** A fresh uuid in the controller's `<type>-<uuid v4>` form. */
  static newUuid(type: string): string {
    return `${type}-${randomUUID()}`;
  }

  /** Microseconds since the epoch, strictly increasing across all writes. */
  nextModified(): string {
    const now = BigInt(Math.floor(this.#clock.now())) * 1000n;
    this.#lastModified = now > this.#lastModified ? now : this.#lastModified + 1n;
    return this.#lastModified.toString();
  }

  /** Changes with every insert, replace, remove and clear: a key for what was read from it. */
  get generation(): number {
    return this.#generation;
  }

  get(type: string, uuid: string): StoredObject | undefined {
    return this.#byType.get(type)?.get(uuid);
  }

  findByName(type: string, tenant: string, name: string): StoredObject | undefined {
    const uuid = this.#byName.get(nameKey(type, tenant, name));
    return uuid === undefined ? undefined : this.get(type, uuid);
  }

  /** Objects of a type in creation order, optionally only those of the given tenants. */
  list(type: string, tenants?: ReadonlySet<string>): StoredObject[] {
    const all = [...(this.#byType.get(type)?.values() ?? [])];
    return tenants === undefined ? all : all.filter((obj) => tenants.has(obj.tenant));
  }

  /** Like `list`, through the name index when a name is given and the tenants are known. */
  select(
    type: string,
    tenants: ReadonlySet<string> | undefined,
    name: string | null,
  ): StoredObject[] {
    if (name === null || tenants === undefined) return this.list(type, tenants);
    return [...tenants]
      .flatMap((tenant) => this.findByName(type, tenant, name) ?? [])
      .sort((a, b) => a.seq - b.seq);
  }

  types(): string[] {
    return [...this.#byType.keys()];
  }

  /** Stores a new object (already validated and resolved) and returns it. */
  insert(type: string, tenant: string, body: Record<string, unknown>): StoredObject {
    const given = body['uuid'];
    const uuid = typeof given === 'string' && given !== '' ? given : ObjectStore.newUuid(type);
    return this.#put({ type, uuid, tenant, seq: ++this.#seq, body: this.#stamp(body, uuid) });
  }

  /** Replaces the body of an existing object, keeping its identity and position. */
  replace(current: StoredObject, body: Record<string, unknown>): StoredObject {
    this.#unindex(current);
    return this.#put({ ...current, body: this.#stamp(body, current.uuid) });
  }

  remove(obj: StoredObject): void {
    this.#generation++;
    this.#unindex(obj);
    this.#byType.get(obj.type)?.delete(obj.uuid);
  }

  /** Every object whose references (tenant_ref excluded) point at the given one. */
  referrers(target: StoredObject): StoredObject[] {
    const holders = this.#referrers.get(internalRef(target.type, target.uuid)) ?? new Set();
    return [...holders].flatMap((key) => {
      const [type = '', uuid = ''] = key.split('/');
      const obj = this.get(type, uuid);
      return obj === undefined ? [] : [obj];
    });
  }

  /** The GslbServices (any tenant) whose `domain_names` hold `domain`, in creation order. */
  gslbServicesWithDomain(domain: string): StoredObject[] {
    const uuids = this.#domainOwners.get(domain);
    if (uuids === undefined) return [];
    return [...uuids]
      .flatMap((uuid) => this.get(GSLB_SERVICE, uuid) ?? [])
      .sort((a, b) => a.seq - b.seq);
  }

  /** The objects of a tenant (for the deletion check of a tenant). */
  ownedBy(tenant: string): StoredObject[] {
    const found: StoredObject[] = [];
    for (const [type, objects] of this.#byType) {
      if (type === 'tenant') continue;
      for (const obj of objects.values()) if (obj.tenant === tenant) found.push(obj);
    }
    return found;
  }

  /** Name of the object a stored ref points at, if it exists. */
  nameOfRef(ref: string): string | undefined {
    const parsed = parseRef(ref);
    if (parsed?.uuid === undefined) return undefined;
    const name = this.get(parsed.type, parsed.uuid)?.body['name'];
    return typeof name === 'string' ? name : undefined;
  }

  clear(): void {
    this.#generation++;
    this.#byType.clear();
    this.#byName.clear();
    this.#referrers.clear();
    this.#domainOwners.clear();
  }

  snapshot(): StoreSnapshot {
    const objects = [...this.#byType.values()].flatMap((m) => [...m.values()]);
    objects.sort((a, b) => a.seq - b.seq);
    return {
      seq: this.#seq,
      lastModified: this.#lastModified.toString(),
      objects: structuredClone(objects),
    };
  }

  restore(snapshot: StoreSnapshot): void {
    this.clear();
    for (const obj of snapshot.objects) this.#put(structuredClone(obj));
    this.#seq = snapshot.seq;
    this.#lastModified = BigInt(snapshot.lastModified);
  }

  #stamp(body: Record<string, unknown>, uuid: string): Record<string, unknown> {
    return { ...withoutKeys(body, 'url'), uuid, _last_modified: this.nextModified() };
  }

  #put(obj: StoredObject): StoredObject {
    this.#generation++;
    let objects = this.#byType.get(obj.type);
    if (objects === undefined) {
      objects = new Map();
      this.#byType.set(obj.type, objects);
    }
    objects.set(obj.uuid, obj);
    const name = obj.body['name'];
    if (typeof name === 'string') this.#byName.set(nameKey(obj.type, obj.tenant, name), obj.uuid);
    for (const ref of outgoingRefs(obj)) {
      let holders = this.#referrers.get(ref);
      if (holders === undefined) {
        holders = new Set();
        this.#referrers.set(ref, holders);
      }
      holders.add(`${obj.type}/${obj.uuid}`);
    }
    for (const domain of gsDomains(obj)) {
      let owners = this.#domainOwners.get(domain);
      if (owners === undefined) {
        owners = new Set();
        this.#domainOwners.set(domain, owners);
      }
      owners.add(obj.uuid);
    }
    return obj;
  }

  #unindex(obj: StoredObject): void {
    for (const ref of outgoingRefs(obj))
      this.#referrers.get(ref)?.delete(`${obj.type}/${obj.uuid}`);
    for (const domain of gsDomains(obj)) {
      const owners = this.#domainOwners.get(domain);
      owners?.delete(obj.uuid);
      if (owners?.size === 0) this.#domainOwners.delete(domain);
    }
    const name = obj.body['name'];
    if (typeof name !== 'string') return;
    const key = nameKey(obj.type, obj.tenant, name);
    if (this.#byName.get(key) === obj.uuid) this.#byName.delete(key);
  }
}
