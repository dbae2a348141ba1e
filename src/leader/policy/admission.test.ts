import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { AcceptedGdp, AcceptedGhr } from './accepted-policy.js';
import {
  admitGdps,
  admitGhrs,
  precedence,
  type Candidate,
  type GhrInForce,
  type GhrStatus,
} from './admission.js';

const ALREADY = "a GDP object already exists, can't add another";
const TAKEN = "there's an existing GSLBHostRule for the same FQDN";
const OK: GhrStatus = { status: 'Accepted', error: '' };

const obj = (name: string, created: string, uid = name): KubernetesObject => ({
  metadata: { name, namespace: 'avi-system', uid, creationTimestamp: new Date(created) },
});

const gdp = (name: string, ttl: number): AcceptedGdp => ({
  namespace: 'avi-system',
  name,
  spec: { ttl },
});
const goodGdp = (uid: string, ttl = 30): Candidate<string, AcceptedGdp> => ({
  uid,
  verdict: { status: 'success', accepted: gdp(uid, ttl) },
});
const badGdp = (uid: string, status = 'cluster context c9 not present in GSLBConfig') => ({
  uid,
  verdict: { status },
});

const rule = (name: string, fqdn: string, ttl = 10): AcceptedGhr => ({
  namespace: 'ns',
  name,
  spec: { fqdn, ttl },
});
const goodGhr = (uid: string, fqdn: string, ttl = 10): Candidate<GhrStatus, AcceptedGhr> => ({
  uid,
  verdict: { status: OK, accepted: rule(uid, fqdn, ttl) },
});

describe('precedence', () => {
  it('puts the preferred object first, then the oldest, then by namespace/name', () => {
    const objs = [
      obj('c', '2026-01-03T00:00:00Z'),
      obj('b', '2026-01-01T00:00:00Z'),
      obj('a', '2026-01-01T00:00:00Z'),
      obj('z', '2026-01-05T00:00:00Z'),
    ];
    const names = (list: KubernetesObject[]): (string | undefined)[] =>
      list.map((o) => o.metadata?.name);
    assert.deepEqual(names(precedence(objs, () => false)), ['a', 'b', 'c', 'z']);
    assert.deepEqual(names(precedence(objs, (o) => o.metadata?.name === 'z')), [
      'z',
      'a',
      'b',
      'c',
    ]);
  });

  it('compares listed Date and watched string timestamps as instants', () => {
    const listed = obj('listed', '2026-01-02T00:00:00Z');
    const watched: KubernetesObject = {
      metadata: { name: 'watched', creationTimestamp: '2026-01-01T00:00:00Z' as unknown as Date },
    };
    assert.equal(precedence([listed, watched], () => false)[0]?.metadata?.name, 'watched');
  });
});

describe('GDP admission', () => {
  it('admits the first valid GDP and refuses every later one', () => {
    const r = admitGdps([goodGdp('g1'), goodGdp('g2', 60)], {
      uid: undefined,
      accepted: undefined,
    });
    assert.equal(r.activeUid, 'g1');
    assert.equal(r.accepted?.spec.ttl, 30);
    assert.deepEqual(r.statuses, [
      { uid: 'g1', status: 'success' },
      { uid: 'g2', status: ALREADY },
    ]);
  });

  it('skips an invalid first GDP and admits the next valid one', () => {
    const r = admitGdps([badGdp('g1'), goodGdp('g2')], { uid: undefined, accepted: undefined });
    assert.equal(r.activeUid, 'g2');
    assert.deepEqual(r.rejected, [{ uid: 'g1', status: badGdp('g1').verdict.status }]);
    assert.deepEqual(
      r.statuses.map((s) => s.status),
      [badGdp('g1').verdict.status, 'success'],
    );
  });

  it('keeps the last good spec of the GDP in force when its update is invalid', () => {
    const previous = { uid: 'g1', accepted: gdp('g1', 30) };
    const r = admitGdps([badGdp('g1'), goodGdp('g2', 60)], previous);
    assert.equal(r.activeUid, 'g1');
    assert.equal(r.accepted?.spec.ttl, 30);
    assert.deepEqual(r.statuses[1], { uid: 'g2', status: ALREADY });
  });

  it('clears the policy when the GDP in force is gone', () => {
    const r = admitGdps([], { uid: 'g1', accepted: gdp('g1', 30) });
    assert.equal(r.activeUid, undefined);
    assert.equal(r.accepted, undefined);
    const next = admitGdps([badGdp('g2')], { uid: 'g1', accepted: gdp('g1', 30) });
    assert.equal(next.accepted, undefined, 'an invalid successor does not inherit the old spec');
  });
});

describe('GSLBHostRule admission', () => {
  it('admits the first valid rule per FQDN and rejects later ones', () => {
    const r = admitGhrs(
      [goodGhr('r1', 'a.example.com'), goodGhr('r2', 'a.example.com', 7), goodGhr('r3', 'b')],
      new Map(),
    );
    assert.equal(r.inForce.get('a.example.com')?.uid, 'r1');
    assert.equal(r.inForce.get('b')?.uid, 'r3');
    assert.deepEqual(r.statuses, [
      { uid: 'r1', status: OK },
      { uid: 'r2', status: { status: 'Rejected', error: TAKEN } },
      { uid: 'r3', status: OK },
    ]);
    assert.deepEqual([...r.changed].sort(), ['a.example.com', 'b']);
  });

  it('lets an invalid rule keep its own error and not claim the FQDN', () => {
    const bad: Candidate<GhrStatus, AcceptedGhr> = {
      uid: 'r1',
      verdict: { status: { status: 'Rejected', error: 'GSFqdn missing for r1 GSLBHostRule' } },
    };
    const r = admitGhrs([bad, goodGhr('r2', 'a')], new Map());
    assert.equal(r.inForce.get('a')?.uid, 'r2');
    assert.deepEqual(r.statuses[0]?.status, bad.verdict.status);
  });

  it('reports only the FQDNs whose rule in force changed', () => {
    const previous = new Map<string, GhrInForce>([
      ['a', { uid: 'r1', rule: rule('r1', 'a') }],
      ['gone', { uid: 'r9', rule: rule('r9', 'gone') }],
    ]);
    const r = admitGhrs([goodGhr('r1', 'a'), goodGhr('r2', 'b', 5)], previous);
    assert.deepEqual([...r.changed].sort(), ['b', 'gone']);
  });
});
