import assert from 'node:assert/strict';
import type { AmkoCluster } from '../shared/crd/amko-cluster.js';
import { chooseAmkoCluster, EXTRA_AMKO_CLUSTER_CONDITION } from './amko-cluster-choice.js';

function amko(name: string, uid: string): AmkoCluster {
  return Object.freeze({
    metadata: Object.freeze({ name, namespace: 'avi-system', uid }),
    spec: Object.freeze({ isLeader: true, clusterContext: 'c1' }),
  });
}

const A = amko('amkocluster-federation', 'uid-a');
const B = amko('amkocluster-second', 'uid-b');

describe('chooseAmkoCluster', () => {
  it('takes the only object, whatever was in force before', () => {
    assert.deepEqual(chooseAmkoCluster([B], 'uid-a'), { inForce: B, extras: [] });
    assert.deepEqual(chooseAmkoCluster([A], undefined), { inForce: A, extras: [] });
  });

  it('decides nothing without any object', () => {
    assert.deepEqual(chooseAmkoCluster([], 'uid-a'), { inForce: undefined, extras: [] });
  });

  it('keeps the object in force when a second one is added, and reports the other', () => {
    assert.deepEqual(chooseAmkoCluster([B, A], 'uid-a'), { inForce: A, extras: [B] });
  });

  it('decides nothing with several objects and none in force (a boot)', () => {
    assert.deepEqual(chooseAmkoCluster([A, B], undefined), { inForce: undefined, extras: [A, B] });
    assert.deepEqual(chooseAmkoCluster([A, B], 'uid-gone'), { inForce: undefined, extras: [A, B] });
  });

  it("reports the others in AMKO's words", () => {
    assert.deepEqual(EXTRA_AMKO_CLUSTER_CONDITION, {
      type: 'current AMKOCluster Validation',
      status: 'invalid AMKOCluster object',
      reason: 'only one AMKOClusterObject allowed per cluster',
    });
  });
});
