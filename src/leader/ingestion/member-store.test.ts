import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gslbKey, memberObjectKey, parseGslbKey, type GslbKey } from '../../shared/keys.js';
import { HostRuleIndex } from './host-rule-index.js';
import { MemberStore } from './member-store.js';
import type { HostRuleInfo } from './parse-host-rule.js';
import type { TrackedObject } from './tracked-object.js';

const obj = (over: Partial<TrackedObject> = {}): TrackedObject => ({
  kind: 'INGRESS',
  cluster: 'c1',
  namespace: 'web',
  name: 'ing/a.example.com',
  objectName: 'ing',
  hostname: 'a.example.com',
  ip: '10.0.0.1',
  labels: { app: 'yes' },
  paths: ['/'],
  tls: false,
  passthrough: false,
  vsUuid: 'vs',
  controllerUuid: 'ctl',
  tenant: undefined,
  ...over,
});

const src = memberObjectKey('INGRESS', 'c1', 'web', 'ing');
const keyA = gslbKey('admin', 'a.example.com');
const keyB = gslbKey('admin', 'b.example.com');

function store(selected: Set<string>): MemberStore {
  return new MemberStore((o): GslbKey | undefined =>
    selected.has(o.namespace) ? gslbKey('admin', o.hostname) : undefined,
  );
}

describe('MemberStore', () => {
  it('indexes selected objects by GS and reports the keys an update touches', () => {
    const s = store(new Set(['web']));
    assert.deepEqual([...s.setSource(src, [obj()])], [keyA]);
    assert.equal(s.members(keyA).length, 1);
    assert.deepEqual([...s.setSource(src, [obj()])], [], 'an identical update changes nothing');
    const moved = s.setSource(src, [obj({ name: 'ing/b.example.com', hostname: 'b.example.com' })]);
    assert.deepEqual([...moved].sort(), [keyA, keyB]);
    assert.deepEqual(s.keys(), [keyB]);
    assert.deepEqual([...s.setSource(src, [])], [keyB]);
    assert.equal(s.size, 0);
  });

  it('re-selects the objects of a namespace when selection changes', () => {
    const selected = new Set<string>();
    const s = store(selected);
    assert.deepEqual([...s.setSource(src, [obj()])], []);
    selected.add('web');
    assert.deepEqual([...s.reselect(s.idsInNamespace('c1', 'web'))], [keyA]);
    assert.deepEqual([...s.reselect()], []);
    selected.clear();
    assert.deepEqual([...s.reselect()], [keyA]);
    assert.deepEqual(s.members(keyA), []);
  });
  it('finds the keys of a name in every tenant as a walk over all keys would', () => {
    const hosts = ['a.example.com', 'b.example.com', 'c.example.com'];
    const op = fc.record({
      ns: fc.constantFrom('web', 'shop', 'off'),
      name: fc.constantFrom('i1', 'i2', 'i3'),
      hosts: fc.subarray(hosts),
      tenant: fc.constantFrom(undefined, 'retail', 'bank'),
      reselect: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const selected = new Set(['web', 'shop']);
        const s = new MemberStore((o): GslbKey | undefined =>
          selected.has(o.namespace) ? gslbKey(o.tenant ?? 'admin', o.hostname) : undefined,
        );
        for (const o of ops) {
          const source = memberObjectKey('INGRESS', 'c1', o.ns, o.name);
          const objs = o.hosts.map((h) =>
            obj({
              namespace: o.ns,
              objectName: o.name,
              name: `${o.name}/${h}`,
              hostname: h,
              tenant: o.tenant,
            }),
          );
          s.setSource(source, objs);
          if (o.reselect) {
            if (selected.has('shop')) selected.delete('shop');
            else selected.add('shop');
            s.reselect();
          }
          for (const h of hosts) {
            const walked = s.keys().filter((k) => parseGslbKey(k).gsName === h);
            assert.deepEqual(s.keysNamed(h).sort(), walked.sort());
          }
        }
        assert.deepEqual(s.keysNamed('a/b'), [], 'a name with the separator has no key');
      }),
      { numRuns: 200 },
    );
  });
});

describe('HostRuleIndex', () => {
  const rule = (over: Partial<HostRuleInfo>): HostRuleInfo => ({
    cluster: 'c1',
    namespace: 'web',
    name: 'hr',
    fqdn: 'a.example.com',
    aliases: [],
    gslbFqdn: '',
    includeAliases: false,
    tlsCert: false,
    created: 0,
    ...over,
  });

  it('maps local to global FQDNs and reports the hosts a change concerns', () => {
    const idx = new HostRuleIndex();
    assert.deepEqual(idx.set('c1', 'web', 'hr', rule({ gslbFqdn: 'g.example.com' })), [
      'a.example.com',
    ]);
    assert.equal(idx.globalFqdn('c1', 'a.example.com'), 'g.example.com');
    assert.equal(idx.globalFqdn('c2', 'a.example.com'), undefined);
    const hosts = idx.set('c1', 'web', 'hr', rule({ fqdn: 'z.example.com' }));
    assert.deepEqual(hosts.sort(), ['a.example.com', 'z.example.com']);
    assert.equal(idx.globalFqdn('c1', 'a.example.com'), undefined);
  });

  it('gives aliases per mode and TLS only in the rule namespace', () => {
    const idx = new HostRuleIndex();
    idx.set(
      'c1',
      'web',
      'hr',
      rule({ aliases: ['x.example.com'], tlsCert: true, gslbFqdn: 'g.example.com' }),
    );
    const members = [{ cluster: 'c1', hostname: 'a.example.com' }];
    assert.deepEqual(idx.aliases('a.example.com', members, false), ['x.example.com']);
    assert.deepEqual(idx.aliases('g.example.com', members, true), [], 'includeAliases is off');
    idx.set(
      'c1',
      'web',
      'hr',
      rule({ aliases: ['x.example.com'], gslbFqdn: 'g.example.com', includeAliases: true }),
    );
    assert.deepEqual(idx.aliases('g.example.com', members, true), ['x.example.com']);
    idx.set('c1', 'web', 'hr', rule({ tlsCert: true }));
    assert.equal(idx.tlsCert('c1', 'web', 'a.example.com'), true);
    assert.equal(idx.tlsCert('c1', 'other', 'a.example.com'), false);
  });
});
