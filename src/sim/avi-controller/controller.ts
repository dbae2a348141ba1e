/**
 * The controller's configuration semantics over the object store (avi-rest-api.md §7.2):
 * create, full-replace update, patch and delete with validation, ref resolution, unique names,
 * referential integrity, leadership and maintenance mode.
 */
import type { Clock } from '../../shared/clock.js';
import { show, withoutKeys } from './body.js';
import {
  checkDomainConflicts,
  checkFederatedMonitors,
  checkNotReferenced,
} from './cross-checks.js';
import { duplicateText, typeInfo } from './object-types.js';
import { applyPatch } from './patch.js';
import { internalRef } from './refs.js';
import { MAINTENANCE, NOT_FOUND_OBJECT, NOT_LEADER, SimError } from './sim-error.js';
import { ADMIN_TENANT, ObjectStore, type StoredObject } from './store.js';
import { Tenancy, type TenantScope } from './tenancy.js';
import { validateGslbService, validateHealthMonitor, validateName } from './validate.js';

export interface ControllerOptions {
  /** The controller version it reports (default 22.1.3). */
  version: string;
  shareAdminProfiles: boolean;
  autoCreateTenants: boolean;
}

type Body = Record<string, unknown>;

export class Controller {
  readonly store: ObjectStore;
  readonly tenancy: Tenancy;
  readonly version: string;

  constructor(deps: { clock: Clock; options: ControllerOptions }) {
    this.store = new ObjectStore({ clock: deps.clock });
    this.tenancy = new Tenancy({ store: this.store, options: deps.options });
    this.version = deps.options.version;
  }

  cluster(): StoredObject | undefined {
    return this.store.list('cluster')[0];
  }

  gslb(): StoredObject | undefined {
    return this.store.list('gslb')[0];
  }

  /** Leader when the cluster uuid equals `gslb.leader_cluster_uuid`. */
  isLeader(): boolean {
    const cluster = this.cluster();
    return cluster !== undefined && this.gslb()?.body['leader_cluster_uuid'] === cluster.uuid;
  }

  inMaintenance(): boolean {
    return this.gslb()?.body['maintenance_mode'] === true;
  }

  /** Makes this controller the GSLB leader, or a follower of another site. */
  setLeader(leader: boolean): void {
    const gslb = this.gslb();
    const own = this.cluster()?.uuid;
    if (gslb === undefined || own === undefined) throw new SimError(400, 'no GSLB configuration');
    const sites = Array.isArray(gslb.body['sites']) ? (gslb.body['sites'] as Body[]) : [];
    const other = sites.map((s) => s['cluster_uuid']).find((u) => u !== own);
    const leaderUuid = leader
      ? own
      : typeof other === 'string'
        ? other
        : ObjectStore.newUuid('cluster');
    this.store.replace(gslb, { ...gslb.body, leader_cluster_uuid: leaderUuid });
  }

  setMaintenance(on: boolean): void {
    const gslb = this.gslb();
    if (gslb === undefined) throw new SimError(400, 'no GSLB configuration');
    this.store.replace(gslb, { ...gslb.body, maintenance_mode: on });
  }

  /** The object `uuid` of `type` if the scope sees it, else 404. */
  find(type: string, uuid: string, scope: TenantScope): StoredObject {
    return this.#find(type, uuid, scope, true);
  }

