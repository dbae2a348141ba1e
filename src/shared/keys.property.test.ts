import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  clusterObjectKey,
  gslbKey,
  memberObjectKey,
  objectKey,
  parseClusterObjectKey,
  parseGslbKey,
  parseMemberObjectKey,
  parseObjectKey,
  type MemberKind,
} from './keys.js';

const RUNS = { numRuns: 300 };

/** Any segment without the separator: unicode, spaces, dots, empty. */
const segment = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('/'));
const nonEmpty = segment.filter((s) => s !== '');
/** A segment that does contain the separator somewhere. */
const slashed = fc
  .tuple(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }))
  .map(([a, b]) => `${a}/${b}`);
const kind = fc.constantFrom<MemberKind>('INGRESS', 'ROUTE', 'LBSVC', 'NAMESPACE', 'HOSTRULE');
/** Garbage, and strings close to real keys. */
const anyKey = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.array(fc.oneof(segment, kind), { maxLength: 6 }).map((s) => s.join('/')),
);
const DOCUMENTED = /malformed .* key|unknown member object kind|required/;

/** `parse` either throws the documented Error or returns what `format` turns back into `key`. */
function assertParsesOnlyFormatted<T>(
  key: string,
  parse: (k: string) => T,
  format: (t: T) => string,
): void {
  let parsed: T;
  try {
    parsed = parse(key);
  } catch (err) {
    assert.ok(err instanceof Error && DOCUMENTED.test(err.message), String(err));
    return;
  }
  assert.equal(format(parsed), key);
}

describe('key codecs (properties)', () => {
  it('round-trip any segments without a slash', () => {
    fc.assert(
      fc.property(kind, segment, segment, segment, (k, a, b, c) => {
        assert.deepEqual(parseObjectKey(objectKey(a, b)), { namespace: a, name: b });
        assert.deepEqual(parseClusterObjectKey(clusterObjectKey(a, b, c)), {
          cluster: a,
          namespace: b,
          name: c,
        });
        assert.deepEqual(parseMemberObjectKey(memberObjectKey(k, a, b, c)), {
          kind: k,
          cluster: a,
          namespace: b,
          name: c,
        });
      }),
      RUNS,
    );
  });

  it('round-trip GslbService keys, the tenant being part of the identity', () => {
    fc.assert(
      fc.property(nonEmpty, nonEmpty, nonEmpty, (t1, t2, gs) => {
        assert.deepEqual(parseGslbKey(gslbKey(t1, gs)), { tenant: t1, gsName: gs });
        assert.equal(gslbKey(t1, gs) === gslbKey(t2, gs), t1 === t2);
      }),
      RUNS,
    );
  });

  it('refuse a segment containing the separator, with the documented error', () => {
    fc.assert(
      fc.property(slashed, segment, nonEmpty, (bad, ok, gs) => {
        assert.throws(() => objectKey(bad, ok), /must not contain '\/'/);
        assert.throws(() => objectKey(ok, bad), /must not contain '\/'/);
        assert.throws(() => clusterObjectKey(ok, ok, bad), /must not contain '\/'/);
        assert.throws(() => memberObjectKey('INGRESS', bad, ok, ok), /must not contain '\/'/);
        assert.throws(() => gslbKey(bad, gs), /must not contain '\/'/);
      }),
      RUNS,
    );
  });

  it('parse only what format produces; anything else throws the documented error', () => {
    fc.assert(
      fc.property(anyKey, (key) => {
        assertParsesOnlyFormatted(key, parseObjectKey, (p) => objectKey(p.namespace, p.name));
        assertParsesOnlyFormatted(key, parseClusterObjectKey, (p) =>
          clusterObjectKey(p.cluster, p.namespace, p.name),
        );
        assertParsesOnlyFormatted(key, parseGslbKey, (p) => gslbKey(p.tenant, p.gsName));
        assertParsesOnlyFormatted(key, parseMemberObjectKey, (p) =>
          memberObjectKey(p.kind, p.cluster, p.namespace, p.name),
        );
      }),
      { numRuns: 500 },
    );
  });
});
