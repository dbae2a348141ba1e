import assert from 'node:assert/strict';
import fc from 'fast-check';
import { distinctNames, name, subList } from '../../../test/support/crd-arbitraries.js';
import { deepFreeze } from '../../../test/support/json-arbitraries.js';
import { NUM_RUNS, validatorProperties } from '../../../test/support/validator-properties.js';
import {
  AMKO_CLUSTER_SHAPE,
  AMKO_CLUSTER_VALID,
  amkoClusterPeers,
  validateAmkoCluster,
  type AmkoCluster,
  type AmkoClusterSpec,
  type AmkoClusterValidationContext,
} from './amko-cluster.js';

const port = fc.integer({ min: 1, max: 65535 });
const address = fc.oneof(
  fc.tuple(fc.domain(), port).map(([h, p]) => `${h}:${p}`),
  fc.tuple(fc.ipV4(), port).map(([h, p]) => `${h}:${p}`),
  fc.tuple(fc.ipV6(), port).map(([h, p]) => `[${h}]:${p}`),
);

/** A federation set, this cluster among it, with an endpoint per peer (all peers on a leader). */
const validSpec: fc.Arbitrary<AmkoClusterSpec> = distinctNames(1, 5).chain((clusters) => {
  const [self = '', ...peers] = clusters;
  return fc
    .tuple(
      fc.boolean(),
      name,
      subList(peers),
      fc.shuffledSubarray(clusters, { minLength: clusters.length }),
    )
    .chain(([isLeader, version, some, order]) => {
      const withEndpoint = isLeader ? peers : some;
      return fc
        .tuple(...withEndpoint.map((c) => address.map((a) => ({ cluster: c, address: a }))))
        .map((endpoints) => ({
          isLeader,
          clusterContext: self,
          version,
          clusters: order,
          federation: { endpoints },
        }));
    });
});

const validCluster = fc.tuple(validSpec, fc.boolean()).map(([spec, knowsSelf]) => ({
  obj: {
    metadata: { name: 'amkocluster-federation', namespace: 'avi-system' },
    spec,
  },
  ctx: knowsSelf && spec.clusterContext ? { selfCluster: spec.clusterContext } : {},
}));

describe('AMKOCluster validation (properties)', () => {
  validatorProperties<AmkoClusterValidationContext>({
    shape: AMKO_CLUSTER_SHAPE,
    success: AMKO_CLUSTER_VALID,
    valid: validCluster,
    validate: (obj, ctx) => validateAmkoCluster(obj as AmkoCluster, ctx),
  });

  it('rejects a leader that lacks an endpoint for a peer, at spec.federation.endpoints', () => {
    fc.assert(
      fc.property(validCluster, fc.nat(), ({ obj, ctx }, pick) => {
        const spec = obj.spec ?? {};
        const peers = amkoClusterPeers(spec);
        fc.pre(peers.length > 0);
        const missing = peers[pick % peers.length];
        const endpoints = (spec.federation?.endpoints ?? []).filter((e) => e.cluster !== missing);
        const leader = { ...spec, isLeader: true, federation: { endpoints } };
        const r = validateAmkoCluster(deepFreeze({ ...obj, spec: leader }), ctx);
        assert.ok(r.problems.length > 0);
        for (const p of r.problems) assert.equal(p.path, 'spec.federation.endpoints');
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('peers never include this cluster, empty names or repeats', () => {
    fc.assert(
      fc.property(validSpec, fc.array(name), (spec, extra) => {
        const s = { ...spec, clusters: [...(spec.clusters ?? []), ...extra, ''] };
        const peers = amkoClusterPeers(s);
        assert.ok(!peers.includes(s.clusterContext ?? ''));
        assert.ok(!peers.includes(''));
        assert.equal(new Set(peers).size, peers.length);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
