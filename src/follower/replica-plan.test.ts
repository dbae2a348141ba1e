import assert from 'node:assert/strict';
import { hashed, replicaKey, type ReplicaContent } from '../shared/federation/replicated-object.js';
import {
  desiredReplica,
  highestWitness,
  isUpToDate,
  marksOf,
  snapshotDeletes,
  witnessOf,
} from './replica-plan.js';

const content: ReplicaContent = Object.freeze({
  kind: 'GlobalDeploymentPolicy',
  namespace: 'avi-system',
  name: 'global-gdp',
  spec: { ttl: 30 },
  labels: { app: 'amko' },
  annotations: { 'amko.vmware.com/amko-uuid': 'u-1' },
});
const marks = Object.freeze({ leader: 'cluster1', epoch: 4, revision: 17 });

describe('replica plan', () => {
  it('writes the content with the replica marks and the right apiVersion', () => {
    const obj = desiredReplica(hashed(content), marks, '99');
    assert.deepEqual(obj, {
      apiVersion: 'amko.vmware.com/v1alpha2',
      kind: 'GlobalDeploymentPolicy',
      metadata: {
        name: 'global-gdp',
        namespace: 'avi-system',
        labels: { app: 'amko' },
        annotations: {
          'amko.vmware.com/amko-uuid': 'u-1',
          'amko.vmware.com/replica-of': 'cluster1',
          'amko.vmware.com/replica-epoch': '4',
          'amko.vmware.com/replica-revision': '17',
        },
        resourceVersion: '99',
      },
      spec: { ttl: 30 },
    });
    assert.deepEqual(marksOf(obj), marks);
  });

  it('sees a written replica as up to date, whatever its revision mark', () => {
    const h = hashed(content);
    const obj = { ...desiredReplica(h, marks), status: { errorStatus: 'x' } };
    assert.ok(isUpToDate(obj, h, { ...marks, revision: 18 }));
  });

  it('sees an edited spec, label, another leader or another epoch as out of date', () => {
    const h = hashed(content);
    const edited = desiredReplica(hashed({ ...content, spec: { ttl: 31 } }), marks);
    assert.ok(!isUpToDate(edited, h, marks));
    const relabelled = desiredReplica(hashed({ ...content, labels: {} }), marks);
    assert.ok(!isUpToDate(relabelled, h, marks));
    assert.ok(!isUpToDate(desiredReplica(h, marks), h, { ...marks, leader: 'cluster3' }));
    assert.ok(!isUpToDate(desiredReplica(h, marks), h, { ...marks, epoch: 5 }));
    assert.equal(marksOf({ metadata: { annotations: {} } }), undefined);
  });

  it('deletes the replicas a snapshot does not hold', () => {
    const keep = replicaKey('GlobalDeploymentPolicy', 'avi-system', 'global-gdp');
    const gone = replicaKey('GSLBHostRule', 'default', 'old');
    assert.deepEqual(snapshotDeletes([hashed(content)], [keep, gone]), [gone]);
  });

  it('marks a replica written by a change with its log, and reads back the position it witnesses', () => {
    const logId = '3.cluster1.u';
    const obj = desiredReplica(hashed(content), { ...marks, logId });
    assert.equal(obj.metadata?.annotations?.['amko.vmware.com/replica-log'], logId);
    assert.deepEqual(marksOf(obj), { ...marks, logId });
    assert.deepEqual(witnessOf(marksOf(obj)), {
      leader: 'cluster1',
      epoch: 4,
      logId,
      revision: 17,
    });
    // A snapshot's or a catch-up's replica carries no log: it witnesses nothing.
    const plain = desiredReplica(hashed(content), marks);
    assert.equal(plain.metadata?.annotations?.['amko.vmware.com/replica-log'], undefined);
    assert.equal(witnessOf(marksOf(plain)), undefined);
    const bad = desiredReplica(hashed(content), { ...marks, logId, revision: Number.NaN });
    assert.equal(witnessOf(marksOf(bad)), undefined, 'a revision that is not a number');
  });

  it('finds the highest position a set of replicas witnesses', () => {
    const at = (logId: string, epoch: number, revision: number) =>
      desiredReplica(hashed({ ...content, name: `${logId}-${revision}` }), {
        leader: 'cluster1',
        epoch,
        revision,
        logId,
      });
    const objs = [
      at('1.cluster1.a', 1, 40),
      at('2.cluster1.b', 1, 3),
      desiredReplica(hashed(content), { ...marks, epoch: 9 }),
      at('1.cluster1.a', 1, 41),
    ];
    // A later log of the epoch is ahead of any revision of an earlier one; no log mark, no witness.
    assert.deepEqual(highestWitness(objs), {
      leader: 'cluster1',
      epoch: 1,
      logId: '2.cluster1.b',
      revision: 3,
    });
    assert.equal(highestWitness([]).logId, '');
  });
});
