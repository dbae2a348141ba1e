/**
 * Reads from the controller what the leader needs besides its writes: the full mirror for the
 * controller cache (bootup and every full sync), and look-ups by name for policy validation.
 */
import { LRUCache } from 'lru-cache';
import type {
  ApplicationPersistenceProfile,
  GslbService,
  HealthMonitor,
  PKIProfile,
  Stored,
} from '../../shared/avi/types.js';
import { gslbKey, type GslbKey } from '../../shared/keys.js';
import { LEGACY_CREATED_BY } from '../model/names.js';
import type { AviGslbApi } from './avi-gslb-api.js';
import { OperatorError } from '../../shared/errors.js';
import {
  tenantOfRef,
  type CacheChanges,
  type ControllerCache,
  type GsVersion,
  type HmVersion,
} from './controller-cache.js';

const ALL = '*';

/** The key each monitor of `uuids` names, as the cache holds it now. */
function hmKeysOf(cache: ControllerCache, uuids: Iterable<string>): Map<string, GslbKey> {
  const out = new Map<string, GslbKey>();
  for (const uuid of uuids) {
    const key = cache.keyOfHm(uuid);
    if (key !== undefined) out.set(uuid, key);
  }
  return out;
}

/**
 * After a whole read: the keys whose GS entries are new, changed or gone since `before` (what
 * the cache held), and the keys that new, changed or gone monitors name, before and after.
 */
function keysChangedSince(
  cache: ControllerCache,
  before: {
    readonly gs: ReadonlyMap<string, GsVersion>;
    readonly hm: ReadonlyMap<string, HmVersion>;
    readonly hmKeys: ReadonlyMap<string, GslbKey>;
  },
): Set<GslbKey> {
  const keys = new Set<GslbKey>();
  const add = (key: GslbKey | undefined): void => {
    if (key !== undefined) keys.add(key);
  };
  const gsNow = cache.gsVersions();
  for (const [uuid, v] of gsNow) {
    const was = before.gs.get(uuid);
    if (was?.lastModified === v.lastModified && was.key === v.key) continue;
    add(v.key);
    add(was?.key);
  }
  for (const [uuid, was] of before.gs) if (!gsNow.has(uuid)) add(was.key);
  const hmNow = cache.hmVersions();
  for (const [uuid, v] of hmNow) {
    if (before.hm.get(uuid)?.lastModified === v.lastModified) continue;
    add(cache.keyOfHm(uuid));
    add(before.hmKeys.get(uuid));
  }
  for (const uuid of before.hm.keys()) if (!hmNow.has(uuid)) add(before.hmKeys.get(uuid));
  return keys;
}

/**
 * The bulk reads take the controller's largest page and read up to four pages at once: at
 * 10,000 GslbServices that is 50 requests, a quarter of them in sequence, instead of 100 in turn.
 */
const BULK_PAGE_SIZE = '200';
const BULK_PAGES_IN_FLIGHT = 4;

/** A verification lists only these fields of each object (with uuid, url and name). */
const VERSION_FIELDS = '_last_modified,tenant_ref';
/** Objects read again at once by uuid during a verification. */
const READS_IN_FLIGHT = 8;

/** What verifying the cache against the controller found. */
export interface CacheCheck {
  /** GslbServices and health monitors listed. */
  readonly listed: number;
  /** Of those, how many were new or changed since the cache read them (read again). */
  readonly changed: number;
  /** Objects the cache held that the controller no longer has. */
  readonly gone: number;
  /** Too much had changed, or a name entries refer to: the whole mirror was read instead. */
  readonly reread: boolean;
  /**
   * The GslbService keys whose entries, or monitors naming them, changed or left (undefined when
   * a monitor or profile changed its name: every key).
   */
  readonly keys: readonly GslbKey[] | undefined;
}

type Mirrored = 'gslbservice' | 'healthmonitor' | 'applicationpersistenceprofile' | 'pkiprofile';

/**
 * Reading objects one by one pays off while at most a quarter of them changed: past that, the
 * 200-object pages of a whole read cost less.
 */
function rereadAbove(listed: number): number {
  return Math.max(64, Math.floor(listed / 4));
}

/** `fn` over every item, `limit` at a time, results in order. */
async function eachLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const tenantOf = (o: { tenant_ref?: string }): string => tenantOfRef(o.tenant_ref, 'admin');

/** A GS read from the controller is ignored without domain names, groups or description. */
function usable(gs: Stored<GslbService>): boolean {
  return (gs.domain_names ?? []).length > 0 && (gs.groups ?? []).length > 0 && !!gs.description;
}

interface ReadAgain<T extends GslbService | HealthMonitor> {
  readonly found: Stored<T>[];
  readonly gone: string[];
}

