/**
 * Wire form of stored objects (avi-rest-api.md §1.2, §1.5): absolute `url` and refs, with
 * `#<name>` appended under `include_name` and in every write response.
 */
import { mapField } from './refs.js';
import type { ObjectStore, StoredObject } from './store.js';

export interface RenderOptions {
  /** `http(s)://host[:port]` as the client addressed the controller. */
  base: string;
  includeName: boolean;
  /** `fields=a,b`: only these members besides uuid, url and name are rendered. */
  fields?: ReadonlySet<string> | undefined;
}

/** Singletons whose `url` has no uuid segment. */
const SINGLETONS: readonly string[] = Object.freeze(['cluster']);

export function renderObject(
  store: ObjectStore,
  obj: StoredObject,
  opts: RenderOptions,
): Record<string, unknown> {
  const map = (ref: string): string => renderRef(store, ref, opts);
  const body = obj.body;
  const fields = opts.fields;
  const wanted = (key: string): boolean =>
    body[key] !== undefined && (fields === undefined || fields.has(key));
  // One copy, built in wire order: identity first, then every other member with its refs mapped.
  const out: Record<string, unknown> = {
    uuid: body['uuid'],
    url: urlOf(obj, opts),
    name: body['name'],
  };
  for (const key of HEAD_AFTER_NAME) {
    if (wanted(key)) out[key] = mapField(key, body[key], map);
  }
  for (const key of Object.keys(body)) {
    if (!HEAD.has(key) && wanted(key)) out[key] = mapField(key, body[key], map);
  }
  return out;
}

/** The object's absolute `url`, with `#<name>` under `include_name`. */
function urlOf(obj: StoredObject, opts: RenderOptions): string {
  if (SINGLETONS.includes(obj.type)) return `${opts.base}/api/${obj.type}`;
  const name = typeof obj.body['name'] === 'string' ? obj.body['name'] : '';
  const suffix = opts.includeName && name !== '' ? `#${name}` : '';
  return `${opts.base}/api/${obj.type}/${obj.uuid}${suffix}`;
}

const HEAD_AFTER_NAME = Object.freeze(['tenant_ref', '_last_modified']);
const HEAD: ReadonlySet<string> = new Set(['uuid', 'name', ...HEAD_AFTER_NAME]);

function renderRef(store: ObjectStore, ref: string, opts: RenderOptions): string {
  if (!ref.startsWith('/api/')) return ref;
  const name = opts.includeName ? store.nameOfRef(ref) : undefined;
  return `${opts.base}${ref}${name === undefined ? '' : `#${name}`}`;
}
