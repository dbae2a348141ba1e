import assert from 'node:assert/strict';
import { AMKO_UUID_ANNOTATION } from '../shared/crd/common.js';
import {
  comparisonHash,
  diffReplicated,
  formatDiff,
  type ComparableObject,
} from './diff-report.js';

const obj = (
  name: string,
  spec: unknown,
  annotations: Record<string, string> = {},
): ComparableObject => ({ metadata: { namespace: 'avi-system', name, annotations }, spec });

const contexts = { context: 'cluster1', against: 'cluster2' };

describe('comparisonHash', () => {
  it('ignores key order, labels and annotations other than the amko-uuid', () => {
    const a = obj('gc-1', { a: 1, b: { c: 2 } }, { 'amko.vmware.com/replica-epoch': '3' });
    const b = obj('gc-1', { b: { c: 2 }, a: 1 }, { 'kubectl.kubernetes.io/last-applied': 'x' });
    assert.equal(comparisonHash(a), comparisonHash(b));
  });

  it('changes with the spec and with the amko-uuid annotation', () => {
    const base = obj('gc-1', { a: 1 });
    assert.notEqual(comparisonHash(base), comparisonHash(obj('gc-1', { a: 2 })));
    assert.notEqual(
      comparisonHash(base),
      comparisonHash(obj('gc-1', { a: 1 }, { [AMKO_UUID_ANNOTATION]: 'u' })),
    );
    assert.match(comparisonHash(base), /^[0-9a-f]{64}$/);
  });
});

describe('diffReplicated', () => {
  const local = [
    { kind: 'GSLBConfig', objects: [obj('gc-1', { x: 1 })] },
    { kind: 'GlobalDeploymentPolicy', objects: [obj('global-gdp', { ttl: 10 })] },
    { kind: 'GSLBHostRule', objects: [obj('b', { fqdn: 'b' }), obj('a', { fqdn: 'a' })] },
  ];

  it('reports every object the same when both sides match', () => {
    const report = diffReplicated(contexts, local, local);
    assert.equal(report.inSync, true);
    assert.deepEqual(
      report.entries.map((e) => `${e.kind} ${e.name} ${e.result}`),
      [
        'GSLBConfig gc-1 same',
        'GlobalDeploymentPolicy global-gdp same',
        'GSLBHostRule a same',
        'GSLBHostRule b same',
      ],
    );
  });

  it('reports differences and which side misses an object', () => {
    const other = [
      { kind: 'GSLBConfig', objects: [obj('gc-1', { x: 1 })] },
      { kind: 'GlobalDeploymentPolicy', objects: [obj('global-gdp', { ttl: 30 })] },
      { kind: 'GSLBHostRule', objects: [obj('a', { fqdn: 'a' }), obj('c', { fqdn: 'c' })] },
    ];
    const report = diffReplicated(contexts, local, other);
    assert.equal(report.inSync, false);
    const byName = new Map(report.entries.map((e) => [e.name, e]));
    assert.equal(byName.get('global-gdp')?.result, 'differs');
    assert.deepEqual(
      [byName.get('b')?.result, byName.get('b')?.missingOn, byName.get('b')?.otherHash],
      ['missing', 'cluster2', undefined],
    );
    assert.deepEqual(
      [byName.get('c')?.missingOn, byName.get('c')?.localHash],
      ['cluster1', undefined],
    );
    const text = formatDiff(report);
    assert.match(text, /GlobalDeploymentPolicy\s+avi-system\/global-gdp\s+differs/);
    assert.match(text, /GSLBHostRule\s+avi-system\/b\s+missing on cluster2/);
    assert.match(text, /5 objects: 2 same, 1 differ, 2 missing\n$/);
  });

  it('says so when neither side has anything', () => {
    const empty = [{ kind: 'GSLBConfig', objects: [] }];
    const report = diffReplicated(contexts, empty, empty);
    assert.equal(report.inSync, true);
    assert.equal(formatDiff(report), 'no replicated objects on cluster1 or cluster2\n');
  });
});
