import assert from 'node:assert/strict';
import { collectRefs, flagSet, isRefField, mapRefs, normalizePath, parseRef } from './refs.js';

describe('paths and references', function () {
  it('collapses repeated slashes and one trailing slash', function () {
    assert.equal(normalizePath('//api/gslbservice/'), '/api/gslbservice');
    assert.equal(normalizePath('/api//healthmonitor/hm-1'), '/api/healthmonitor/hm-1');
    assert.equal(normalizePath('/'), '/');
  });

  it('treats a flag as set unless its value is false', function () {
    const q = new URLSearchParams('include_name=&a=false&b=1');
    assert.deepEqual(
      ['include_name', 'a', 'b', 'c'].map((f) => flagSet(q, f)),
      [true, false, true, false],
    );
  });

  it('parses every input form of §1.3', function () {
    assert.deepEqual(parseRef('https://10.0.0.5/api/healthmonitor/healthmonitor-9d2e#x'), {
      type: 'healthmonitor',
      uuid: 'healthmonitor-9d2e',
    });
    assert.deepEqual(parseRef('/api/healthmonitor/healthmonitor-9d2e'), {
      type: 'healthmonitor',
      uuid: 'healthmonitor-9d2e',
    });
    assert.deepEqual(parseRef('/api/healthmonitor?name=amko--da3a'), {
      type: 'healthmonitor',
      name: 'amko--da3a',
    });
    assert.deepEqual(parseRef('https:///api/tenant/?name=retail'), {
      type: 'tenant',
      name: 'retail',
    });
    assert.equal(parseRef('/api/healthmonitor'), undefined);
    assert.equal(parseRef('not a ref'), undefined);
  });

  it('maps *_ref and *_refs values at any depth and leaves the rest', function () {
    const body = {
      name: 'x',
      tenant_ref: '/api/tenant/?name=a',
      health_monitor_refs: ['/api/healthmonitor?name=h', 3],
      groups: [{ pool_ref: '/api/pool/p' }],
      description: '/api/not/a-ref-field',
    };
    const mapped = mapRefs(body, (r) => r.toUpperCase());
    assert.deepEqual(mapped, {
      name: 'x',
      tenant_ref: '/API/TENANT/?NAME=A',
      health_monitor_refs: ['/API/HEALTHMONITOR?NAME=H', 3],
      groups: [{ pool_ref: '/API/POOL/P' }],
      description: '/api/not/a-ref-field',
    });
    assert.deepEqual(collectRefs(body), [
      '/api/tenant/?name=a',
      '/api/healthmonitor?name=h',
      '/api/pool/p',
    ]);
    assert.ok(isRefField('pki_profile_ref') && !isRefField('refresh'));
  });
});
