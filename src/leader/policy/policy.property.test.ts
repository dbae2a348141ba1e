import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deepFreeze } from '../../../test/support/json-arbitraries.js';
import {
  acceptedGdp,
  acceptedGhr,
  gdpSpec,
  loose,
  tracked,
} from '../../../test/support/leader-arbitraries.js';
import type { TrafficSplitEntry } from '../../shared/crd/gslb-policy-types.js';
import { gslbKey } from '../../shared/keys.js';
import type { AcceptedGdp, AcceptedGhr } from './accepted-policy.js';
import { effectivePolicy } from './effective-policy.js';
import { filterReason, selectObject, singleLabel, type SelectionContext } from './select.js';

const RUNS = { numRuns: 300 };

const namespaceInfo = fc.option(
  fc.record({
    labels: fc.dictionary(fc.constantFrom('app', 'tier'), fc.constantFrom('x', 'y'), {
      maxKeys: 2,
    }),
    tenant: fc.option(fc.oneof(loose, fc.constant('team/a')), { nil: undefined }),
  }),
  { nil: undefined },
);

const context: fc.Arbitrary<SelectionContext> = fc
  .record({
    gdp: fc.option(gdpSpec, { nil: undefined }),
    defaultTenant: fc.constantFrom('admin', 'retail'),
    customFqdn: fc.boolean(),
    ns: namespaceInfo,
    fqdn: fc.option(fc.oneof(fc.domain(), loose, fc.constant('a/b.example.com')), {
      nil: undefined,
    }),
  })
  .map(({ gdp, defaultTenant, customFqdn, ns, fqdn }) =>
    deepFreeze({
      gdp,
      defaultTenant,
      customFqdn,
      namespace: () => ns,
      globalFqdn: () => fqdn,
    }),
  );

/** A GDP that selects every object labelled `app: x` in any of the generated clusters. */
const SELECT_ALL = deepFreeze({
  matchRules: { appSelector: { label: { app: 'x' } } },
  matchClusters: ['east', 'west', 'south', 'c/slash', ''].map((c) => ({ cluster: c })),
});

/** Contexts and objects that select often: half the GDPs are SELECT_ALL, objects carry app: x. */
const selecting = fc.tuple(
  tracked.map((o) => ({ ...o, labels: { ...o.labels, app: 'x' } })),
  fc.tuple(context, fc.boolean()).map(([ctx, all]) => (all ? { ...ctx, gdp: SELECT_ALL } : ctx)),
);

/** A GDP and a GSLBHostRule (each possibly absent, both frozen), and a cluster to ask about. */
const policies = fc.tuple(
  fc.option(acceptedGdp.map(deepFreeze), { nil: undefined }),
  fc.option(acceptedGhr.map(deepFreeze), { nil: undefined }),
  fc.constantFrom('east', 'west', 'south'),
);

/** TTL and down response as the rule says: the GSLBHostRule's when set, else the GDP's. */
function overridden(g: AcceptedGdp | undefined, h: AcceptedGhr | undefined): object {
  const ghr = h?.spec ?? {};
  const gdp = g?.spec ?? {};
  return { ttl: ghr.ttl ?? gdp.ttl, downResponse: ghr.downResponse ?? gdp.downResponse };
}

/** The GSLBHostRule's traffic split entry for `c` (the first one), or an empty one. */
function ghrEntry(h: AcceptedGhr | undefined, c: string): TrafficSplitEntry {
  return (h?.spec.trafficSplit ?? []).find((t) => t.cluster === c) ?? {};
}

describe('policy (properties)', () => {
  it('selection never throws, is deterministic, and an accepted object always has a GslbKey', () => {
    fc.assert(
      fc.property(selecting, ([o, ctx]) => {
        const sel = selectObject(deepFreeze(o), ctx);
        assert.deepEqual(selectObject(o, ctx), sel);
        if (sel.accepted) assert.doesNotThrow(() => gslbKey(sel.tenant, sel.gsName));
      }),
      RUNS,
    );
  });

  it("puts an accepted object in its namespace's tenant, else the default tenant", () => {
    fc.assert(
      fc.property(selecting, ([o, ctx]) => {
        const sel = selectObject(o, ctx);
        const nsTenant = ctx.namespace(o.cluster, o.namespace)?.tenant;
        if (sel.accepted) assert.equal(sel.tenant, nsTenant || ctx.defaultTenant);
        if (nsTenant && (o.tenant ?? ctx.defaultTenant) !== nsTenant) {
          assert.equal(sel.accepted, false);
        }
      }),
      RUNS,
    );
  });

  it('selects nothing outside matchClusters or without a one-label selector', () => {
    fc.assert(
      fc.property(tracked, context, (o, ctx) => {
        const gdp = ctx.gdp;
        const inClusters = (gdp?.matchClusters ?? []).some((m) => m.cluster === o.cluster);
        const rules = gdp?.matchRules;
        const anySelector =
          singleLabel(rules?.appSelector) ?? singleLabel(rules?.namespaceSelector);
        if (!inClusters || !anySelector) {
          assert.equal(selectObject(o, ctx).accepted, false);
          assert.notEqual(filterReason(o, gdp, ctx.namespace(o.cluster, o.namespace)), undefined);
        }
      }),
      RUNS,
    );
  });

  it('names the GslbService after the host, or in custom FQDN mode after the mapped FQDN', () => {
    fc.assert(
      fc.property(selecting, ([o, ctx]) => {
        const sel = selectObject(o, ctx);
        if (!sel.accepted) return;
        const expected = ctx.customFqdn ? ctx.globalFqdn(o.cluster, o.hostname) : o.hostname;
        assert.equal(sel.gsName, expected);
        assert.ok(!(ctx.customFqdn && o.passthrough));
      }),
      RUNS,
    );
  });

  it('effective policy: never throws, GSLBHostRule overrides the GDP field by field', () => {
    fc.assert(
      fc.property(policies, ([g, h, c]) => {
        const p = effectivePolicy(g, h);
        assert.deepEqual({ ttl: p.ttl, downResponse: p.downResponse }, overridden(g, h));
        const e = ghrEntry(h, c);
        if (e.weight !== undefined) assert.equal(p.weight(c), e.weight);
        if (e.priority !== undefined) assert.equal(p.priority(c), e.priority);
      }),
      RUNS,
    );
  });

  it('effective policy: control-plane-only means no monitors; third-party members are complete', () => {
    fc.assert(
      fc.property(policies, ([g, h]) => {
        const p = effectivePolicy(g, h);
        if (p.controlPlaneHmOnly) assert.deepEqual(p.healthMonitors, { kind: 'none' });
        assert.ok(p.thirdPartyMembers.every((m) => m.site !== '' && m.vip !== ''));
      }),
      RUNS,
    );
  });
});
