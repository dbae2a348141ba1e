/**
 * Wire form of stored objects (avi-rest-api.md §1.2, §1.5): absolute `url` and refs, with
 * `#<name>` appended under `include_name` and in every write response.
 */
import { withoutKeys } from './body.js';
import { mapRefs } from './refs.js';
import type { ObjectStore, StoredObject } from './store.js';

export interface RenderOptions {
  /** `http(s)://host[:port]` as the client addressed the controller. */
  base: string;
  includeName: boolean;
}

/** Singletons whose `url` has no uuid segment. */
const SINGLETONS: readonly string[] = Object.freeze(['cluster']);

export function renderObject(
  store: ObjectStore,
  obj: StoredObject,
  opts: RenderOptions,
): Record<string, unknown> {
  const name = typeof obj.body['name'] === 'string' ? obj.body['name'] : '';
  const suffix = opts.includeName && name !== '' ? `#${name}` : '';
  const url = SINGLETONS.includes(obj.type)
    ? `${opts.base}/api/${obj.type}`
    : `${opts.base}/api/${obj.type}/${obj.uuid}${suffix}`;
  const body = mapRefs(obj.body, (ref) => renderRef(store, ref, opts)) as Record<string, unknown>;
  const head: Record<string, unknown> = { uuid: body['uuid'], url, name: obj.body['name'] };
  if (body['tenant_ref'] !== undefined) head['tenant_ref'] = body['tenant_ref'];
  if (body['_last_modified'] !== undefined) head['_last_modified'] = body['_last_modified'];
  return { ...head, ...withoutKeys(body, 'uuid', 'name', 'tenant_ref', '_last_modified') };
}

function renderRef(store: ObjectStore, ref: string, opts: RenderOptions): string {
  if (!ref.startsWith('/api/')) return ref;
  const name = opts.includeName ? store.nameOfRef(ref) : undefined;
  return `${opts.base}${ref}${name === undefined ? '' : `#${name}`}`;
}