  /** Reads see `admin`'s shared profiles; writes only the scope's own objects. */
  #find(type: string, uuid: string, scope: TenantScope, read: boolean): StoredObject {
    const obj = this.store.get(type, uuid);
    const tenants = this.tenancy.visibleTenants(type, scope, read);
    if (obj === undefined || (tenants !== undefined && !tenants.has(obj.tenant))) {
      throw new SimError(404, NOT_FOUND_OBJECT);
    }
    return obj;
  }

  /** POST: `checks: false` skips leadership and maintenance (seeding). */
  create(type: string, scope: TenantScope, body: Body, checks = true): StoredObject {
    if (checks) this.#checkWritable(type);
    const tenant = this.#tenantFor(type, scope, body['tenant_ref']);
    return this.store.insert(type, tenant, this.#prepare(type, tenant, body, undefined));
  }

  /** PUT: a full replace; a body `_last_modified` that differs from the stored one → 412. */
  update(type: string, uuid: string, scope: TenantScope, body: Body): StoredObject {
    return this.#update(this.#find(type, uuid, this.#writeScope(scope), false), scope, body, true);
  }

  /** A PUT for seeding: no leadership or maintenance checks. */
  seedUpdate(type: string, uuid: string, scope: TenantScope, body: Body): StoredObject {
    return this.#update(this.#find(type, uuid, this.#writeScope(scope), false), scope, body, false);
  }

  #update(current: StoredObject, scope: TenantScope, body: Body, checks: boolean): StoredObject {
    const type = current.type;
    if (checks) this.#checkWritable(type);
    const given = body['_last_modified'];
    if (given !== undefined && show(given) !== current.body['_last_modified']) {
      throw new SimError(
        412,
        `Concurrent update: object was modified after _last_modified ${show(given)}`,
      );
    }
    this.#checkTenantKept(type, scope, body, current);
    return this.store.replace(current, this.#prepare(type, current.tenant, body, current.uuid));
  }

  /** PATCH with `{add|replace|delete: {...}}`. */
  patch(type: string, uuid: string, scope: TenantScope, ops: Body): StoredObject {
    const current = this.#find(type, uuid, this.#writeScope(scope), false);
    const resolvedOps = Object.fromEntries(
      Object.entries(ops).map(([op, value]) => [
        op,
        value !== null && typeof value === 'object'
          ? this.tenancy.resolveRefs(value as Body, current.tenant)
          : value,
      ]),
    );
    const merged = applyPatch(current.body, resolvedOps);
    return this.update(type, uuid, scope, withoutKeys(merged, '_last_modified'));
  }

  /** DELETE: 409 while other objects still reference it. */
  remove(type: string, uuid: string, scope: TenantScope): void {
    const current = this.#find(type, uuid, this.#writeScope(scope), false);
    this.#checkWritable(type);
    if (current.uuid === ADMIN_TENANT)
      throw new SimError(403, 'The admin tenant cannot be deleted');
    checkNotReferenced(this.store, current);
    this.store.remove(current);
  }

  #writeScope(scope: TenantScope): TenantScope {
    if (scope.all) throw new SimError(400, 'Tenant * is not allowed for write operations');
    return scope;
  }

  #checkWritable(type: string): void {
    if (typeInfo(type)?.leaderOnly !== true) return;
    if (!this.isLeader()) throw new SimError(400, NOT_LEADER);
    if (this.inMaintenance()) throw new SimError(400, MAINTENANCE);
  }

  #tenantFor(type: string, scope: TenantScope, tenantRef: unknown): string {
    if (typeInfo(type)?.global === true) {
      if (scope.all) throw new SimError(400, 'Tenant * is not allowed for write operations');
      return ADMIN_TENANT;
    }
    return this.tenancy.writeTenant(scope, tenantRef).uuid;
  }

  #checkTenantKept(type: string, scope: TenantScope, body: Body, current: StoredObject): void {
    const ref = body['tenant_ref'];
    if (ref === undefined || ref === null || ref === '') return;
    if (this.#tenantFor(type, scope, ref) !== current.tenant) {
      throw new SimError(400, 'tenant_ref cannot be changed on an existing object');
    }
  }

  /**
   * Validates, checks the name is free (409 before any cross-object 400, as the controller's
   * uniqueness constraint does), resolves refs and builds the body to store.
   */
  #prepare(type: string, tenant: string, body: Body, uuid: string | undefined): Body {
    const problem = this.#validate(type, body);
    if (problem !== undefined) throw new SimError(400, problem);
    this.#checkFree(type, tenant, body, uuid);
    const resolved = this.tenancy.resolveRefs(body, tenant);
    if (type === 'gslbservice') {
      checkDomainConflicts(this.store, resolved, uuid);
      checkFederatedMonitors(this.store, resolved);
    }
    const givenUuid = resolved['uuid'];
    const out: Body = withoutKeys(resolved, '_last_modified', 'uuid');
    if (uuid === undefined && typeof givenUuid === 'string') out['uuid'] = givenUuid;
    if (type !== 'tenant') out['tenant_ref'] = internalRef('tenant', tenant);
    return out;
  }

  /** 409 when the name is taken in the tenant, or a create names a uuid already in use. */
  #checkFree(type: string, tenant: string, body: Body, uuid: string | undefined): void {
    const clash = this.store.findByName(type, tenant, String(body['name']));
    if (clash !== undefined && clash.uuid !== uuid) throw new SimError(409, duplicateText(type));
    const given = body['uuid'];
    if (uuid === undefined && typeof given === 'string' && this.store.get(type, given)) {
      throw new SimError(409, `${typeInfo(type)?.label ?? type} with this uuid already exists.`);
    }
  }

  #validate(type: string, body: Body): string | undefined {
    if (type === 'gslbservice') return validateGslbService(body, this.version);
    if (type === 'healthmonitor') return validateHealthMonitor(body);
    return validateName(body);
  }
}
