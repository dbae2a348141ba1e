import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deepFreeze } from '../../../test/support/json-arbitraries.js';
import {
  acceptedGdp,
  acceptedGhr,
  loose,
  tracked,
} from '../../../test/support/leader-arbitraries.js';
import { effectivePolicy } from '../policy/effective-policy.js';
import {
  desiredGslbService,
  eligibleMembers,
  type GsMember,
  type GsModelInput,
} from './desired-gslb-service.js';
import { epochOf, gsNameFromHmDescription, HM_PREFIX, tenantRef } from './names.js';

const RUNS = { numRuns: 200 };

const member: fc.Arbitrary<GsMember> = fc.record({
  obj: tracked,
  tls: fc.boolean(),
  syncVipOnly: fc.boolean(),
});

/** Members that differ in identity, IP and (Services) port, as the member store holds them. */
const distinctMembers = fc
  .uniqueArray(member, {
    maxLength: 6,
    selector: (m) => m.obj.ip,
  })
  .filter((ms) => {
    const ids = ms.map((m) => `${m.obj.kind}/${m.obj.cluster}/${m.obj.namespace}/${m.obj.name}`);
    const ports = ms.filter((m) => m.obj.kind === 'LBSVC').map((m) => m.obj.port);
    return new Set(ids).size === ids.length && new Set(ports).size === ports.length;
  });

function input(members: readonly GsMember[]): fc.Arbitrary<GsModelInput> {
  return fc
    .record({
      tenant: fc.constantFrom('admin', 'retail'),
      gsName: fc.domain(),
      gdp: fc.option(acceptedGdp, { nil: undefined }),
      ghr: fc.option(acceptedGhr, { nil: undefined }),
      aliases: fc.array(fc.oneof(fc.domain(), loose), { maxLength: 3 }),
      amkoUuid: fc.uuid(),
      epoch: fc.nat(),
      defaultPki: fc.option(loose, { nil: undefined }),
      exists: fc.boolean(),
    })
    .map(({ gdp, ghr, defaultPki, ...rest }) => ({
      ...rest,
      members,
      policy: effectivePolicy(gdp, ghr),
      ...(defaultPki === undefined ? {} : { defaultPki }),
    }));
}

const anyInput = fc.array(member, { maxLength: 6 }).chain(input);

/** An input and the same input with its members in another order. */
const permuted = distinctMembers.chain((ms) =>
  fc.tuple(input(ms), fc.shuffledSubarray(ms, { minLength: ms.length, maxLength: ms.length })),
);

describe('desired GslbService (properties)', () => {
  it('never throws and is deterministic', () => {
    fc.assert(
      fc.property(anyInput, (i) => {
        const frozen = deepFreeze(i);
        assert.deepEqual(desiredGslbService(frozen), desiredGslbService(frozen));
      }),
      RUNS,
    );
  });

  it('does not depend on the order of its members', () => {
    fc.assert(
      fc.property(permuted, ([i, reordered]) => {
        assert.deepEqual(desiredGslbService({ ...i, members: reordered }), desiredGslbService(i));
      }),
      RUNS,
    );
  });

  it('exists exactly when a member may join (or third-party members keep it)', () => {
    fc.assert(
      fc.property(anyInput, (i) => {
        const keep = i.exists && i.policy.thirdPartyMembers.length > 0;
        const expected = eligibleMembers(i.members).length > 0 || keep;
        assert.equal(desiredGslbService(i) !== undefined, expected);
      }),
      RUNS,
    );
  });

  it('puts each member IP in exactly one pool; pools by descending priority, members by IP', () => {
    fc.assert(
      fc.property(anyInput, (i) => {
        const d = desiredGslbService(i);
        if (!d) return;
        const groups = d.gs.groups ?? [];
        const ips = groups.flatMap((g) => (g.members ?? []).map((m) => m.ip.addr));
        const expected = [
          ...eligibleMembers(i.members).map((m: GsMember) => m.obj.ip),
          ...i.policy.thirdPartyMembers.map((t) => t.vip),
        ];
        assert.deepEqual([...ips].sort(), [...new Set(expected)].sort());
        const prios = groups.map((g) => g.priority ?? 0);
        assert.ok(
          prios.every((p, k) => k === 0 || p < (prios[k - 1] ?? 0)),
          prios.join(),
        );
        for (const g of groups) {
          const addrs = (g.members ?? []).map((m) => m.ip.addr);
          assert.deepEqual(addrs, [...addrs].sort());
        }
      }),
      RUNS,
    );
  });

  it('names, tenant and epoch: stable names, every object in the tenant, the epoch stamped', () => {
    fc.assert(
      fc.property(anyInput, (i) => {
        const d = desiredGslbService(i);
        if (!d) return;
        assert.equal(d.gs.name, i.gsName);
        assert.equal(d.gs.domain_names?.[0], i.gsName);
        assert.equal(epochOf(d.gs.markers), i.epoch);
        for (const hm of [d.gs, ...d.monitors]) assert.equal(hm.tenant_ref, tenantRef(i.tenant));
        for (const hm of d.monitors) {
          assert.ok(hm.name.startsWith(HM_PREFIX), hm.name);
          assert.equal(epochOf(hm.markers), i.epoch);
          const owner = gsNameFromHmDescription(hm.description);
          assert.ok(owner === i.gsName || owner === undefined, `${owner} in ${hm.description}`);
        }
      }),
      RUNS,
    );
  });

  it('two tenants make two GslbServices that differ only by tenant', () => {
    fc.assert(
      fc.property(anyInput, (i) => {
        const a = desiredGslbService({ ...i, tenant: 'admin' });
        const b = desiredGslbService({ ...i, tenant: 'retail' });
        assert.equal(a === undefined, b === undefined);
        if (a && b) assert.notEqual(a.gs.tenant_ref, b.gs.tenant_ref);
      }),
      RUNS,
    );
  });

  it('reads the epoch of any markers without throwing, as a finite number', () => {
    const markers = fc.option(
      fc.array(
        fc.record(
          { key: fc.oneof(fc.constant('amko-epoch'), loose), values: fc.array(loose) },
          { requiredKeys: ['key'] },
        ),
      ),
      { nil: undefined },
    );
    fc.assert(
      fc.property(markers, (m) => {
        assert.ok(Number.isFinite(epochOf(m)));
      }),
      RUNS,
    );
  });
});
