import assert from 'node:assert/strict';
import { endpointsOf, membershipOf, peersOf } from './membership.js';

const amko = Object.freeze({
  spec: Object.freeze({
    isLeader: true,
    clusterContext: 'cluster1',
    version: '1.13.1',
    clusters: Object.freeze(['cluster1', 'cluster2', 'cluster3']) as unknown as string[],
    federation: {
      endpoints: [
        { cluster: 'cluster2', address: 'amko.cluster2.example:50051' },
        { cluster: 'cluster3', address: '' },
        { cluster: 'cluster9', address: 'stray:50051' },
      ],
    },
  }),
});

describe('federation membership from the AMKOCluster', () => {
  it('reads this cluster, the federation set and the version', () => {
    const m = membershipOf(amko);
    assert.deepEqual(m, {
      self: 'cluster1',
      clusters: ['cluster1', 'cluster2', 'cluster3'],
      version: '1.13.1',
    });
    assert.deepEqual(peersOf(m), ['cluster2', 'cluster3']);
  });

  it('dials only listed members that have an address', () => {
    assert.deepEqual(endpointsOf(amko), [
      { cluster: 'cluster2', address: 'amko.cluster2.example:50051' },
    ]);
  });

  it('is empty without an AMKOCluster', () => {
    assert.deepEqual(membershipOf(undefined), { self: '', clusters: [], version: '' });
    assert.deepEqual(endpointsOf(undefined), []);
  });
});
