import assert from 'node:assert/strict';
import type { GslbPool, GslbPoolMember, GslbService } from '../../shared/avi/types.js';
import { canonicalJson } from '../../shared/federation/canonical-json.js';
import { gslbServiceChecksum, projectGslbService, type RefResolver } from './projection.js';

const resolve: RefResolver = (type, ref) => `${type}:${ref}`;

const member = (i: number, extra: Partial<GslbPoolMember> = {}): GslbPoolMember => ({
  ip: { addr: `10.0.${Math.floor(i / 250)}.${i % 250}`, type: 'V4' },
  ratio: 1 + (i % 3),
  enabled: true,
  vs_uuid: `virtualservice-${i}`,
  cluster_uuid: `cluster-${i % 4}`,
  ...extra,
});

const pool = (priority: number, members: GslbPoolMember[]): GslbPool => ({
  name: `amko-gs-group-${priority}`,
  priority,
  enabled: true,
  algorithm: 'GSLB_ALGORITHM_ROUND_ROBIN',
  members,
});

const gs = (groups: GslbPool[]): GslbService => ({
  name: 'shop.example.com',
  domain_names: ['shop.example.com'],
  description: 'INGRESS/c1/web/shop,INGRESS/c2/web/shop',
  groups,
});

/** A deterministic shuffle (a linear congruential generator seeded by `seed`). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('projection of a GslbService', () => {
  const members = Array.from({ length: 20 }, (_, i) => member(i));
  const base = gs([pool(10, members.slice(0, 12)), pool(20, members.slice(12))]);

  it('gives one checksum whatever the order of pools and of their members', () => {
    const want = gslbServiceChecksum(base, resolve);
    for (let seed = 1; seed <= 25; seed++) {
      const [a, b] = [shuffled(members.slice(0, 12), seed), shuffled(members.slice(12), seed + 99)];
      const groups = seed % 2 === 0 ? [pool(10, a), pool(20, b)] : [pool(20, b), pool(10, a)];
      assert.equal(gslbServiceChecksum(gs(groups), resolve), want, `permutation ${seed}`);
    }
  });

  it('orders pools and members by their content, the same for the desired and the read object', () => {
    const projected = projectGslbService(base, resolve) as {
      groups: { priority: number; members: { vs: string }[] }[];
    };
    const reversed = projectGslbService(
      gs([
        pool(20, [...members.slice(12)].reverse()),
        pool(10, [...members.slice(0, 12)].reverse()),
      ]),
      resolve,
    );
    assert.deepEqual(reversed, projected);
    assert.deepEqual(
      projected.groups.map((g) => g.priority),
      [10, 20],
    );
  });

  it('changes when a member changes, or moves to another pool', () => {
    const want = gslbServiceChecksum(base, resolve);
    const ratio = members.map((m, i) => (i === 7 ? { ...m, ratio: 9 } : m));
    assert.notEqual(
      gslbServiceChecksum(gs([pool(10, ratio.slice(0, 12)), pool(20, ratio.slice(12))]), resolve),
      want,
    );
    assert.notEqual(
      gslbServiceChecksum(
        gs([pool(10, members.slice(0, 11)), pool(20, members.slice(11))]),
        resolve,
      ),
      want,
    );
  });

  it('keeps the order checksums have always had: canonical JSON compared by localeCompare', () => {
    // IPv6 addresses and mixed-case uuids: here code-unit order and localeCompare disagree.
    const odd = [
      member(1, { ip: { addr: '2001:db8::1', type: 'V6' } }),
      member(2, { ip: { addr: '2001:db8:0:1::1', type: 'V6' } }),
      member(3, { ip: { addr: '2001:db80::1', type: 'V6' } }),
      member(4, { vs_uuid: 'virtualservice-B' }),
      member(4, { vs_uuid: 'virtualservice-a' }),
      member(4, { vs_uuid: 'virtualservice_a' }),
    ];
    const projected = projectGslbService(gs([pool(10, shuffled(odd, 7))]), resolve) as {
      groups: { members: unknown[] }[];
    };
    const members = projected.groups[0]?.members ?? [];
    const keys = members.map((m) => canonicalJson(m));
    assert.deepEqual(
      keys,
      [...keys].sort((a, b) => a.localeCompare(b)),
      'sorted as localeCompare sorts',
    );
    assert.notDeepEqual(keys, [...keys].sort(), 'a set where code-unit order differs');
  });
});
