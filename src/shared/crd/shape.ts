/**
 * The JSON types of a custom resource's fields, as its CRD schema declares them, and the check
 * that an object has them. The API server enforces these types before anything reads the
 * object; validators check them again first, so that their semantic checks (written against the
 * TypeScript types) never meet a value of the wrong type: a wrong type is a problem naming the
 * field, never an exception. Unknown fields are left alone (the API server prunes them).
 */
import type { Problem } from './problems.js';

/** The type of one field: a scalar, a list, a string-keyed map, or an object with known fields. */
export type Shape =
  | 'string'
  | 'boolean'
  | 'integer'
  | { readonly listOf: Shape }
  | { readonly mapOf: Shape }
  | { readonly fields: Readonly<Record<string, Shape>>; readonly required?: readonly string[] };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function join(path: string, field: string): string {
  return path === '' ? field : `${path}.${field}`;
}

function typeName(shape: Shape): string {
  if (typeof shape === 'string') return shape === 'integer' ? 'an integer' : `a ${shape}`;
  return 'listOf' in shape ? 'a list' : 'an object';
}

function hasType(v: unknown, shape: Shape): boolean {
  switch (shape) {
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return Number.isInteger(v);
    default:
      return 'listOf' in shape ? Array.isArray(v) : isObject(v);
  }
}

function fieldProblems(
  obj: Record<string, unknown>,
  shape: Extract<Shape, { fields: unknown }>,
  path: string,
): Problem[] {
  const out: Problem[] = [];
  for (const name of shape.required ?? []) {
    if (obj[name] === undefined) {
      out.push({ path: join(path, name), message: `${join(path, name)} is required` });
    }
  }
  for (const [name, fieldShape] of Object.entries(shape.fields)) {
    const v = Object.hasOwn(obj, name) ? obj[name] : undefined;
    if (v !== undefined) out.push(...shapeProblems(v, fieldShape, join(path, name)));
  }
  return out;
}

/**
 * Every field of `value` (at `path`) whose JSON type differs from `shape`, with the field path
 * in both `path` and `message`. A field that is absent is not checked unless it is required.
 */
export function shapeProblems(value: unknown, shape: Shape, path: string): Problem[] {
  if (!hasType(value, shape)) {
    const where = path === '' ? 'the object' : path;
    return [{ path, message: `${where} must be ${typeName(shape)}` }];
  }
  if (typeof shape === 'string') return [];
  if ('listOf' in shape) {
    return (value as unknown[]).flatMap((v, i) => shapeProblems(v, shape.listOf, `${path}[${i}]`));
  }
  const obj = value as Record<string, unknown>;
  if ('mapOf' in shape) {
    return Object.entries(obj).flatMap(([k, v]) => shapeProblems(v, shape.mapOf, `${path}.${k}`));
  }
  return fieldProblems(obj, shape, path);
}

/** `s`, frozen at every depth (shapes are module-level constants). */
export function defineShape<S extends Shape>(s: S): S {
  if (typeof s === 'object') deepFreeze(s);
  return s;
}

function deepFreeze(o: object): void {
  for (const v of Object.values(o) as unknown[]) {
    if (typeof v === 'object' && v !== null) deepFreeze(v);
  }
  Object.freeze(o);
}

/** `metadata` as the validators read it. */
export const METADATA_SHAPE: Shape = defineShape({
  fields: {
    name: 'string',
    namespace: 'string',
    labels: { mapOf: 'string' },
    annotations: { mapOf: 'string' },
  },
});

/** An object of one of our kinds with the given spec shape. */
export function objectShape(spec: Shape): Shape {
  return defineShape({ fields: { metadata: METADATA_SHAPE, spec } });
}
