import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson, sha256OfCanonicalJson } from './canonical-json.js';

const RUNS = { numRuns: 300 };

/** JSON values as `JSON.parse` makes them, unicode keys and strings included. */
const json = fc.jsonValue({ maxDepth: 4 });

/** The same value with the keys of every object in reverse, or rotated, insertion order. */
function reorder(v: unknown, rotate: number): unknown {
  if (Array.isArray(v)) return v.map((x: unknown) => reorder(x, rotate));
  if (typeof v !== 'object' || v === null) return v;
  const entries = Object.entries(v).map(([k, x]): [string, unknown] => [k, reorder(x, rotate)]);
  const r = entries.length === 0 ? 0 : rotate % entries.length;
  const order =
    rotate % 2 === 0 ? [...entries].reverse() : [...entries.slice(r), ...entries.slice(0, r)];
  const out: Record<string, unknown> = {};
  for (const [k, x] of order) Object.defineProperty(out, k, { value: x, enumerable: true });
  return out;
}

/** `v` with -0 written as 0: JSON has one zero (`JSON.stringify(-0)` is `0`). */
function oneZero(v: unknown): unknown {
  if (Object.is(v, -0)) return 0;
  if (Array.isArray(v)) return v.map(oneZero);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    Object.defineProperty(out, k, { value: oneZero(x), enumerable: true });
  }
  return out;
}

describe('canonical JSON (properties)', () => {
  it('gives equal values the same text and hash whatever their key order', () => {
    fc.assert(
      fc.property(json, fc.nat(), (v, rotate) => {
        const other = reorder(v, rotate);
        assert.equal(canonicalJson(other), canonicalJson(v));
        assert.equal(sha256OfCanonicalJson(other), sha256OfCanonicalJson(v));
      }),
      RUNS,
    );
  });

  it('parses back to the same value (so different values never share a text)', () => {
    fc.assert(
      fc.property(json, (v) => {
        assert.deepStrictEqual(JSON.parse(canonicalJson(v)), oneZero(v));
      }),
      RUNS,
    );
  });

  it('hashes different values differently', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        const same = canonicalJson(a) === canonicalJson(b);
        fc.pre(!same);
        assert.notEqual(sha256OfCanonicalJson(a), sha256OfCanonicalJson(b));
        assert.notDeepStrictEqual(oneZero(a), oneZero(b));
      }),
      RUNS,
    );
  });

  it('is stable across a JSON round trip and a fixed point of itself', () => {
    fc.assert(
      fc.property(json, (v) => {
        const text = canonicalJson(v);
        assert.equal(canonicalJson(JSON.parse(JSON.stringify(v))), text);
        assert.equal(canonicalJson(JSON.parse(text)), text);
      }),
      RUNS,
    );
  });

  it('refuses what JSON cannot carry with a TypeError, wherever it sits', () => {
    const bad = fc.constantFrom<unknown>(NaN, Infinity, -Infinity, () => 0, Symbol('s'), 1n);
    fc.assert(
      fc.property(json, bad, fc.boolean(), (v, b, inArray) => {
        const holder = inArray ? [v, b] : { v, b };
        assert.throws(() => canonicalJson(holder), TypeError);
      }),
      RUNS,
    );
  });
});
