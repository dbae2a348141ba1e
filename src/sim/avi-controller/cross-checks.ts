/**
 * Checks of a write against other stored objects (avi-rest-api.md §5.5, §7.2): domain names
 * unique across tenants, federated GslbServices use federated monitors, deletes of referenced
 * objects refused.
 */
import { typeInfo } from './object-types.js';
import { parseRef } from './refs.js';
import { SimError } from './sim-error.js';
import type { ObjectStore, StoredObject } from './store.js';
import { domainNamesOf } from './validate.js';

/**
 * 400 when another GslbService (any tenant) already owns one of the body's domain names; the
 * error names the earliest created of them, and its first domain the body also lists. Looked up
 * through the store's domain index: a write costs the same with 50 or 50,000 GslbServices.
 */
export function checkDomainConflicts(
  store: ObjectStore,
  body: Record<string, unknown>,
  selfUuid: string | undefined,
): void {
  const wanted = new Set(domainNamesOf(body));
  const others = [...wanted]
    .flatMap((d) => store.gslbServicesWithDomain(d))
    .filter((other) => other.uuid !== selfUuid);
  if (others.length === 0) return;
  const first = others.reduce((a, b) => (b.seq < a.seq ? b : a));
  const clash = domainNamesOf(first.body).find((d) => wanted.has(d));
  throw new SimError(
    400,
    `Gslb service ${String(body['name'])}: domain name conflicting with existing domain name ` +
      `${String(clash)} in gslbservice ${String(first.body['name'])}`,
  );
}

/** 400 when a federated GslbService references a health monitor that is not federated. */
export function checkFederatedMonitors(store: ObjectStore, body: Record<string, unknown>): void {
  if (body['is_federated'] !== true) return;
  const refs = body['health_monitor_refs'];
  if (!Array.isArray(refs)) return;
  for (const ref of refs) {
    const parsed = typeof ref === 'string' ? parseRef(ref) : undefined;
    if (parsed?.uuid === undefined) continue;
    const hm = store.get(parsed.type, parsed.uuid);
    if (hm !== undefined && hm.body['is_federated'] !== true) {
      throw new SimError(
        400,
        `Health monitor ${String(hm.body['name'])} is not federated; a federated Gslb service ` +
          'can only refer to federated health monitors',
      );
    }
  }
}

/** 409 when other objects still reference the one being deleted (or a tenant still owns any). */
export function checkNotReferenced(store: ObjectStore, target: StoredObject): void {
  const holders = target.type === 'tenant' ? store.ownedBy(target.uuid) : store.referrers(target);
  const others = holders.filter((obj) => obj.uuid !== target.uuid);
  if (others.length === 0) return;
  const names = others
    .map((obj) => `'${typeInfo(obj.type)?.kind ?? obj.type} ${String(obj.body['name'])}'`)
    .join(', ');
  throw new SimError(409, `Cannot delete, object is referred by: [${names}]`);
}
