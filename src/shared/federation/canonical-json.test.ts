import assert from 'node:assert/strict';
import { canonicalJson, sha256OfCanonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    const text = canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } });
    assert.equal(text, '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('gives the same text whatever the insertion order', () => {
    const one = { spec: { ttl: 10, matchRules: { appSelector: { label: { app: 'a' } } } } };
    const two = { spec: { matchRules: { appSelector: { label: { app: 'a' } } }, ttl: 10 } };
    assert.equal(canonicalJson(one), canonicalJson(two));
    assert.equal(sha256OfCanonicalJson(one), sha256OfCanonicalJson(two));
  });

  it('leaves out undefined members and escapes strings like JSON.stringify', () => {
    assert.equal(canonicalJson({ a: undefined, b: 'q"\n' }), '{"b":"q\\"\\n"}');
  });

  it('refuses values JSON cannot carry', () => {
    assert.throws(() => canonicalJson({ a: Number.NaN }), TypeError);
    assert.throws(() => canonicalJson([Infinity]), TypeError);
    assert.throws(() => canonicalJson({ f: (): void => undefined }), TypeError);
  });

  it('hashes to lower-case SHA-256 hex', () => {
    assert.equal(
      sha256OfCanonicalJson({}),
      '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    );
  });
});
