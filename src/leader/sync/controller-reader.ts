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
import { LEGACY_CREATED_BY } from '../model/names.js';
import type { AviGslbApi } from './avi-gslb-api.js';
import { tenantOfRef, type ControllerCache } from './controller-cache.js';

const ALL = '*';

/**
 * The bulk reads take the controller's largest page and read up to four pages at once: at
 * 10,000 GslbServices that is 50 requests, a quarter of them in sequence, instead of 100 in turn.
 */
const BULK_PAGE_SIZE = '200';
const BULK_PAGES_IN_FLIGHT = 4;

/** A GS read from the controller is ignored without domain names, groups or description. */
function usable(gs: Stored<GslbService>): boolean {
  return (gs.domain_names ?? []).length > 0 && (gs.groups ?? []).length > 0 && !!gs.description;
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

  /** Loads every object the cache mirrors and replaces the cache's content with it. */
  async loadCache(cache: ControllerCache, signal?: AbortSignal): Promise<void> {
    const list = <T extends { name: string }>(
      type: 'gslbservice' | 'healthmonitor' | 'applicationpersistenceprofile' | 'pkiprofile',
      query: Record<string, string>,
    ): Promise<Stored<T>[]> =>
      this.#avi.list<T>(
        type,
        {
          tenant: ALL,
          query: { include_name: 'true', page_size: BULK_PAGE_SIZE, ...query },
          pagesInFlight: BULK_PAGES_IN_FLIGHT,
        },
        signal,
      );
    const [legacy, own, hms, persistence, pki] = await Promise.all([
      list<GslbService>('gslbservice', { created_by: LEGACY_CREATED_BY }),
      list<GslbService>('gslbservice', { created_by: cache.createdBy }),
      list<HealthMonitor>('healthmonitor', { is_federated: 'true' }),
      list<ApplicationPersistenceProfile>('applicationpersistenceprofile', {
        is_federated: 'true',
      }),
      list<PKIProfile>('pkiprofile', { is_federated: 'true' }),
    ]);
    const tenantOf = (o: { tenant_ref?: string }): string => tenantOfRef(o.tenant_ref, 'admin');
    cache.replaceAll({
      gs: [...legacy, ...own]
        .filter(usable)
        .map((stored) => ({ stored, tenant: tenantOf(stored) })),
      hms: hms.map((stored) => ({ stored, tenant: tenantOf(stored) })),
      names: [...persistence, ...pki].map((p) => ({ uuid: p.uuid, name: p.name })),
    });
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
