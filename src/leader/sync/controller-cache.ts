/**
 * A complete mirror of the controller objects the leader owns or refers to: every GslbService
 * created by this AMKO instance (or the legacy `amko-gslb`), every federated health monitor, and
 * the names of persistence and PKI profiles by uuid. Not an LRU: zero-write resyncs and the
 * bootup garbage collection depend on it being whole. Refreshed at bootup and every full sync,
 * updated from the response body of every write.
 *
 * It keeps what planning needs, not the objects: names, uuids, versions, epochs and the checksum
 * of each object's projection (projection.ts), computed once when the object is cached. Strings
 * that repeat across thousands of objects (tenants, created-by values) are held once.
 */
import type { GslbService, HealthMonitor, Stored } from '../../shared/avi/types.js';
import { gslbKey, isGslbKeySegment, type GslbKey } from '../../shared/keys.js';
import {
  createdByMarkerOf,
  epochOf,
  gsNameFromHmDescription,
  LEGACY_CREATED_BY,
} from '../model/names.js';
import { olderVersion, type WrittenObject } from '../../shared/federation/controller-view.js';
import { eachInSlices } from '../../shared/kube/worker-pool.js';
import {
  gslbServiceChecksum,
  healthMonitorChecksum,
  refToName,
  type RefResolver,
} from './projection.js';

export interface CachedGs {
  readonly key: GslbKey;
  readonly tenant: string;
  readonly uuid: string;
  readonly name: string;
  /** The controller's version (`_last_modified`), sent back on an update. */
  readonly lastModified: string;
  readonly epoch: number;
  /** The GS description: the member clusters, comma-separated. */
  readonly description: string | undefined;
  /** Checksum of its projection, references resolved when it was cached. */
  readonly checksum: string;
  /** Names of the monitors it refers to, resolved when it was cached. */
  readonly hmNames: readonly string[];
  /**
   * Kept only when a reference named an object the cache did not know when the GS was cached:
   * its references are resolved again at each plan, as the cache learns names.
   */
  readonly unresolved?: Stored<GslbService>;
  /**
   * Read back after a conflict (409 on create, 412 on update) of a write planned on a verified
   * view (`ControllerCache.verified`): another writer changed it after our cache last saw it.
   * Stamped lower than our epoch, that writer is a leader that does not know it was replaced,
   * and the plan restamps the object even when its content equals ours.
   */
  readonly contested?: boolean;
}

export interface CachedHm {
  readonly tenant: string;
  readonly name: string;
  readonly uuid: string;
  /** The controller's version (`_last_modified`), sent back on an update. */
  readonly lastModified: string;
  /** Checksum of its projection. */
  readonly checksum: string;
  readonly epoch: number;
  /** `created-by` marker value; undefined for monitors without one (users' own). */
  readonly createdBy: string | undefined;
  /** GS named in an AMKO description (`gsname: <gs>`). */
  readonly gsName: string | undefined;
}

/** The tenant of a stored object: the `#name` of its `tenant_ref`, else the last segment. */
export function tenantOfRef(ref: string | undefined, fallback: string): string {
  if (!ref) return fallback;
  const hashAt = ref.indexOf('#');
  if (hashAt >= 0) return ref.slice(hashAt + 1);
  const q = /[?&]name=([^&]*)/.exec(ref);
  if (q) return q[1] ?? fallback;
  return (
    ref
      .split('/')
      .filter((s) => s)
      .pop() ?? fallback
  );
}

const hmKey = (tenant: string, name: string): string => `${tenant}/${name}`;

/** The checksum of a cached GS's projection, resolving again what was unknown when cached. */
export function cachedGsChecksum(cached: CachedGs, resolve: RefResolver): string {
  return cached.unresolved ? gslbServiceChecksum(cached.unresolved, resolve) : cached.checksum;
}

/** The names of the monitors a cached GS refers to, resolving again what was unknown. */
export function cachedGsMonitors(cached: CachedGs, resolve: RefResolver): readonly string[] {
  if (!cached.unresolved) return cached.hmNames;
  return (cached.unresolved.health_monitor_refs ?? []).map((r) => resolve('healthmonitor', r));
}

