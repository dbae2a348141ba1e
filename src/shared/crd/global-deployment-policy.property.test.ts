import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  distinctNames,
  downResponse,
  healthMonitors,
  name,
  poolAlgorithm,
  subList,
  ttl,
  weight,
} from '../../../test/support/crd-arbitraries.js';
import { deepFreeze } from '../../../test/support/json-arbitraries.js';
import { NUM_RUNS, validatorProperties } from '../../../test/support/validator-properties.js';
import {
  GDP_SHAPE,
  GDP_SUCCESS,
  validateGdp,
  type GdpSpec,
  type GdpValidationContext,
  type GlobalDeploymentPolicy,
} from './global-deployment-policy.js';

const label = fc.tuple(name, name).map(([k, v]) => ({ label: { [k]: v } }));

/** A selector as people write it, or as AMKO leaves an unused one (`{}`, `{label: {}}`). */
const selector = fc.oneof(label, fc.constantFrom({}, { label: {} }));

function validSpec(members: readonly string[]): fc.Arbitrary<GdpSpec> {
  const optional = fc.record(
    {
      matchRules: fc.record(
        { appSelector: selector, namespaceSelector: selector },
        { requiredKeys: [] },
      ),
      ttl,
      sitePersistenceRef: name,
      pkiProfileRef: name,
      poolAlgorithmSettings: poolAlgorithm,
      downResponse,
      controlPlaneHmOnly: fc.boolean(),
      defaultDomain: fc.domain(),
    },
    { requiredKeys: [] },
  );
  const matchClusters = subList(members).chain((cs) =>
    fc.tuple(...cs.map((c) => fc.record({ cluster: fc.constant(c), syncVipOnly: fc.boolean() }))),
  );
  const trafficSplit = subList(members).chain((cs) =>
    fc.tuple(
      ...cs.map((c) =>
        fc.record(
          { cluster: fc.constant(c), weight, priority: fc.integer({ min: 0, max: 100 }) },
          { requiredKeys: ['cluster'] },
        ),
      ),
    ),
  );
  return fc
    .tuple(optional, healthMonitors, matchClusters, trafficSplit)
    .map(([o, hm, mc, ts]) => ({ ...o, ...hm, matchClusters: mc, trafficSplit: ts }));
}

function gdp(spec: unknown): GlobalDeploymentPolicy {
  return {
    metadata: { name: 'global-gdp', namespace: 'avi-system' },
    spec,
  } as GlobalDeploymentPolicy;
}

const validGdp = distinctNames(1, 4).chain((members) =>
  validSpec(members).map((spec) => ({ obj: gdp(spec), ctx: { memberClusters: members } })),
);

function check(spec: GdpSpec, ctx: GdpValidationContext): readonly string[] {
  return validateGdp(deepFreeze(gdp(spec)), ctx).problems.map((p) => p.path);
}

describe('GlobalDeploymentPolicy validation (properties)', () => {
  validatorProperties<GdpValidationContext>({
    shape: GDP_SHAPE,
    success: GDP_SUCCESS,
    valid: validGdp,
    validate: (obj, ctx) => validateGdp(obj as GlobalDeploymentPolicy, ctx),
  });

  it('rejects a ttl out of 0..86400 at spec.ttl', () => {
    const bad = fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 86401 }), fc.constant(1e21));
    fc.assert(
      fc.property(validGdp, bad, ({ obj, ctx }, t) => {
        assert.deepEqual(check({ ...obj.spec, ttl: t }, ctx), ['spec.ttl']);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('rejects a weight out of 1..20 at that entry', () => {
    const bad = fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 21 }));
    fc.assert(
      fc.property(validGdp, bad, ({ obj, ctx }, w) => {
        const split = obj.spec?.trafficSplit ?? [];
        fc.pre(split.length > 0);
        const trafficSplit = split.map((t, i) =>
          i === split.length - 1 ? { ...t, weight: w } : t,
        );
        const last = `spec.trafficSplit[${split.length - 1}].weight`;
        assert.deepEqual(check({ ...obj.spec, trafficSplit }, ctx), [last]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('rejects a cluster that is not a GSLBConfig member at that entry', () => {
    fc.assert(
      fc.property(validGdp, name, ({ obj, ctx }, stranger) => {
        fc.pre(!ctx.memberClusters.includes(stranger));
        const matchClusters = [...(obj.spec?.matchClusters ?? []), { cluster: stranger }];
        const last = `spec.matchClusters[${matchClusters.length - 1}].cluster`;
        assert.deepEqual(check({ ...obj.spec, matchClusters }, ctx), [last]);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
