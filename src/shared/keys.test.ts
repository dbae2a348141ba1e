import assert from 'node:assert/strict';
import {
  clusterObjectKey,
  gslbKey,
  memberObjectKey,
  objectKey,
  parseClusterObjectKey,
  parseGslbKey,
  parseMemberObjectKey,
  parseObjectKey,
} from './keys.js';

describe('keys', () => {
  it('round-trips an object key', () => {
    const key = objectKey('web', 'shop');
    assert.equal(key, 'web/shop');
    assert.deepEqual(parseObjectKey(key), { namespace: 'web', name: 'shop' });
  });

  it('round-trips a cluster object key', () => {
    const key = clusterObjectKey('cluster1', 'web', 'shop');
    assert.equal(key, 'cluster1/web/shop');
    assert.deepEqual(parseClusterObjectKey(key), {
      cluster: 'cluster1',
      namespace: 'web',
      name: 'shop',
    });
  });

  it('round-trips a GslbService key, the tenant being part of it', () => {
    const a = gslbKey('admin', 'shop.example.com');
    const b = gslbKey('retail', 'shop.example.com');
    assert.notEqual(a, b);
    assert.deepEqual(parseGslbKey(b), { tenant: 'retail', gsName: 'shop.example.com' });
  });

  it('round-trips a member object key with an empty namespace', () => {
    const key = memberObjectKey('NAMESPACE', 'c2', '', 'web');
    assert.deepEqual(parseMemberObjectKey(key), {
      kind: 'NAMESPACE',
      cluster: 'c2',
      namespace: '',
      name: 'web',
    });
  });

  it('refuses segments containing the separator and malformed keys', () => {
    assert.throws(() => objectKey('a/b', 'c'), /must not contain/);
    assert.throws(() => gslbKey('', 'x'), /required/);
    assert.throws(() => parseGslbKey('only-one'), /malformed/);
    assert.throws(() => parseMemberObjectKey('POD/c/n/x'), /unknown member object kind/);
  });
});