/** What every cached entry carries, as it travels to hot standbys. */
function writtenEntry(type: WrittenObject['type'], e: CachedGs | CachedHm): WrittenObject {
  const { tenant, name, uuid, lastModified, epoch, checksum } = e;
  return { type, tenant, name, uuid, deleted: false, lastModified, epoch, checksum };
}

/** A GslbService entry as it travels to hot standbys; undefined when it cannot travel. */
export function writtenGs(e: CachedGs): WrittenObject | undefined {
  // An entry with references the cache could not resolve is resolved again at each plan from
  // the stored object, which does not travel: the standby reads it when it verifies its view.
  if (e.unresolved || e.contested) return undefined;
  return { ...writtenEntry('gslbservice', e), description: e.description, hmNames: e.hmNames };
}

/** A health monitor entry as it travels to hot standbys. */
export function writtenHm(e: CachedHm): WrittenObject {
  return { ...writtenEntry('healthmonitor', e), createdBy: e.createdBy, gsName: e.gsName };
}

/** The version the cache last saw of a GslbService, kept or ignored (`key` undefined). */
export interface GsVersion {
  readonly lastModified: string;
  readonly key: GslbKey | undefined;
}

/** The version and name the cache last saw of a health monitor. */
export interface HmVersion {
  readonly lastModified: string;
  readonly name: string;
}

/** Objects read again because they changed, and the uuids of those that are gone. */
export interface CacheChanges {
  readonly names: readonly { uuid: string; name: string }[];
  readonly hms: readonly { stored: Stored<HealthMonitor>; tenant: string }[];
  readonly goneHms: readonly string[];
  readonly gs: readonly { stored: Stored<GslbService>; tenant: string }[];
  /** GslbServices read again but not usable (no domain names, groups or description). */
  readonly ignoredGs: readonly { uuid: string; lastModified: string }[];
  readonly goneGs: readonly string[];
}

/** Everything the mirror holds, as read from the controller. */
export interface MirrorData {
  gs: readonly { stored: Stored<GslbService>; tenant: string }[];
  hms: readonly { stored: Stored<HealthMonitor>; tenant: string }[];
  names: readonly { uuid: string; name: string }[];
  /** GslbServices of ours that are not usable, kept only as versions. */
  ignoredGs?: readonly { uuid: string; lastModified: string }[];
}

function copyInto<K, V>(to: Map<K, V>, from: ReadonlyMap<K, V>): void {
  to.clear();
  for (const [k, v] of from) to.set(k, v);
}

export class ControllerCache {
  readonly createdBy: string;
  readonly #gs = new Map<GslbKey, CachedGs>();
  readonly #hm = new Map<string, CachedHm>();
  readonly #hmByUuid = new Map<string, CachedHm>();
  readonly #names = new Map<string, string>();
  /** GslbServices of ours the controller holds but that are not usable: uuid → version. */
  readonly #ignoredGs = new Map<string, string>();
  /** `tenant/gsName` → names of monitors whose description names that GS. */
  readonly #hmsOfGs = new Map<string, Set<string>>();
  #verified = true;
  /** One copy of each tenant and created-by value. */
  readonly #strings = new Map<string, string>();
  /** Every tenant an entry was read in since the mirror was last replaced: a handful. */
  readonly #tenants = new Set<string>();

  constructor(createdBy: string) {
    this.createdBy = createdBy;
  }

  /** True when a GS with this created_by belongs to this instance. */
  owns(createdBy: string | undefined): boolean {
    return createdBy === this.createdBy || createdBy === LEGACY_CREATED_BY;
  }

  gs(key: GslbKey): CachedGs | undefined {
    return this.#gs.get(key);
  }

  gsKeys(): GslbKey[] {
    return [...this.#gs.keys()];
  }

  get gsCount(): number {
    return this.#gs.size;
  }

  #intern<T extends string | undefined>(s: T): T {
    if (s === undefined) return s;
    const known = this.#strings.get(s);
    if (known !== undefined) return known as T;
    this.#strings.set(s, s);
    return s;
  }

