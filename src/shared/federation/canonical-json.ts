import { hash } from 'node:crypto';

/** A JSON value, as `JSON.parse` produces it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** Object keys repeat from object to object: their JSON text is kept, up to a bound. */
const quotedKeys = new Map<string, string>();

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < 4_096) quotedKeys.set(key, quoted);
  }
  return quoted;
}

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
  // Built by concatenation, not with entries/map/join: every GslbService pass hashes thousands of
  // these, and the intermediate arrays were most of the cost.
  if (Array.isArray(value)) return arrayJson(value);
  if (typeof value === 'object') return objectJson(value as Record<string, unknown>);
  throw new TypeError(`not a JSON value: ${typeof value}`);
}

function arrayJson(value: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out += ',';
    out += canonicalJson(value[i]);
  }
  return `${out}]`;
}

function objectJson(obj: Record<string, unknown>): string {
  // The default sort compares UTF-16 code units, as RFC 8785 asks.
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const key of keys) {
    const v = obj[key];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${quotedKey(key)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/** SHA-256, lower-case hex, of the canonical JSON of `value`. */
export function sha256OfCanonicalJson(value: unknown): string {
  return hash('sha256', canonicalJson(value), 'hex');
}
