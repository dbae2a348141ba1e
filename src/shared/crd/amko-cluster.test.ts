import assert from 'node:assert/strict';
import {
  AMKO_CLUSTER,
  amkoClusterPeers,
  federationEndpointFor,
  validateAmkoCluster,
  withAmkoClusterDefaults,
  type AmkoCluster,
  type AmkoClusterSpec,
  type AmkoClusterValidationContext,
} from './amko-cluster.js';

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

function ac(spec: AmkoClusterSpec, namespace = 'avi-system'): AmkoCluster {
  return deepFreeze({
    apiVersion: AMKO_CLUSTER.apiVersion,
    kind: AMKO_CLUSTER.kind,
    metadata: { name: 'amkocluster-federation', namespace },
    spec,
  });
}

const LEADER: AmkoClusterSpec = deepFreeze({
  isLeader: true,
  clusterContext: 'east',
  version: '1.0.0',
  clusters: ['east', 'west', 'south'],
  federation: {
    endpoints: [
      { cluster: 'west', address: 'west.example.net:50051' },
      { cluster: 'south', address: '[2001:db8::5]:50051' },
    ],
  },
});

const FOLLOWER: AmkoClusterSpec = deepFreeze({
  isLeader: false,
  clusterContext: 'west',
  version: '1.0.0',
  clusters: ['east', 'west'],
});

interface InvalidCase {
  readonly name: string;
  readonly spec: AmkoClusterSpec;
  readonly namespace?: string;
  readonly ctx?: AmkoClusterValidationContext;
  readonly path: string;
  readonly message: string;
}

const EP = LEADER.federation?.endpoints ?? [];

const INVALID: readonly InvalidCase[] = [
  {
    name: 'namespace other than avi-system',
    spec: LEADER,
    namespace: 'default',
    path: 'metadata.namespace',
    message: "AMKOCluster's namespace is not avi-system",
  },
  {
    name: 'empty clusterContext',
    spec: { ...FOLLOWER, clusterContext: '' },
    path: 'spec.clusterContext',
    message: "clusterContext field can't be empty in AMKOCluster object",
  },
  {
    name: 'absent version',
    spec: { isLeader: false, clusterContext: 'west', clusters: ['west'] },
    path: 'spec.version',
    message: "version field can't be empty in AMKOCluster object",
  },
  {
    name: 'clusterContext not in clusters',
    spec: { ...FOLLOWER, clusters: ['east', 'north'] },
    path: 'spec.clusters',
    message: 'current cluster context west not part of member clusters',
  },
  {
    name: 'duplicate cluster',
    spec: { ...FOLLOWER, clusters: ['east', 'west', 'east'] },
    path: 'spec.clusters[2]',
    message: 'duplicate cluster east in clusters',
  },
  {
    name: 'empty cluster name',
    spec: { ...FOLLOWER, clusters: ['east', '', 'west'] },
    path: 'spec.clusters[1]',
    message: "cluster name can't be empty in clusters",
  },
  {
    name: 'clusterContext that is not this cluster',
    spec: FOLLOWER,
    ctx: { selfCluster: 'east' },
    path: 'spec.clusterContext',
    message: 'clusterContext west is not this cluster (east)',
  },
  {
    name: 'endpoint for a cluster outside the federation set',
    spec: { ...LEADER, federation: { endpoints: [...EP, { cluster: 'north', address: 'n:1' }] } },
    path: 'spec.federation.endpoints[2].cluster',
    message: 'federation endpoint cluster north not part of member clusters',
  },
  {
    name: 'endpoint for the current cluster',
    spec: { ...LEADER, federation: { endpoints: [{ cluster: 'east', address: 'e:1' }, ...EP] } },
    path: 'spec.federation.endpoints[0].cluster',
    message: 'federation endpoint cluster east is the current cluster',
  },
  {
    name: 'two endpoints for one cluster',
    spec: {
      ...LEADER,
      federation: { endpoints: [...EP, { cluster: 'west', address: 'w2:50051' }] },
    },
    path: 'spec.federation.endpoints[2].cluster',
    message: 'duplicate federation endpoint for cluster west',
  },
  {
    name: 'endpoint address without port',
    spec: {
      ...LEADER,
      federation: { endpoints: [{ cluster: 'west', address: 'west.example.net' }, EP[1]!] },
    },
    path: 'spec.federation.endpoints[0].address',
    message: 'federation endpoint address west.example.net for cluster west is not host:port',
  },
  {
    name: 'endpoint port out of range',
    spec: {
      ...LEADER,
      federation: { endpoints: [EP[0]!, { cluster: 'south', address: 's:70000' }] },
    },
    path: 'spec.federation.endpoints[1].address',
    message: 'federation endpoint address s:70000 for cluster south is not host:port',
  },
  {
    name: 'leader without an endpoint for a member',
    spec: { ...LEADER, federation: { endpoints: [EP[0]!] } },
    path: 'spec.federation.endpoints',
    message: 'no federation endpoint for member cluster south',
  },
];

