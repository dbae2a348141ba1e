import assert from 'node:assert/strict';
import type { GdpSpec } from '../../shared/crd/global-deployment-policy.js';
import type { TrackedObject } from '../ingestion/tracked-object.js';
import type { AcceptedGdp, AcceptedGhr } from './accepted-policy.js';
import { effectivePolicy } from './effective-policy.js';
import {
  isSyncVipOnly,
  selectObject,
  type NamespaceInfo,
  type SelectionContext,
} from './select.js';

const obj = (over: Partial<TrackedObject> = {}): TrackedObject => ({
  kind: 'INGRESS',
  cluster: 'c1',
  namespace: 'web',
  name: 'ing/shop.example.com',
  objectName: 'ing',
  hostname: 'shop.example.com',
  ip: '10.0.0.1',
  labels: { app: 'gslb' },
  paths: ['/'],
  tls: false,
  passthrough: false,
  vsUuid: 'vs',
  controllerUuid: 'ctl',
  tenant: undefined,
  ...over,
});

function ctx(gdp: GdpSpec | undefined, ns: Record<string, NamespaceInfo> = {}): SelectionContext {
  return {
    gdp,
    defaultTenant: 'admin',
    customFqdn: false,
    namespace: (_c, n) => ns[n],
    globalFqdn: () => undefined,
  };
}

const gdp: GdpSpec = {
  matchRules: { appSelector: { label: { app: 'gslb' } } },
  matchClusters: [{ cluster: 'c1' }, { cluster: 'c2', syncVipOnly: true }],
};

describe('selection', () => {
  it('selects by app label in matched clusters only', () => {
    assert.deepEqual(selectObject(obj(), ctx(gdp)), {
      accepted: true,
      tenant: 'admin',
      gsName: 'shop.example.com',
    });
    assert.equal(selectObject(obj({ labels: {} }), ctx(gdp)).accepted, false);
    assert.equal(selectObject(obj({ cluster: 'c3' }), ctx(gdp)).accepted, false);
    assert.equal(selectObject(obj(), ctx(undefined)).accepted, false);
  });

  it('ANDs the namespace selector with the app selector; neither selects nothing', () => {
    const both: GdpSpec = {
      ...gdp,
      matchRules: { ...gdp.matchRules, namespaceSelector: { label: { env: 'prod' } } },
    };
    const prod = { web: { labels: { env: 'prod' }, tenant: undefined } };
    assert.equal(selectObject(obj(), ctx(both, prod)).accepted, true);
    assert.equal(selectObject(obj(), ctx(both, {})).accepted, false);
    assert.equal(selectObject(obj({ labels: {} }), ctx(both, prod)).accepted, false);
    const nsOnly: GdpSpec = {
      ...both,
      matchRules: { namespaceSelector: { label: { env: 'prod' } } },
    };
    assert.equal(selectObject(obj({ labels: {} }), ctx(nsOnly, prod)).accepted, true);
    assert.equal(selectObject(obj(), ctx({ ...gdp, matchRules: {} })).accepted, false);
  });

  it('applies the tenant rules: namespace tenant wins, a disagreeing object is ignored', () => {
    const ns = { web: { labels: {}, tenant: 'retail' } };
    assert.deepEqual(selectObject(obj({ tenant: 'retail' }), ctx(gdp, ns)), {
      accepted: true,
      tenant: 'retail',
      gsName: 'shop.example.com',
    });
    assert.equal(selectObject(obj({ tenant: 'other' }), ctx(gdp, ns)).accepted, false);
    const noNsTenant = selectObject(obj({ tenant: 'other' }), ctx(gdp));
    assert.ok(noNsTenant.accepted && noNsTenant.tenant === 'admin');
  });

  it('names the GS after the global FQDN in custom mode and rejects unmapped or passthrough', () => {
    const custom: SelectionContext = {
      ...ctx(gdp),
      customFqdn: true,
      globalFqdn: (c, h) =>
        c === 'c1' && h === 'shop.example.com' ? 'shop.global.com' : undefined,
    };
    const s = selectObject(obj(), custom);
    assert.ok(s.accepted && s.gsName === 'shop.global.com');
    assert.equal(selectObject(obj({ hostname: 'x.example.com' }), custom).accepted, false);
    assert.equal(selectObject(obj({ passthrough: true }), custom).accepted, false);
  });

  it('knows syncVipOnly clusters', () => {
    assert.equal(isSyncVipOnly(gdp, 'c2'), true);
    assert.equal(isSyncVipOnly(gdp, 'c1'), false);
  });
});

describe('effective policy', () => {
  const g: AcceptedGdp = {
    namespace: 'avi-system',
    name: 'gdp',
    spec: {
      ...gdp,
      ttl: 30,
      trafficSplit: [{ cluster: 'c1', weight: 5, priority: 20 }],
      healthMonitorRefs: ['hm-a'],
      sitePersistenceRef: 'gap-1',
      downResponse: { type: 'GSLB_SERVICE_DOWN_RESPONSE_EMPTY' },
    },
  };
  const h: AcceptedGhr = {
    namespace: 'avi-system',
    name: 'ghr',
    spec: {
      fqdn: 'shop.example.com',
      ttl: 10,
      trafficSplit: [{ cluster: 'c2', weight: 7, priority: 3 }],
      sitePersistence: { enabled: false },
      thirdPartyMembers: [{ site: 'legacy', vip: '10.9.9.9' }],
      publicIP: [{ cluster: 'c1', ip: '1.2.3.4' }],
      healthMonitorTemplate: 'tmpl',
    },
    template: { name: 'tmpl', request: 'GET /healthz HTTP/1.1', codes: ['HTTP_2XX'] },
  };

  it('falls back to GDP values and defaults', () => {
    const p = effectivePolicy(g, undefined);
    assert.equal(p.ttl, 30);
    assert.equal(p.weight('c1'), 5);
    assert.equal(p.priority('c1'), 20);
    assert.equal(p.weight('c9'), 1);
    assert.equal(p.priority('c9'), 10);
    assert.deepEqual(p.healthMonitors, { kind: 'refs', refs: ['hm-a'] });
    assert.deepEqual(p.sitePersistence, { profile: 'gap-1' });
  });

  it('lets the GSLBHostRule win property by property', () => {
    const p = effectivePolicy(g, h);
    assert.equal(p.ttl, 10);
    assert.equal(p.sitePersistence, undefined, 'enabled: false turns persistence off');
    assert.equal(p.weight('c2'), 7);
    assert.equal(p.weight('c1'), 5, 'clusters the rule does not name keep GDP values');
    assert.equal(p.publicIp('c1'), '1.2.3.4');
    assert.equal(p.healthMonitors.kind, 'amko');
    assert.deepEqual(p.thirdPartyMembers, [
      { site: 'legacy', vip: '10.9.9.9', weight: 1, priority: 1 },
    ]);
    assert.deepEqual(p.downResponse, { type: 'GSLB_SERVICE_DOWN_RESPONSE_EMPTY' });
  });

  it('controlPlaneHmOnly means no monitors at all', () => {
    const p = effectivePolicy({ ...g, spec: { ...g.spec, controlPlaneHmOnly: true } }, undefined);
    assert.deepEqual(p.healthMonitors, { kind: 'none' });
    assert.equal(p.controlPlaneHmOnly, true);
  });
});
