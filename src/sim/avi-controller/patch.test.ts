import assert from 'node:assert/strict';
import { applyPatch } from './patch.js';
import { SimError } from './sim-error.js';

describe('applyPatch', function () {
  const current = {
    name: 'gs',
    domain_names: ['a.com'],
    markers: [{ key: 'k', values: ['1'] }],
    ttl: 30,
  };

  it('adds list items once and sets scalars', function () {
    const out = applyPatch(current, {
      add: { domain_names: ['b.com', 'a.com'], description: 'd' },
    });
    assert.deepEqual(out['domain_names'], ['a.com', 'b.com']);
    assert.equal(out['description'], 'd');
    assert.deepEqual(current.domain_names, ['a.com'], 'the input is not changed');
  });

  it('replaces fields and deletes list items by value or whole fields', function () {
    assert.deepEqual(
      applyPatch(current, { replace: { domain_names: ['z.com'] } })['domain_names'],
      ['z.com'],
    );
    const out = applyPatch(current, { delete: { markers: [{ key: 'k', values: ['1'] }], ttl: 0 } });
    assert.deepEqual(out['markers'], []);
    assert.equal('ttl' in out, false);
  });

  it('refuses unknown operations', function () {
    assert.throws(() => applyPatch(current, { merge: {} }), SimError);
    assert.throws(() => applyPatch(current, {}), SimError);
    assert.throws(() => applyPatch(current, { add: [] }), SimError);
  });
});