describe('validateAmkoCluster', () => {
  describe('rejects', () => {
    for (const c of INVALID) {
      it(c.name, () => {
        const r = validateAmkoCluster(ac(c.spec, c.namespace), c.ctx);
        assert.deepEqual(r.problems, [{ path: c.path, message: c.message }]);
        assert.equal(r.status, c.message);
        assert.deepEqual(r.condition, {
          type: 'current AMKOCluster Validation',
          status: 'invalid AMKOCluster object',
          reason: c.message,
        });
      });
    }
  });

  const VALID: readonly {
    name: string;
    spec: AmkoClusterSpec;
    ctx?: AmkoClusterValidationContext;
  }[] = [
    { name: 'a leader with an endpoint per member', spec: LEADER, ctx: { selfCluster: 'east' } },
    { name: 'a follower without endpoints', spec: FOLLOWER },
    {
      name: 'a lone leader',
      spec: { isLeader: true, clusterContext: 'a', version: 'v', clusters: ['a'] },
    },
  ];
  for (const v of VALID) {
    it(`accepts ${v.name}`, () => {
      const r = validateAmkoCluster(ac(v.spec), v.ctx);
      assert.deepEqual(r.problems, []);
      assert.equal(r.status, 'valid AMKOCluster object');
      assert.deepEqual(r.condition, {
        type: 'current AMKOCluster Validation',
        status: 'valid AMKOCluster object',
      });
    });
  }

  it('reports every problem of an empty object', () => {
    const r = validateAmkoCluster(deepFreeze({ metadata: { name: 'x' } }));
    assert.deepEqual(
      r.problems.map((p) => p.path),
      ['metadata.namespace', 'spec.clusterContext', 'spec.version'],
    );
  });
});

describe('AMKOCluster helpers and defaults', () => {
  it('lists the peers without the current cluster', () => {
    assert.deepEqual(amkoClusterPeers(LEADER), ['west', 'south']);
    assert.deepEqual(amkoClusterPeers({ clusterContext: 'a', clusters: ['a', 'b', 'b', ''] }), [
      'b',
    ]);
  });

  it('finds endpoints', () => {
    assert.equal(federationEndpointFor(LEADER, 'south'), '[2001:db8::5]:50051');
    assert.equal(federationEndpointFor(LEADER, 'east'), undefined);
  });

  it('defaults to follower with empty sets', () => {
    assert.deepEqual(
      withAmkoClusterDefaults(deepFreeze<AmkoClusterSpec>({ clusterContext: 'a' })),
      {
        clusterContext: 'a',
        isLeader: false,
        clusters: [],
        federation: { endpoints: [] },
      },
    );
  });

  it('names the resource', () => {
    assert.equal(AMKO_CLUSTER.apiVersion, 'amko.vmware.com/v1alpha1');
    assert.equal(AMKO_CLUSTER.plural, 'amkoclusters');
    assert.equal(AMKO_CLUSTER.kind, 'AMKOCluster');
    assert.deepEqual(AMKO_CLUSTER.shortNames, []);
  });
});

describe('AMKOCluster autoFailover', () => {
  const withAuto = (autoFailover: Record<string, unknown>): AmkoCluster => ({
    metadata: { name: 'a', namespace: 'avi-system' },
    spec: {
      clusterContext: 'c1',
      version: '1',
      clusters: ['c1'],
      federation: { autoFailover },
    },
  });

  it('accepts sensible settings and refuses a promotion delay shorter than the lease', () => {
    assert.deepEqual(
      validateAmkoCluster(withAuto({ enabled: true, leaseSeconds: 5 })).problems,
      [],
    );
    const bad = validateAmkoCluster(withAuto({ enabled: true, promoteAfterSeconds: 10 }));
    assert.match(
      bad.condition.reason ?? '',
      /promoteAfterSeconds \(10\) must not be shorter than leaseSeconds \(15\)/,
    );
  });

  it('refuses out-of-range and mistyped settings', () => {
    assert.match(
      validateAmkoCluster(withAuto({ leaseSeconds: 0 })).status,
      /leaseSeconds must be from 1 to 3600, got 0/,
    );
    assert.match(validateAmkoCluster(withAuto({ priority: 'first' })).status, /priority/);
  });
});