  putGs(stored: Stored<GslbService>, tenantHint: string, contested = false): CachedGs {
    const tenant = this.#intern(tenantOfRef(stored.tenant_ref, tenantHint));
    const key = gslbKey(tenant, stored.name);
    this.#tenants.add(tenant);
    let unknown = false;
    const resolve: RefResolver = (type, ref) =>
      refToName(
        ref,
        type,
        (uuid) => this.#names.get(uuid),
        () => (unknown = true),
      );
    const checksum = gslbServiceChecksum(stored, resolve);
    const hmNames = (stored.health_monitor_refs ?? []).map((r) => resolve('healthmonitor', r));
    const entry: CachedGs = {
      key,
      tenant,
      uuid: stored.uuid,
      name: stored.name,
      lastModified: stored._last_modified,
      epoch: epochOf(stored.markers),
      description: stored.description,
      checksum,
      hmNames,
      ...(unknown ? { unresolved: stored } : {}),
      ...(contested ? { contested } : {}),
    };
    this.#gs.set(key, entry);
    return entry;
  }

  deleteGs(key: GslbKey): void {
    this.#gs.delete(key);
  }

  /** uuid → version of every GslbService last read, kept or ignored as not usable. */
  gsVersions(): Map<string, GsVersion> {
    const out = new Map<string, GsVersion>();
    for (const [uuid, lastModified] of this.#ignoredGs)
      out.set(uuid, { lastModified, key: undefined });
    for (const g of this.#gs.values())
      out.set(g.uuid, { lastModified: g.lastModified, key: g.key });
    return out;
  }

  /** uuid → version and name of every health monitor last read. */
  hmVersions(): Map<string, HmVersion> {
    const out = new Map<string, HmVersion>();
    for (const [uuid, h] of this.#hmByUuid)
      out.set(uuid, { lastModified: h.lastModified, name: h.name });
    return out;
  }

  /** The name last read for an object referred to by uuid (monitors and profiles). */
  nameOf(uuid: string): string | undefined {
    return this.#names.get(uuid);
  }

  /**
   * Applies a verification's findings (controller-reader.ts `refreshCache`): the objects read
   * again replace their entries, the gone ones leave. Names an entry resolved when cached are not
   * revisited, so the caller reads the whole mirror instead when a known uuid changed its name.
   */
  applyChanges(c: CacheChanges): void {
    this.#verified = true;
    for (const n of c.names) this.#names.set(n.uuid, n.name);
    for (const uuid of c.goneHms) {
      const old = this.#hmByUuid.get(uuid);
      if (old) this.deleteHm(old.tenant, old.name);
      this.#names.delete(uuid);
    }
    // A write that answered after the read (ours, or the leader's in a standby's view) left a
    // newer version in the cache than the read brought: that entry stays.
    const newerHeld = (
      held: { lastModified: string } | undefined,
      read: { _last_modified: string },
    ) => held !== undefined && olderVersion(read._last_modified, held.lastModified);
    for (const h of c.hms)
      if (!newerHeld(this.#hmByUuid.get(h.stored.uuid), h.stored)) this.putHm(h.stored, h.tenant);
    const versions = this.gsVersions();
    const drop = (uuid: string): void => {
      const key = versions.get(uuid)?.key;
      if (key !== undefined && this.#gs.get(key)?.uuid === uuid) this.#gs.delete(key);
      this.#ignoredGs.delete(uuid);
    };
    for (const uuid of c.goneGs) drop(uuid);
    for (const g of c.ignoredGs) {
      drop(g.uuid);
      this.#ignoredGs.set(g.uuid, g.lastModified);
    }
    for (const g of c.gs) {
      if (newerHeld(versions.get(g.stored.uuid), g.stored)) continue;
      drop(g.stored.uuid);
      this.putGs(g.stored, g.tenant);
    }
  }

  hm(tenant: string, name: string): CachedHm | undefined {
    return this.#hm.get(hmKey(tenant, name));
  }

  hmByUuid(uuid: string): CachedHm | undefined {
    return this.#hmByUuid.get(uuid);
  }

  /** The key of the GslbService the monitor of `uuid` names in its description, if any. */
  keyOfHm(uuid: string): GslbKey | undefined {
    const hm = this.#hmByUuid.get(uuid);
    const gsName = hm?.gsName;
    return hm && gsName !== undefined && isGslbKeySegment(gsName)
      ? gslbKey(hm.tenant, gsName)
      : undefined;
  }

  /** Monitors this instance created (by marker), optionally of one tenant. */
  ownedHms(tenant?: string): CachedHm[] {
    return [...this.#hm.values()].filter(
      (h) => h.createdBy === this.createdBy && (tenant === undefined || h.tenant === tenant),
    );
  }

  /** Monitors we own in `tenant` whose description names `gsName`. */
  ownedHmsOfGs(tenant: string, gsName: string): CachedHm[] {
    const names = this.#hmsOfGs.get(hmKey(tenant, gsName)) ?? new Set<string>();
    return [...names]
      .map((n) => this.hm(tenant, n))
      .filter((h): h is CachedHm => h !== undefined && h.createdBy === this.createdBy);
  }

  putHm(stored: Stored<HealthMonitor>, tenantHint: string): CachedHm {
    const tenant = this.#intern(tenantOfRef(stored.tenant_ref, tenantHint));
    this.#tenants.add(tenant);
    const entry: CachedHm = {
      tenant,
      name: stored.name,
      uuid: stored.uuid,
      lastModified: stored._last_modified,
      checksum: healthMonitorChecksum(stored),
      epoch: epochOf(stored.markers),
      createdBy: this.#intern(createdByMarkerOf(stored.markers)),
      gsName: gsNameFromHmDescription(stored.description),
    };
    return this.#setHm(entry);
  }

  /** Puts a monitor entry in place of the one of its name, with its indexes. */
  #setHm(entry: CachedHm): CachedHm {
    this.deleteHm(entry.tenant, entry.name);
    this.#hm.set(hmKey(entry.tenant, entry.name), entry);
    if (entry.gsName !== undefined) {
      const k = hmKey(entry.tenant, entry.gsName);
      const set = this.#hmsOfGs.get(k) ?? new Set<string>();
      set.add(entry.name);
      this.#hmsOfGs.set(k, set);
    }
    this.#hmByUuid.set(entry.uuid, entry);
    this.#names.set(entry.uuid, entry.name);
    return entry;
  }

  deleteHm(tenant: string, name: string): void {
    const old = this.#hm.get(hmKey(tenant, name));
    if (!old) return;
    this.#hm.delete(hmKey(tenant, name));
    this.#hmByUuid.delete(old.uuid);
    if (old.gsName !== undefined) this.#hmsOfGs.get(hmKey(tenant, old.gsName))?.delete(name);
  }

  /**
   * The keys, in every tenant, of the GslbService named `gsName` that is cached or named by a
   * monitor we own: what `gsKeys` and `gsNamesOfOwnedHms` give for that one name, at the cost
   * of a look-up per tenant instead of a walk over the whole mirror.
   */
  keysNamed(gsName: string): GslbKey[] {
    if (!isGslbKeySegment(gsName)) return [];
    const out: GslbKey[] = [];
    for (const tenant of this.#tenants) {
      const key = gslbKey(tenant, gsName);
      if (this.#gs.has(key) || this.ownedHmsOfGs(tenant, gsName).length > 0) out.push(key);
    }
    return out;
  }

  /** `tenant/gsName` of every GS named by a monitor we own (bootup garbage collection). */
  gsNamesOfOwnedHms(): { tenant: string; gsName: string }[] {
    return this.ownedHms()
      .filter((h) => h.gsName !== undefined)
      .map((h) => ({ tenant: h.tenant, gsName: h.gsName ?? '' }));
  }

  /**
   * Whether the mirror was read from the controller since it was last taken on trust. A hot
   * standby's view holds what its leader sent; a leader killed mid-write never sent its last
   * writes. Until a promoted standby verifies it (a whole load, or a refresh), a conflict says
   * only that the view missed a write: the object read back is not taken for a replaced
   * leader's (contested).
   */
  get verified(): boolean {
    return this.#verified;
  }

  /** The mirror is taken on trust (a promotion) until a verification applies its findings. */
  unverified(): void {
    this.#verified = false;
  }

  /** Records the name of a profile (or any object) by uuid, for reference comparison. */
  putName(uuid: string, name: string): void {
    this.#names.set(uuid, name);
  }

  /**
   * Replaces the whole mirror (bootup and full sync). The entries (a checksum over each object:
   * about 200 ms for 10,000 GslbServices and their monitors) are computed in a cache of their
   * own, in slices of the event loop, and then taken over at once: the mirror never shows half
   * of them, and the loop keeps turning (gRPC calls, probes, watch events). Resolves false,
   * leaving the mirror as it was, when `signal` was aborted first.
   */
  async replaceAll(data: MirrorData, signal?: AbortSignal): Promise<boolean> {
    const next = new ControllerCache(this.createdBy);
    for (const g of data.ignoredGs ?? []) next.#ignoredGs.set(g.uuid, g.lastModified);
    for (const n of data.names) next.#names.set(n.uuid, n.name);
    const filled =
      (await eachInSlices(data.hms, (h) => next.putHm(h.stored, h.tenant), signal)) &&
      (await eachInSlices(data.gs, (g) => next.putGs(g.stored, g.tenant), signal));
    if (!filled) return false;
    this.#verified = true;
    copyInto(this.#gs, next.#gs);
    copyInto(this.#ignoredGs, next.#ignoredGs);
    copyInto(this.#hm, next.#hm);
    copyInto(this.#hmByUuid, next.#hmByUuid);
    copyInto(this.#names, next.#names);
    copyInto(this.#hmsOfGs, next.#hmsOfGs);
    copyInto(this.#strings, next.#strings);
    this.#tenants.clear();
    for (const t of next.#tenants) this.#tenants.add(t);
    return true;
  }

  /**
   * Takes an object the leader wrote (a hot standby's view following the leader's writes).
   * An entry of the same object with a newer version (the standby read it after that write)
   * is kept; a deletion removes the entry only if it is of the deleted uuid. Returns the key of
   * the GslbService it concerns when the cache changed, else undefined.
   */
  takeWritten(o: WrittenObject): GslbKey | undefined {
    const tenant = this.#intern(o.tenant);
    if (o.type === 'healthmonitor') return this.#takeWrittenHm(o, tenant);
    const key = gslbKey(tenant, o.name);
    const held = this.#gs.get(key);
    if (o.deleted) {
      this.#ignoredGs.delete(o.uuid);
      if (held?.uuid !== o.uuid) return undefined;
      this.#gs.delete(key);
      return key;
    }
    if (held?.uuid === o.uuid && !olderVersion(held.lastModified, o.lastModified)) return undefined;
    this.#ignoredGs.delete(o.uuid);
    this.#tenants.add(tenant);
    this.#gs.set(key, {
      key,
      tenant,
      uuid: o.uuid,
      name: o.name,
      lastModified: o.lastModified,
      epoch: o.epoch,
      description: o.description,
      checksum: o.checksum,
      hmNames: o.hmNames ?? [],
    });
    return key;
  }

  #takeWrittenHm(o: WrittenObject, tenant: string): GslbKey | undefined {
    const held = this.#hm.get(hmKey(tenant, o.name));
    const gsName = o.deleted ? held?.gsName : o.gsName;
    const key =
      gsName !== undefined && isGslbKeySegment(gsName) ? gslbKey(tenant, gsName) : undefined;
    if (o.deleted) {
      if (held?.uuid !== o.uuid) return undefined;
      this.deleteHm(tenant, o.name);
      return key;
    }
    if (held?.uuid === o.uuid && !olderVersion(held.lastModified, o.lastModified)) return undefined;
    this.#tenants.add(tenant);
    this.#setHm({
      tenant,
      name: o.name,
      uuid: o.uuid,
      lastModified: o.lastModified,
      checksum: o.checksum,
      epoch: o.epoch,
      createdBy: this.#intern(o.createdBy),
      gsName: o.gsName,
    });
    return key;
  }

  /** Resolves references found on stored objects to names. */
  readonly resolve: RefResolver = (type, ref) =>
    refToName(ref, type, (uuid) => this.#names.get(uuid));
}
