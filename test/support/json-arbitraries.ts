/**
 * fast-check arbitraries and helpers shared by the property tests of the pure modules: hostile
 * JSON-ish values (wrong types, nulls, huge numbers, NaN-like strings, deep nesting, empty
 * containers, prototype-ish keys), one-field corruption of a valid object, and field-path
 * formatting in the validators' convention (`spec.a[0].b`, map keys as `.key`).
 */
import fc from 'fast-check';

/** Keys that break naive object code. */
const NASTY_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 'label', 'spec'];

/** Strings that look like numbers or keywords without being them. */
const NASTY_STRINGS = ['NaN', 'Infinity', '-Infinity', '1e999', '0x10', '-0', ' ', 'null', 'true'];

/** Numbers JSON can carry (or nearly: -0) that sit at the edges. */
const EDGE_NUMBERS = [
  0,
  -0,
  -1,
  0.5,
  1e21,
  -1e21,
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  Number.MIN_SAFE_INTEGER,
  2 ** 31,
];

export const nastyKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY_KEYS),
  fc.string({ maxLength: 6 }),
  fc.string({ maxLength: 4, unit: 'grapheme' }),
);

/** A JSON scalar, biased to the edges. */
export const nastyScalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(...EDGE_NUMBERS),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ maxLength: 12 }),
  fc.string({ maxLength: 6, unit: 'grapheme' }),
);

/** `depth` levels of one-element arrays or one-key objects around `leaf`. */
function nest(depth: number, leaf: unknown, key: string): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { [key]: v };
  return v;
}

const deepValue: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 20, max: 200 }), nastyScalar, nastyKey)
  .map(([d, leaf, key]) => nest(d, leaf, key));

/** Any JSON-ish value: scalars, containers (empty ones included) and deep nesting. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyScalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nastyKey, tie('value'), { maxKeys: 4 }),
    fc.constantFrom([], {}),
    deepValue,
  ),
})).value;

/** One step of a field path: an object key or a list index. */
export type PathStep = string | number;

/** `spec.trafficSplit[0].weight`: the validators' way of naming a field. */
export function formatPath(steps: readonly PathStep[]): string {
  return steps.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every path to a value inside `v` (containers and leaves), parents before children. */
export function allPaths(v: unknown, prefix: readonly PathStep[] = []): PathStep[][] {
  const here = prefix.length > 0 ? [[...prefix]] : [];
  if (Array.isArray(v)) {
    return [...here, ...v.flatMap((x: unknown, i) => allPaths(x, [...prefix, i]))];
  }
  if (isPlainObject(v)) {
    return [...here, ...Object.entries(v).flatMap(([k, x]) => allPaths(x, [...prefix, k]))];
  }
  return here;
}

/** The value at `path` in `v`, undefined when there is none. */
export function getAt(v: unknown, path: readonly PathStep[]): unknown {
  let cur: unknown = v;
  for (const step of path) {
    if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, step)) return undefined;
    cur = (cur as Record<PathStep, unknown>)[step];
  }
  return cur;
}

/** A copy of `v` with the value at `path` (which must exist) replaced by `value`. */
export function setAt(v: unknown, path: readonly PathStep[], value: unknown): unknown {
  const [step, ...rest] = path;
  if (step === undefined) return value;
  const next = setAt(getAt(v, [step]), rest, value);
  if (Array.isArray(v)) return v.map((x: unknown, i) => (i === step ? next : x));
  const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  Object.defineProperty(out, step, { value: next, enumerable: true, writable: true });
  return out;
}

/** The JSON type of a value, telling integers from other numbers. */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** A corruption of one field of a valid object: where, and the value of another JSON type. */
export interface Corruption {
  readonly path: readonly PathStep[];
  readonly value: unknown;
}

/** Picks one field of `valid` and a replacement whose JSON type differs from the field's. */
export function corruption(valid: unknown): fc.Arbitrary<Corruption> {
  const paths = allPaths(valid);
  return fc
    .tuple(fc.constantFrom(...paths), nastyJson)
    .filter(([path, value]) => jsonType(getAt(valid, path)) !== jsonType(value))
    .map(([path, value]) => ({ path, value }));
}

/** `o`, frozen at every depth (inputs of pure functions must not be modified). */
export function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
