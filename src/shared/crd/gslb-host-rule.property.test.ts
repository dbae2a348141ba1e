import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  distinctNames,
  downResponse,
  healthMonitors,
  ipAddress,
  name,
  poolAlgorithm,
  subList,
  ttl,
  weight,
} from '../../../test/support/crd-arbitraries.js';
import { deepFreeze } from '../../../test/support/json-arbitraries.js';
import { NUM_RUNS, validatorProperties } from '../../../test/support/validator-properties.js';
import {
  GHR_ACCEPTED,
  GSLB_HOST_RULE_SHAPE,
  validateGslbHostRule,
  type GslbHostRule,
  type GslbHostRuleSpec,
  type GslbHostRuleValidationContext,
} from './gslb-host-rule.js';

const sitePersistence = fc.oneof(
  fc.constant({ enabled: false }),
  fc.record(
    { enabled: fc.constant(true), profileRef: name, pkiProfileRef: name },
    { requiredKeys: ['enabled', 'profileRef'] },
  ),
);

const thirdPartyMember = fc.record(
  { vip: ipAddress, site: name, publicIP: ipAddress },
  { requiredKeys: ['vip', 'site'] },
);

function validSpec(members: readonly string[]): fc.Arbitrary<GslbHostRuleSpec> {
  const optional = fc.record(
    {
      ttl,
      sitePersistence,
      thirdPartyMembers: fc.array(thirdPartyMember, { maxLength: 3 }),
      poolAlgorithmSettings: poolAlgorithm,
      downResponse,
      controlPlaneHmOnly: fc.boolean(),
    },
    { requiredKeys: [] },
  );
  const split = fc.uniqueArray(
    fc.record({ cluster: name, weight, priority: fc.nat() }, { requiredKeys: ['cluster'] }),
    { maxLength: 4, selector: (t) => t.cluster },
  );
  const publicIP = subList(members).chain((cs) =>
    fc.tuple(...cs.map((c) => ipAddress.map((ip) => ({ cluster: c, ip })))),
  );
  return fc
    .tuple(fc.domain(), optional, healthMonitors, split, publicIP)
    .map(([fqdn, o, hm, trafficSplit, pub]) => ({
      fqdn,
      ...o,
      ...hm,
      trafficSplit,
      publicIP: pub,
    }));
}

function ghr(spec: unknown): GslbHostRule {
  return { metadata: { name: 'shop', namespace: 'web' }, spec } as GslbHostRule;
}

const validGhr = distinctNames(1, 4).chain((members) =>
  validSpec(members).map((spec) => ({ obj: ghr(spec), ctx: { memberClusters: members } })),
);

function check(spec: GslbHostRuleSpec, ctx: GslbHostRuleValidationContext): readonly string[] {
  return validateGslbHostRule(deepFreeze(ghr(spec)), ctx).problems.map((p) => p.path);
}

describe('GSLBHostRule validation (properties)', () => {
  validatorProperties<GslbHostRuleValidationContext>({
    shape: GSLB_HOST_RULE_SHAPE,
    success: GHR_ACCEPTED,
    valid: validGhr,
    validate: (obj, ctx) => validateGslbHostRule(obj as GslbHostRule, ctx),
  });

  it('rejects a missing or empty fqdn at spec.fqdn', () => {
    fc.assert(
      fc.property(validGhr, fc.boolean(), ({ obj, ctx }, empty) => {
        const rest: GslbHostRuleSpec = { ...obj.spec };
        delete rest.fqdn;
        assert.deepEqual(check(empty ? { ...rest, fqdn: '' } : rest, ctx), ['spec.fqdn']);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('rejects a third-party VIP that is not an IP at that member', () => {
    const notIp = fc.string().filter((s) => !/^[0-9a-fA-F:.]+$/.test(s) || s === '');
    fc.assert(
      fc.property(validGhr, notIp, ({ obj, ctx }, vip) => {
        const members = [...(obj.spec?.thirdPartyMembers ?? []), { vip, site: 'dc' }];
        const at = `spec.thirdPartyMembers[${members.length - 1}].vip`;
        assert.deepEqual(check({ ...obj.spec, thirdPartyMembers: members }, ctx), [at]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('rejects a negative traffic split priority at that entry', () => {
    fc.assert(
      fc.property(validGhr, fc.integer({ max: -1 }), ({ obj, ctx }, prio) => {
        const split = [...(obj.spec?.trafficSplit ?? [])];
        fc.pre(split.every((t) => t.cluster !== '\u0000'));
        const trafficSplit = [...split, { cluster: '\u0000', weight: 1, priority: prio }];
        const at = `spec.trafficSplit[${split.length}].priority`;
        assert.deepEqual(check({ ...obj.spec, trafficSplit }, ctx), [at]);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
