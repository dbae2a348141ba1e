import assert from 'node:assert/strict';
import { OperatorError } from '../errors.js';
import {
  contentOf,
  fromWireObject,
  hashed,
  parseReplicaKey,
  replicaKey,
  toWireObject,
} from './replicated-object.js';

const gdp = Object.freeze({
  apiVersion: 'amko.vmware.com/v1alpha2',
  kind: 'GlobalDeploymentPolicy',
  metadata: Object.freeze({
    name: 'global-gdp',
    namespace: 'avi-system',
    resourceVersion: '42',
    labels: Object.freeze({ app: 'amko' }),
    annotations: Object.freeze({
      'amko.vmware.com/amko-uuid': 'u-1',
      'amko.vmware.com/replica-of': 'cluster1',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
    }),
  }),
  spec: Object.freeze({
    ttl: 30,
    matchClusters: Object.freeze([Object.freeze({ cluster: 'c1' })]),
  }),
  status: Object.freeze({ errorStatus: 'success' }),
});

function badMessage(fn: () => unknown): void {
  assert.throws(
    fn,
    (e: unknown) => e instanceof OperatorError && e.code === 'FEDERATION_BAD_MESSAGE',
  );
}

describe('replicated objects', () => {
  it('carries spec, labels and travelling annotations, never status or local markers', () => {
    const c = contentOf('GlobalDeploymentPolicy', gdp);
    assert.deepEqual(c, {
      kind: 'GlobalDeploymentPolicy',
      namespace: 'avi-system',
      name: 'global-gdp',
      spec: { ttl: 30, matchClusters: [{ cluster: 'c1' }] },
      labels: { app: 'amko' },
      annotations: { 'amko.vmware.com/amko-uuid': 'u-1' },
    });
  });

  it('round-trips through the wire form with the same hash', () => {
    const h = hashed(contentOf('GlobalDeploymentPolicy', gdp));
    const back = fromWireObject(toWireObject(h));
    assert.deepEqual(back, h);
    assert.match(h.hash, /^[0-9a-f]{64}$/);
  });

  it('changes the hash when the spec, a label or an annotation changes', () => {
    const base = contentOf('GlobalDeploymentPolicy', gdp);
    const hashes = new Set([
      hashed(base).hash,
      hashed({ ...base, spec: { ttl: 31 } }).hash,
      hashed({ ...base, labels: {} }).hash,
      hashed({ ...base, annotations: {} }).hash,
    ]);
    assert.equal(hashes.size, 4);
  });

  it('refuses a wrong hash, bad JSON, an unknown kind, bad names and local annotations', () => {
    const wire = toWireObject(hashed(contentOf('GlobalDeploymentPolicy', gdp)));
    badMessage(() => fromWireObject({ ...wire, content_hash: 'x' }));
    badMessage(() => fromWireObject({ ...wire, spec_json: '{"ttl":' }));
    badMessage(() => fromWireObject({ ...wire, spec_json: '[1]' }));
    badMessage(() => fromWireObject({ ...wire, kind: 'Secret' }));
    badMessage(() => fromWireObject({ ...wire, name: 'Bad_Name' }));
    badMessage(() => fromWireObject({ ...wire, namespace: '' }));
    badMessage(() =>
      fromWireObject({ ...wire, annotations: { 'amko.vmware.com/replica-epoch': '9' } }),
    );
  });

  it('encodes and parses replica keys', () => {
    const k = replicaKey('GSLBHostRule', 'default', 'ghr-1');
    assert.equal(k, 'GSLBHostRule/default/ghr-1');
    assert.deepEqual(parseReplicaKey(k), {
      kind: 'GSLBHostRule',
      namespace: 'default',
      name: 'ghr-1',
    });
  });
});
