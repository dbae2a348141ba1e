import { createHash } from 'node:crypto';

/** A JSON value, as `JSON.parse` produces it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/**
 * The canonical JSON text of a value, per RFC 8785 (JSON Canonicalization Scheme): object keys
 * sorted by UTF-16 code unit, no whitespace, numbers and strings as ECMAScript's `JSON.stringify`
 * writes them (which is what RFC 8785 prescribes). This text, and its SHA-256, travel on the
 * federation wire and name GslbService contents, so every hash in amko comes from here. Two equal values always give the same text, so the text
 * can be hashed. Throws on values JSON cannot carry (non-finite numbers, functions, undefined in
 * arrays); `undefined` object members are left out, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`not a JSON number: ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((v: unknown) => canonicalJson(v)).join(',')}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`not a JSON value: ${typeof value}`);
}

/** SHA-256, lower-case hex, of the canonical JSON of `value`. */
export function sha256OfCanonicalJson(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
