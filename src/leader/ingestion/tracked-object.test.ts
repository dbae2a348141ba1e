import assert from 'node:assert/strict';
import {
  clustersOfDescription,
  memberString,
  parseMemberString,
  type TrackedObject,
} from './tracked-object.js';

const member = (over: Partial<TrackedObject>): TrackedObject => ({
  kind: 'INGRESS',
  cluster: 'c1',
  namespace: 'web',
  name: 'ing/shop.example.com',
  objectName: 'ing',
  hostname: 'shop.example.com',
  ip: '10.0.0.1',
  labels: {},
  paths: [],
  tls: false,
  passthrough: false,
  vsUuid: '',
  controllerUuid: '',
  tenant: undefined,
  ...over,
});

describe('member strings', () => {
  it('parse back to the identity they were made from (names with slashes included)', () => {
    for (const o of [member({}), member({ kind: 'ROUTE', name: 'r', cluster: 'os-1' })]) {
      const parsed = parseMemberString(memberString(o));
      assert.deepEqual(parsed, {
        kind: o.kind,
        cluster: o.cluster,
        namespace: o.namespace,
        name: o.name,
      });
    }
  });

  it('refuse strings that are not member strings', () => {
    for (const s of ['', 'INGRESS/c1/web', 'POD/c1/web/p', 'created by: amko']) {
      assert.equal(parseMemberString(s), undefined, s);
    }
  });

  it('give the clusters a GslbService description names', () => {
    const d = [member({}), member({ cluster: 'c2' }), member({ kind: 'LBSVC', name: 'svc' })]
      .map(memberString)
      .join(',');
    assert.deepEqual([...clustersOfDescription(d)].sort(), ['c1', 'c2']);
    assert.deepEqual([...clustersOfDescription(undefined)], []);
  });
});
