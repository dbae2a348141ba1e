import assert from 'node:assert/strict';
import {
  hashed,
  keyOfContent,
  type ReplicaContent,
} from '../../shared/federation/replicated-object.js';
import { ReplicationLog, type LogEntry } from './replication-log.js';

function revisions(entries: readonly LogEntry[] | 'compacted'): number[] {
  if (entries === 'compacted') throw new Error('unexpectedly compacted');
  return entries.map((e) => e.revision);
}

const gdp = (ttl: number): ReplicaContent => ({
  kind: 'GlobalDeploymentPolicy',
  namespace: 'avi-system',
  name: 'global-gdp',
  spec: { ttl },
  labels: {},
  annotations: {},
});
const ghr = (name: string): ReplicaContent => ({
  ...gdp(1),
  kind: 'GSLBHostRule',
  namespace: 'default',
  name,
});

describe('replication log', () => {
  it('gives each change the next revision and skips unchanged content', () => {
    const log = new ReplicationLog({ logId: 'l', retain: 10 });
    assert.equal(log.put(hashed(gdp(10))), 1);
    assert.equal(log.put(hashed(gdp(10))), undefined);
    assert.equal(log.put(hashed(gdp(20))), 2);
    assert.equal(log.delete(keyOfContent(gdp(1))), 3);
    assert.equal(log.delete(keyOfContent(gdp(1))), undefined);
    assert.equal(log.head, 3);
    assert.deepEqual(log.objects(), []);
  });

  it('returns the entries after a revision, in order, bounded', () => {
    const log = new ReplicationLog({ logId: 'l', retain: 10 });
    for (const n of ['a', 'b', 'c', 'd']) log.put(hashed(ghr(n)));
    assert.deepEqual(revisions(log.entriesAfter(1, 2)), [2, 3]);
    assert.deepEqual(log.entriesAfter(4, 10), []);
    assert.deepEqual(log.entriesAfter(0, 10).length, 4);
  });

  it('says compacted once the entries after a revision were dropped', () => {
    const log = new ReplicationLog({ logId: 'l', retain: 2 });
    for (let i = 1; i <= 5; i++) log.put(hashed(gdp(i)));
    assert.equal(log.entriesAfter(0, 10), 'compacted');
    assert.deepEqual(revisions(log.entriesAfter(log.head - 1, 10)), [5]);
    assert.equal(log.objects().length, 1);
  });
});
