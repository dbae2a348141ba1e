/**
 * Avi PATCH semantics: `{"add": {...}}` appends list items and sets scalars, `{"replace": {...}}`
 * overwrites fields, `{"delete": {...}}` removes list items (or a whole field). Pure.
 */
import { isDeepStrictEqual } from 'node:util';
import { SimError } from './sim-error.js';

type Body = Record<string, unknown>;

const OPS: readonly string[] = Object.freeze(['add', 'replace', 'delete']);

function addFields(target: Body, fields: Body): void {
  for (const [key, value] of Object.entries(fields)) {
    const current = target[key];
    if (Array.isArray(current) && Array.isArray(value)) {
      const have = current as unknown[];
      const fresh = (value as unknown[]).filter((v) => !have.some((c) => isDeepStrictEqual(c, v)));
      target[key] = [...have, ...fresh];
    } else {
      target[key] = value;
    }
  }
}

function deleteFields(target: Body, fields: Body): void {
  for (const [key, value] of Object.entries(fields)) {
    const current = target[key];
    if (Array.isArray(current) && Array.isArray(value)) {
      const gone = value as unknown[];
      target[key] = (current as unknown[]).filter(
        (c) => !gone.some((v) => isDeepStrictEqual(c, v)),
      );
    } else {
      Reflect.deleteProperty(target, key);
    }
  }
}

/** Applies a PATCH body to a copy of `current`; 400 on an unknown operation. */
export function applyPatch(current: Body, ops: Body): Body {
  const out = structuredClone(current);
  const names = Object.keys(ops);
  if (names.length === 0 || names.some((op) => !OPS.includes(op))) {
    throw new SimError(400, 'PATCH body must hold one of add, replace or delete');
  }
  for (const op of names) {
    const fields = ops[op];
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
      throw new SimError(400, `PATCH ${op} must be an object`);
    }
    if (op === 'add') addFields(out, fields as Body);
    else if (op === 'delete') deleteFields(out, fields as Body);
    else Object.assign(out, fields);
  }
  return out;
}
