/**
 * Paths and references in the forms the controller accepts (avi-rest-api.md §1.1, §1.3).
 * Pure functions only.
 */

/** A reference as written by a client: a type plus a uuid or a name. */
export interface ParsedRef {
  type: string;
  uuid?: string;
  name?: string;
}

/** Collapses repeated slashes and drops one trailing slash (`//api/gslbservice/` → `/api/gslbservice`). */
export function normalizePath(path: string): string {
  const collapsed = path.replace(/\/{2,}/g, '/');
  return collapsed.length > 1 && collapsed.endsWith('/') ? collapsed.slice(0, -1) : collapsed;
}

/** A query flag is set when present with any value except `false` (§1.1). */
export function flagSet(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value !== null && value.toLowerCase() !== 'false';
}

/**
 * Parses any input form of a reference: a full URL (host may be empty), a path, with a uuid
 * segment or a `?name=` query, with or without `#name`.
 */
export function parseRef(value: string): ParsedRef | undefined {
  const withoutHost = value.replace(/^[a-z]+:\/\/[^/]*/i, '');
  const hash = withoutHost.indexOf('#');
  const noFragment = hash >= 0 ? withoutHost.slice(0, hash) : withoutHost;
  const q = noFragment.indexOf('?');
  const path = normalizePath(q >= 0 ? noFragment.slice(0, q) : noFragment);
  const match = /^\/api\/([a-z0-9-]+)(?:\/([^/]+))?$/.exec(path);
  const type = match?.[1];
  if (type === undefined) return undefined;
  const uuid = match?.[2];
  if (uuid !== undefined) return { type, uuid: decodeURIComponent(uuid) };
  const name = q >= 0 ? new URLSearchParams(noFragment.slice(q + 1)).get('name') : null;
  return name === null ? undefined : { type, name };
}

/** True for the fields whose values are references. */
export function isRefField(key: string): boolean {
  return key.endsWith('_ref') || key.endsWith('_refs');
}

/**
 * Maps every reference value of a JSON value (fields named `*_ref` holding a string or `*_refs`
 * holding strings, at any depth) through `fn`, returning a copy.
 */
export function mapRefs(value: unknown, fn: (ref: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => mapRefs(item, fn));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) out[key] = mapField(key, field, fn);
  return out;
}

/** One member `key: field` of an object as `mapRefs` maps it. */
export function mapField(key: string, field: unknown, fn: (ref: string) => string): unknown {
  return isRefField(key) ? mapRefValue(field, fn) : mapRefs(field, fn);
}

function mapRefValue(field: unknown, fn: (ref: string) => string): unknown {
  if (typeof field === 'string') return fn(field);
  if (Array.isArray(field)) {
    return (field as unknown[]).map((item) => (typeof item === 'string' ? fn(item) : item));
  }
  return field;
}

/** Every reference value inside a JSON value. */
export function collectRefs(value: unknown): string[] {
  const found: string[] = [];
  mapRefs(value, (ref) => {
    found.push(ref);
    return ref;
  });
  return found;
}

/** The internal (stored) form of a reference. */
export function internalRef(type: string, uuid: string): string {
  return `/api/${type}/${uuid}`;
}
