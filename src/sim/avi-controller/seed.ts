/**
 * Seed documents (JSON or YAML): tenants, users, the cluster and GSLB singletons, clouds and
 * objects per type. Seeding upserts by (type, tenant, name) and skips leadership checks, so the
 * same document can be applied twice.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Controller } from './controller.js';
import { typeInfo } from './object-types.js';
import type { SimUser } from './sessions.js';
import { internalRef } from './refs.js';
import { SimError } from './sim-error.js';
import { ADMIN_TENANT } from './store.js';
import type { TenantScope } from './tenancy.js';

type Body = Record<string, unknown>;

export interface SeedDoc {
  tenants?: (string | Body)[];
  users?: SimUser[];
  cluster?: Body;
  gslb?: Body;
  clouds?: Body[];
  /** Objects per type; an object's `tenant` field (default `admin`) names its tenant. */
  objects?: Record<string, Body[]>;
  /** false → the controller starts as a GSLB follower. */
  leader?: boolean;
  maintenance?: boolean;
}

/** Types seeded first, so references between seeded objects resolve in document order. */
const ORDER = [
  'applicationpersistenceprofile',
  'pkiprofile',
  'healthmonitor',
  'virtualservice',
  'gslbservice',
];

const isObject = (v: unknown): v is Body =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Parses a seed file; YAML is a superset of JSON, so one parser reads both. */
export function readSeedFile(path: string): SeedDoc {
  return parseSeed(parseYaml(readFileSync(path, 'utf8')));
}

/** Checks the outer shape of a seed document given as parsed JSON. */
export function parseSeed(raw: unknown): SeedDoc {
  if (raw === null || raw === undefined) return {};
  if (!isObject(raw)) throw new SimError(400, 'seed must be an object');
  for (const key of ['tenants', 'users', 'clouds'] as const) {
    if (raw[key] !== undefined && !Array.isArray(raw[key])) {
      throw new SimError(400, `seed ${key} must be a list`);
    }
  }
  const objects = raw['objects'];
  if (objects !== undefined && !isObject(objects))
    throw new SimError(400, 'seed objects must be a map');
  for (const [type, list] of Object.entries(objects ?? {})) {
    if (typeInfo(type) === undefined) throw new SimError(400, `seed: unknown object type ${type}`);
    if (!Array.isArray(list)) throw new SimError(400, `seed objects.${type} must be a list`);
  }
  return raw;
}

function upsert(controller: Controller, type: string, tenantName: string, body: Body): void {
  const tenant = controller.tenancy.ensure(tenantName);
  const scope: TenantScope = { all: false, uuid: tenant.uuid, name: tenantName };
  const owner = typeInfo(type)?.global === true ? ADMIN_TENANT : tenant.uuid;
  const existing = controller.store.findByName(type, owner, String(body['name']));
  if (existing === undefined) controller.create(type, scope, body, false);
  else controller.seedUpdate(type, existing.uuid, scope, { ...existing.body, ...body });
}

function replaceSingleton(controller: Controller, type: string, body: Body): void {
  for (const old of controller.store.list(type)) controller.store.remove(old);
  const stored =
    type === 'cluster' ? { ...body } : { ...body, tenant_ref: internalRef('tenant', ADMIN_TENANT) };
  controller.store.insert(type, ADMIN_TENANT, stored);
}

function seedObjects(controller: Controller, objects: Record<string, Body[]>): void {
  const types = [...ORDER, ...Object.keys(objects).filter((t) => !ORDER.includes(t))];
  for (const type of types) {
    for (const item of objects[type] ?? []) {
      const { tenant, ...body } = item;
      upsert(controller, type, typeof tenant === 'string' ? tenant : ADMIN_TENANT, body);
    }
  }
}

/** Applies a seed to the controller; returns the users it names (sessions are not stored here). */
export function applySeed(controller: Controller, doc: SeedDoc): SimUser[] {
  controller.tenancy.ensure(ADMIN_TENANT);
  for (const tenant of doc.tenants ?? []) {
    if (typeof tenant === 'string') controller.tenancy.ensure(tenant);
    else upsert(controller, 'tenant', ADMIN_TENANT, tenant);
  }
  if (doc.cluster !== undefined) replaceSingleton(controller, 'cluster', doc.cluster);
  if (doc.gslb !== undefined) replaceSingleton(controller, 'gslb', doc.gslb);
  for (const cloud of doc.clouds ?? []) upsert(controller, 'cloud', ADMIN_TENANT, cloud);
  seedObjects(controller, doc.objects ?? {});
  if (doc.leader !== undefined) controller.setLeader(doc.leader);
  if (doc.maintenance !== undefined) controller.setMaintenance(doc.maintenance);
  return doc.users ?? [];
}
