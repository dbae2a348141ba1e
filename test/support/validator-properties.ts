/**
 * The properties every CRD validator must have, registered as mocha tests by
 * `validatorProperties`: it never throws, every problem names a field the kind declares, a field
 * of the wrong JSON type is reported at that field (and only there), objects built from the valid
 * shape are accepted, and validation is deterministic and leaves its input alone.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ValidationResult } from '../../src/shared/crd/problems.js';
import type { Shape } from '../../src/shared/crd/shape.js';
import { corruption, deepFreeze, formatPath, nastyJson, setAt } from './json-arbitraries.js';

/** One validator and how to feed it. */
export interface ValidatorUnderTest<C> {
  readonly shape: Shape;
  /** The status of an accepted object. */
  readonly success: string;
  /** Valid objects, each with a context in which it is valid. */
  readonly valid: fc.Arbitrary<{ readonly obj: object; readonly ctx: C }>;
  validate(obj: unknown, ctx: C): ValidationResult;
}

/** Runs per property: enough to shake out edge cases, small enough for a fast unit suite. */
export const NUM_RUNS = 300;

/** The part of `path` after its first step: `.a.b`, `[0].c`. */
function afterFirst(path: string): string {
  const m = /^(?:\[\d+\]|\.?[^.[]+)(.*)$/s.exec(path);
  return m?.[1] ?? '';
}

/** True when `path` names a field (or a map entry) that `shape` declares. */
export function declares(shape: Shape, path: string): boolean {
  if (path === '') return true;
  if (typeof shape === 'string') return false;
  if ('mapOf' in shape) return true;
  if ('listOf' in shape) {
    return /^\[\d+\]/.test(path) && declares(shape.listOf, afterFirst(path));
  }
  const name = /^\.?([^.[]+)/.exec(path)?.[1] ?? '';
  const field = Object.hasOwn(shape.fields, name) ? shape.fields[name] : undefined;
  return field !== undefined && declares(field, afterFirst(path));
}

/** Problems are well formed, each names a declared field, and status is the first message. */
export function assertWellFormed(r: ValidationResult, shape: Shape, success: string): void {
  for (const p of r.problems) {
    assert.ok(p.path !== '' && declares(shape, p.path), `undeclared field path ${p.path}`);
    assert.ok(p.message !== '', `empty message at ${p.path}`);
  }
  assert.equal(r.status, r.problems[0]?.message ?? success);
}

function within(problemPath: string, field: string): boolean {
  return (
    problemPath === field ||
    problemPath.startsWith(`${field}.`) ||
    problemPath.startsWith(`${field}[`)
  );
}

/** Registers the common validator properties as `it` blocks in the current `describe`. */
export function validatorProperties<C>(v: ValidatorUnderTest<C>): void {
  const run = { numRuns: NUM_RUNS };
  const withCtx = fc.tuple(nastyJson, nastyJson, v.valid);
  const arbitraryObjects = withCtx.map(([metadata, spec, { ctx }]) => ({
    obj: { metadata, spec },
    ctx,
  }));

  it('never throws on arbitrary metadata and spec; every problem names a declared field', () => {
    fc.assert(
      fc.property(withCtx, ([metadata, spec, { ctx }]) => {
        const r = v.validate(deepFreeze({ metadata, spec }), ctx);
        assertWellFormed(r, v.shape, v.success);
      }),
      run,
    );
  });

  it('never throws when any one field of a valid object holds any JSON value', () => {
    const arb = v.valid.chain(({ obj, ctx }) =>
      fc.tuple(fc.constant(obj), fc.constant(ctx), corruption(obj)),
    );
    fc.assert(
      fc.property(arb, ([obj, ctx, c]) => {
        const bad = deepFreeze(setAt(obj, c.path, c.value));
        assertWellFormed(v.validate(bad, ctx), v.shape, v.success);
      }),
      run,
    );
  });

  it('reports a field of the wrong JSON type at that field, naming it', () => {
    const arb = v.valid.chain(({ obj, ctx }) =>
      fc.tuple(fc.constant(obj), fc.constant(ctx), corruption(obj)),
    );
    fc.assert(
      fc.property(arb, ([obj, ctx, c]) => {
        const field = formatPath(c.path);
        const r = v.validate(deepFreeze(setAt(obj, c.path, c.value)), ctx);
        assert.ok(r.problems.length > 0, `${field} of the wrong type was accepted`);
        for (const p of r.problems) {
          assert.ok(within(p.path, field), `${p.path} reported for a bad ${field}`);
          assert.ok(p.message.includes(p.path), `message does not name ${p.path}: ${p.message}`);
        }
      }),
      run,
    );
  });

  it('accepts every object built from the valid shape', () => {
    fc.assert(
      fc.property(v.valid, ({ obj, ctx }) => {
        const r = v.validate(deepFreeze(obj), ctx);
        assert.deepEqual(r.problems, []);
        assert.equal(r.status, v.success);
      }),
      run,
    );
  });

  it('is deterministic and does not modify its input', () => {
    fc.assert(
      fc.property(fc.oneof(v.valid, arbitraryObjects), ({ obj, ctx }) => {
        const frozen = deepFreeze(structuredClone(obj));
        assert.deepEqual(v.validate(frozen, ctx), v.validate(frozen, ctx));
      }),
      run,
    );
  });
}
