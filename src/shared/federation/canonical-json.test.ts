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
  // The examples of RFC 8785 (JSON Canonicalization Scheme), sections 3.2.2 and 3.2.3.
  it('writes the RFC 8785 example exactly (numbers, strings, literals)', () => {
    const parsed: unknown = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        '"literals": [null, true, false]}',
    );
    assert.equal(
      canonicalJson(parsed),
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units as RFC 8785 section 3.2.3 does', () => {
    const keys = ['\u20ac', '\r', '\ufb33', '1', '\ud83d\ude00', '\u0080', '\u00f6'];
    const text = canonicalJson(Object.fromEntries(keys.map((k, i) => [k, i])));
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
    const expected = order.map((k) => `${JSON.stringify(k)}:${keys.indexOf(k)}`).join(',');
    assert.equal(text, `{${expected}}`);
  });
});