/** The cache changes of a verification: objects read again, and those gone. */
function changesOf(v: {
  profiles: readonly { uuid: string; name: string }[];
  gsRead: ReadAgain<GslbService>;
  hmRead: ReadAgain<HealthMonitor>;
  goneGs: readonly string[];
  goneHms: readonly string[];
}): CacheChanges {
  return {
    names: v.profiles.map((p) => ({ uuid: p.uuid, name: p.name })),
    hms: v.hmRead.found.map((stored) => ({ stored, tenant: tenantOf(stored) })),
    goneHms: [...v.goneHms, ...v.hmRead.gone],
    gs: v.gsRead.found.filter(usable).map((stored) => ({ stored, tenant: tenantOf(stored) })),
    ignoredGs: v.gsRead.found
      .filter((g) => !usable(g))
      .map((g) => ({ uuid: g.uuid, lastModified: g._last_modified })),
    goneGs: [...v.goneGs, ...v.gsRead.gone],
  };
}

/** The uuids among `known` that `listed` does not hold. */
function absent(known: Iterable<string>, listed: readonly { uuid: string }[]): string[] {
  const seen = new Set(listed.map((o) => o.uuid));
  return [...known].filter((uuid) => !seen.has(uuid));
}

export class ControllerReader {
  readonly #avi: AviGslbApi;
  readonly #defaultPki = new LRUCache<string, { name: string | undefined }>({
    max: 256,
    ttl: 60_000,
  });

  constructor(deps: { avi: AviGslbApi }) {
    this.#avi = deps.avi;
  }

  /** Every page of a mirrored collection, across tenants. */
  #bulk<T extends { name: string }>(
    type: Mirrored,
    query: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<Stored<T>[]> {
    return this.#avi.list<T>(
      type,
      {
        tenant: ALL,
        query: { include_name: 'true', page_size: BULK_PAGE_SIZE, ...query },
        pagesInFlight: BULK_PAGES_IN_FLIGHT,
      },
      signal,
    );
  }

  /** The five collections the cache mirrors, each listed with `extra` added to its filter. */
  #mirrored(cache: ControllerCache, extra: Record<string, string>, signal?: AbortSignal) {
    const federated = { is_federated: 'true', ...extra };
    return Promise.all([
      this.#bulk<GslbService>('gslbservice', { created_by: LEGACY_CREATED_BY, ...extra }, signal),
      this.#bulk<GslbService>('gslbservice', { created_by: cache.createdBy, ...extra }, signal),
      this.#bulk<HealthMonitor>('healthmonitor', federated, signal),
      this.#bulk<ApplicationPersistenceProfile>('applicationpersistenceprofile', federated, signal),
      this.#bulk<PKIProfile>('pkiprofile', federated, signal),
    ]);
  }

  /** Loads every object the cache mirrors and replaces the cache's content with it. */
  async loadCache(cache: ControllerCache, signal?: AbortSignal): Promise<void> {
    const [legacy, own, hms, persistence, pki] = await this.#mirrored(cache, {}, signal);
    const gs = [...legacy, ...own];
    const replaced = await cache.replaceAll(
      {
        gs: gs.filter(usable).map((stored) => ({ stored, tenant: tenantOf(stored) })),
        ignoredGs: gs
          .filter((g) => !usable(g))
          .map((g) => ({ uuid: g.uuid, lastModified: g._last_modified })),
        hms: hms.map((stored) => ({ stored, tenant: tenantOf(stored) })),
        names: [...persistence, ...pki].map((p) => ({ uuid: p.uuid, name: p.name })),
      },
      signal,
    );
    if (!replaced) throw new Error('loading the controller cache was stopped');
  }

  /**
   * Brings the cache up to date with the controller without reading every object: lists the
   * mirrored collections with only their versions (`_last_modified` changes on every write), reads
   * again by uuid the objects that are new or changed, and drops the ones that are gone. The
   * result equals a `loadCache` made at the same moment. When a monitor or profile the cache
   * knows changed its name, or more than a quarter of the objects changed, it does `loadCache`.
   */
  async refreshCache(cache: ControllerCache, signal?: AbortSignal): Promise<CacheCheck> {
    // What the cache held before the listing: an object written while the listing runs (by
    // this pipeline, or by the leader into a standby's view) is then not taken for gone.
    const gsKnown = cache.gsVersions();
    const hmKnown = cache.hmVersions();
    const [legacy, own, hmList, persistence, pki] = await this.#mirrored(
      cache,
      { fields: VERSION_FIELDS },
      signal,
    );
    const gsList = [...legacy, ...own];
    const changedGs = gsList.filter((g) => gsKnown.get(g.uuid)?.lastModified !== g._last_modified);
    const changedHms = hmList.filter((h) => hmKnown.get(h.uuid)?.lastModified !== h._last_modified);
    const goneGs = absent(gsKnown.keys(), gsList);
    const goneHms = absent(hmKnown.keys(), hmList);
    const profiles = [...persistence, ...pki];
    const listed = gsList.length + hmList.length;
    const changed = changedGs.length + changedHms.length;
    const gone = goneGs.length + goneHms.length;
    const renamed =
      profiles.some((p) => (cache.nameOf(p.uuid) ?? p.name) !== p.name) ||
      changedHms.some((h) => (hmKnown.get(h.uuid)?.name ?? h.name) !== h.name);
    if (renamed || changed > rereadAbove(listed)) {
      // A renamed monitor or profile may change how every GS resolves: every key plans again.
      const hmKeys = renamed ? undefined : hmKeysOf(cache, hmKnown.keys());
      await this.loadCache(cache, signal);
      const keys = hmKeys && [...keysChangedSince(cache, { gs: gsKnown, hm: hmKnown, hmKeys })];
      return { listed, changed, gone, reread: true, keys };
    }
    const [gsRead, hmRead] = await Promise.all([
      this.#readAgain<GslbService>('gslbservice', changedGs, signal),
      this.#readAgain<HealthMonitor>('healthmonitor', changedHms, signal),
    ]);
    const changes = changesOf({ profiles, gsRead, hmRead, goneGs, goneHms });
    const keys = new Set<GslbKey>();
    // A monitor changed or gone: the GS its description names plans again, before and after.
    const hmUuids = [...changedHms.map((h) => h.uuid), ...changes.goneHms];
    const addHmKeys = (): void => {
      for (const uuid of hmUuids) {
        const key = cache.keyOfHm(uuid);
        if (key !== undefined) keys.add(key);
      }
    };
    addHmKeys();
    cache.applyChanges(changes);
    addHmKeys();
    for (const uuid of [...changedGs.map((g) => g.uuid), ...changes.goneGs]) {
      const before = gsKnown.get(uuid)?.key;
      if (before !== undefined) keys.add(before);
    }
    for (const g of gsRead.found) keys.add(gslbKey(tenantOf(g), g.name));
    const goneNow = changes.goneGs.length + changes.goneHms.length;
    return { listed, changed, gone: goneNow, reread: false, keys: [...keys] };
  }

  /** Reads objects again by uuid; those deleted since they were listed come back as gone. */
  async #readAgain<T extends GslbService | HealthMonitor>(
    type: 'gslbservice' | 'healthmonitor',
    listed: readonly Stored<T>[],
    signal: AbortSignal | undefined,
  ): Promise<ReadAgain<T>> {
    const found: Stored<T>[] = [];
    const gone: string[] = [];
    await eachLimited(listed, READS_IN_FLIGHT, async (o) => {
      try {
        found.push(await this.#avi.get<T>(type, o.uuid, ALL, signal));
      } catch (err) {
        if (!(err instanceof OperatorError && err.code === 'AVI_NOT_FOUND')) throw err;
        gone.push(o.uuid);
      }
    });
    return { found, gone };
  }

  /** A health monitor by name in a tenant (validation of refs and templates). */
  async healthMonitor(
    tenant: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<Stored<HealthMonitor> | undefined> {
    const found = await this.#avi.list<HealthMonitor>(
      'healthmonitor',
      { tenant, query: { name } },
      signal,
    );
    return found.find((h) => h.name === name);
  }

  /** Whether a persistence or PKI profile of that name exists in the tenant. */
  async profileExists(
    type: 'applicationpersistenceprofile' | 'pkiprofile',
    tenant: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const found = await this.#avi.list(type, { tenant, query: { name } }, signal);
    return found.some((p) => p.name === name);
  }

  /** Names of the GSLB configuration's third-party sites. */
  async thirdPartySites(tenant: string, signal?: AbortSignal): Promise<Set<string>> {
    const gslb = await this.#avi.gslb(tenant, signal);
    return new Set((gslb?.third_party_sites ?? []).map((s) => s.name));
  }

  /** The first federated PKI profile of a tenant (site persistence without a PKI ref). */
  async defaultPkiProfile(tenant: string, signal?: AbortSignal): Promise<string | undefined> {
    const hit = this.#defaultPki.get(tenant);
    if (hit) return hit.name;
    const found = await this.#avi.list<PKIProfile>(
      'pkiprofile',
      { tenant, query: { page_size: '10', is_federated: 'true' } },
      signal,
    );
    const name = found[0]?.name;
    this.#defaultPki.set(tenant, { name });
    return name;
  }
}
