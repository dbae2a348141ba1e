/**
 * Tenants (avi-rest-api.md §1.4): the request's tenant scope, visibility of objects, and
 * resolution of references in a tenant (§1.3).
 */
import { withoutKeys } from './body.js';
import { typeInfo } from './object-types.js';
import { internalRef, mapRefs, parseRef, type ParsedRef } from './refs.js';
import { SimError } from './sim-error.js';
import { ADMIN_TENANT, ObjectStore, type StoredObject } from './store.js';

/** `*` (all tenants) or one tenant. */
export type TenantScope = { all: true } | { all: false; uuid: string; name: string };

export interface TenancyOptions {
  shareAdminProfiles: boolean;
  autoCreateTenants: boolean;
}

export class Tenancy {
  readonly #store: ObjectStore;
  readonly #opts: TenancyOptions;

  constructor(deps: { store: ObjectStore; options: TenancyOptions }) {
    this.#store = deps.store;
    this.#opts = deps.options;
  }

  byName(name: string): StoredObject | undefined {
    return this.#store.findByName('tenant', ADMIN_TENANT, name);
  }

  byUuid(uuid: string): StoredObject | undefined {
    return this.#store.get('tenant', uuid);
  }

  /** The tenant named `name`, created when it is missing (seeding, `autoCreateTenants`). */
  ensure(name: string): StoredObject {
    const found = this.byName(name);
    if (found !== undefined) return found;
    const uuid = name === ADMIN_TENANT ? ADMIN_TENANT : ObjectStore.newUuid('tenant');
    return this.#store.insert('tenant', ADMIN_TENANT, {
      uuid,
      name,
      config_settings: {
        tenant_vrf: false,
        se_in_provider_context: true,
        tenant_access_to_provider_se: true,
      },
    });
  }

  /** The scope named by `X-Avi-Tenant` / `X-Avi-Tenant-UUID` (absent → `admin`). */
  scopeOf(header: { name?: string | undefined; uuid?: string | undefined }): TenantScope {
    if (header.name === '*') return { all: true };
    const tenant = this.#lookup(header);
    return { all: false, uuid: tenant.uuid, name: String(tenant.body['name']) };
  }

  #lookup(header: { name?: string | undefined; uuid?: string | undefined }): StoredObject {
    if (header.uuid !== undefined && header.uuid !== '') {
      const found = this.byUuid(header.uuid);
      if (found === undefined) throw new SimError(404, `Tenant ${header.uuid} not found`);
      return found;
    }
    const name = header.name === undefined || header.name === '' ? ADMIN_TENANT : header.name;
    const found = this.byName(name);
    if (found !== undefined) return found;
    if (this.#opts.autoCreateTenants) return this.ensure(name);
    throw new SimError(404, `Tenant ${name} not found`);
  }

  /**
   * The tenants whose objects of `type` a read in `scope` sees: undefined means all of them.
   * `byName` reads of shared profile types also see `admin` (when sharing is on).
   */
  visibleTenants(
    type: string,
    scope: TenantScope,
    byName: boolean,
  ): ReadonlySet<string> | undefined {
    if (scope.all || typeInfo(type)?.global === true) return undefined;
    return byName && this.#shares(type)
      ? new Set([scope.uuid, ADMIN_TENANT])
      : new Set([scope.uuid]);
  }

  /** The tenant a write creates its object in, from the body's `tenant_ref` and the header. */
  writeTenant(scope: TenantScope, tenantRef: unknown): StoredObject {
    if (scope.all) throw new SimError(400, 'Tenant * is not allowed for write operations');
    const header = this.byUuid(scope.uuid);
    if (header === undefined) throw new SimError(404, `Tenant ${scope.name} not found`);
    if (tenantRef === undefined || tenantRef === null || tenantRef === '') return header;
    if (typeof tenantRef !== 'string') throw new SimError(400, 'tenant_ref must be a string');
    const named = this.#resolve(parseRef(tenantRef), tenantRef, ADMIN_TENANT);
    if (named.type !== 'tenant') throw new SimError(400, `Invalid tenant_ref ${tenantRef}`);
    if (named.uuid !== header.uuid && header.uuid !== ADMIN_TENANT) {
      throw new SimError(
        400,
        `tenant_ref ${String(named.body['name'])} does not match the request tenant ${scope.name}`,
      );
    }
    return named;
  }

  /** Rewrites every reference of a body to its internal form, as seen from `tenant`. */
  resolveRefs(body: Record<string, unknown>, tenant: string): Record<string, unknown> {
    const resolved = mapRefs(withoutKeys(body, 'tenant_ref'), (ref) => {
      const target = this.#resolve(parseRef(ref), ref, tenant);
      return internalRef(target.type, target.uuid);
    });
    return resolved as Record<string, unknown>;
  }

  #shares(type: string): boolean {
    return this.#opts.shareAdminProfiles && typeInfo(type)?.sharedFromAdmin === true;
  }

  #visibleFrom(obj: StoredObject, tenant: string): boolean {
    if (obj.tenant === tenant || typeInfo(obj.type)?.global === true) return true;
    return obj.tenant === ADMIN_TENANT && this.#shares(obj.type);
  }

  #resolve(parsed: ParsedRef | undefined, raw: string, tenant: string): StoredObject {
    if (parsed === undefined || typeInfo(parsed.type) === undefined) {
      throw new SimError(400, `Invalid reference ${raw}`);
    }
    const { type, uuid, name = '' } = parsed;
    if (uuid !== undefined) return this.#resolveUuid(type, uuid, tenant);
    const owner = typeInfo(type)?.global === true ? ADMIN_TENANT : tenant;
    const found =
      this.#store.findByName(type, owner, name) ??
      (this.#shares(type) ? this.#store.findByName(type, ADMIN_TENANT, name) : undefined);
    if (found !== undefined) return found;
    throw new SimError(400, `Cannot find object of type ${type} with name ${name}`);
  }

  #resolveUuid(type: string, uuid: string, tenant: string): StoredObject {
    const found = this.#store.get(type, uuid);
    if (found !== undefined && this.#visibleFrom(found, tenant)) return found;
    throw new SimError(400, `Cannot find object of type ${type} with uuid ${uuid}`);
  }
}
