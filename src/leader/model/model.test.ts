import assert from 'node:assert/strict';
import type { TrackedObject } from '../ingestion/tracked-object.js';
import type { AcceptedGdp } from '../policy/accepted-policy.js';
import { effectivePolicy } from '../policy/effective-policy.js';
import { desiredGslbService, needsDefaultPki, type GsMember } from './desired-gslb-service.js';
import { nonPathHmName, pathHmName } from './names.js';

const UUID = '4f8e2a10-1c3b-11ef-9d2e-0242ac120002';

const tracked = (over: Partial<TrackedObject>): TrackedObject => ({
  kind: 'INGRESS',
  cluster: 'site-a',
  namespace: 'web',
  name: 'shop-ing/shop.example.com',
  objectName: 'shop-ing',
  hostname: 'shop.example.com',
  ip: '10.40.1.7',
  labels: {},
  paths: ['/'],
  tls: false,
  passthrough: false,
  vsUuid: 'virtualservice-1a2b3c4d-0000-4000-8000-00000000a001',
  controllerUuid: 'cluster-aaaa1111-2222-4333-8444-555566667777',
  tenant: undefined,
  ...over,
});

const member = (o: TrackedObject, extra: Partial<GsMember> = {}): GsMember => ({
  obj: o,
  tls: o.tls,
  syncVipOnly: false,
  ...extra,
});

const gdp = (spec: AcceptedGdp['spec']): AcceptedGdp => ({
  namespace: 'avi-system',
  name: 'g',
  spec,
});

describe('health monitor names', () => {
  it('match the names AMKO gives', () => {
    assert.equal(
      pathHmName('http', 'shop.example.com', '/'),
      'amko--da3a00f9462b307aca13bb42bbc31a08babaa316',
    );
    assert.equal(
      pathHmName('https', 'shop.example.com', '/cart'),
      'amko--89a42b1f280119706bbec1d40ad24da96cb8b6ea',
    );
    assert.equal(
      nonPathHmName('shop-svc.web.example.com'),
      'amko--3d5ed8add7bdeabdb29042eef570911fb4bd1898',
    );
  });
});

describe('desired GslbService', () => {
  it('builds the spec example: one pool per priority, path monitor, TTL, marks', () => {
    const route = tracked({
      kind: 'ROUTE',
      cluster: 'site-b',
      name: 'shop-route',
      objectName: 'shop-route',
      ip: '10.50.2.9',
      vsUuid: 'virtualservice-1a2b3c4d-0000-4000-8000-00000000b002',
      controllerUuid: 'cluster-bbbb1111-2222-4333-8444-555566667777',
    });
    const policy = effectivePolicy(
      gdp({ ttl: 30, trafficSplit: [{ cluster: 'site-b', weight: 1, priority: 5 }] }),
      undefined,
    );
    const d = desiredGslbService({
      tenant: 'retail',
      gsName: 'shop.example.com',
      members: [member(tracked({})), member(route)],
      policy,
      aliases: [],
      amkoUuid: UUID,
      epoch: 3,
      exists: false,
    });
    assert.ok(d);
    const gs = d.gs;
    assert.equal(
      gs.description,
      'INGRESS/site-a/web/shop-ing/shop.example.com,ROUTE/site-b/web/shop-route',
    );
    assert.equal(gs.created_by, `amko-${UUID}`);
    assert.equal(gs.tenant_ref, '/api/tenant/?name=retail');
    assert.equal(gs.ttl, 30);
    assert.equal(gs.site_persistence_enabled, false);
    assert.deepEqual(gs.health_monitor_refs, [
      '/api/healthmonitor?name=amko--da3a00f9462b307aca13bb42bbc31a08babaa316',
    ]);
    assert.deepEqual(gs.markers, [{ key: 'amko-epoch', values: ['3'] }]);
    assert.deepEqual(
      gs.groups.map((g) => [
        g.name,
        g.priority,
        g.algorithm,
        g.min_health_monitors_up,
        g.members?.[0]?.ip.addr,
      ]),
      [
        ['amko-gs-group-10', 10, 'GSLB_ALGORITHM_ROUND_ROBIN', 2, '10.40.1.7'],
        ['amko-gs-group-5', 5, 'GSLB_ALGORITHM_ROUND_ROBIN', 2, '10.50.2.9'],
      ],
    );
    assert.equal(d.monitors.length, 1);
    const hm = d.monitors[0]!;
    assert.equal(hm.type, 'HEALTH_MONITOR_HTTP');
    assert.equal(hm.monitor_port, 80);
    assert.equal(
      hm.description,
      'created by: amko, gsname: shop.example.com, path: /, protocol: http',
    );
    assert.deepEqual(hm.http_monitor, {
      http_request: 'HEAD / HTTP/1.0',
      http_response_code: ['HTTP_2XX', 'HTTP_3XX'],
    });
    assert.deepEqual(hm.markers, [
      { key: 'created-by', values: [`amko-${UUID}`] },
      { key: 'amko-epoch', values: ['3'] },
    ]);
  });

  it('uses HTTPS monitors when any member is TLS, and the template request line', () => {
    const policy = effectivePolicy(
      {
        ...gdp({ healthMonitorTemplate: 'tmpl' }),
        template: { name: 'tmpl', request: 'GET /healthz HTTP/1.1', codes: ['HTTP_2XX'] },
      },
      undefined,
    );
    const d = desiredGslbService({
      tenant: 'admin',
      gsName: 'shop.example.com',
      members: [member(tracked({ paths: ['/cart'] }), { tls: true })],
      policy,
      aliases: ['alias.example.com'],
      amkoUuid: UUID,
      epoch: 1,
      exists: false,
    });
    const hm = d?.monitors[0];
    assert.equal(hm?.name, 'amko--89a42b1f280119706bbec1d40ad24da96cb8b6ea');
    assert.equal(hm?.type, 'HEALTH_MONITOR_HTTPS');
    assert.deepEqual(hm?.https_monitor, {
      http_request: 'GET /cart HTTP/1.1',
      http_response_code: ['HTTP_2XX'],
    });
    assert.match(hm?.description ?? '', /created from: tmpl$/);
    assert.deepEqual(d?.gs.domain_names, ['shop.example.com', 'alias.example.com']);
  });

  it('drops members without AKO UUIDs unless syncVipOnly, and omits UUIDs for syncVipOnly', () => {
    const policy = effectivePolicy(gdp({}), undefined);
    const noUuid = tracked({ vsUuid: '', controllerUuid: '' });
    const input = {
      tenant: 'admin',
      gsName: 'shop.example.com',
      policy,
      aliases: [],
      amkoUuid: UUID,
      epoch: 1,
      exists: false,
    };
    assert.equal(desiredGslbService({ ...input, members: [member(noUuid)] }), undefined);
    const d = desiredGslbService({
      ...input,
      members: [member(tracked({}), { syncVipOnly: true })],
    });
    assert.deepEqual(d?.gs.groups[0]?.members, [
      { ip: { addr: '10.40.1.7', type: 'V4' }, ratio: 1, enabled: true },
    ]);
  });

  it('makes a TCP/UDP monitor on the lowest Service port, and no monitor with user refs', () => {
    const svc = tracked({
      kind: 'LBSVC',
      name: 'svc',
      paths: [],
      port: 53,
      protocol: 'UDP',
      hostname: 'dns.example.com',
    });
    const base = {
      tenant: 'admin',
      gsName: 'dns.example.com',
      members: [member(svc)],
      aliases: [],
      amkoUuid: UUID,
      epoch: 1,
      exists: false,
    };
    const d = desiredGslbService({ ...base, policy: effectivePolicy(gdp({}), undefined) });
    assert.equal(d?.monitors[0]?.type, 'HEALTH_MONITOR_UDP');
    assert.equal(d?.monitors[0]?.monitor_port, 53);
    const r = desiredGslbService({
      ...base,
      policy: effectivePolicy(gdp({ healthMonitorRefs: ['a', 'b'] }), undefined),
    });
    assert.equal(r?.monitors.length, 0);
    assert.deepEqual(r?.gs.health_monitor_refs, [
      '/api/healthmonitor?name=a',
      '/api/healthmonitor?name=b',
    ]);
    assert.equal(r?.gs.groups[0]?.min_health_monitors_up, 3);
  });

  it('applies site persistence only to TLS GSs, and asks for a default PKI profile', () => {
    const policy = effectivePolicy(gdp({ sitePersistenceRef: 'gap-1' }), undefined);
    const base = {
      tenant: 'admin',
      gsName: 'shop.example.com',
      policy,
      aliases: [],
      amkoUuid: UUID,
      epoch: 1,
      exists: false,
    };
    const insecure = desiredGslbService({ ...base, members: [member(tracked({}))] });
    assert.equal(insecure?.gs.site_persistence_enabled, false);
    const tlsMembers = [member(tracked({}), { tls: true })];
    assert.equal(needsDefaultPki(policy, tlsMembers), true);
    const secure = desiredGslbService({ ...base, members: tlsMembers, defaultPki: 'pki' });
    assert.equal(secure?.gs.site_persistence_enabled, true);
    assert.equal(
      secure?.gs.application_persistence_profile_ref,
      '/api/applicationpersistenceprofile?name=gap-1',
    );
    assert.equal(secure?.gs.pki_profile_ref, '/api/pkiprofile?name=pki');
  });

  it('keeps a GS with only third-party members alive but never creates one for them', () => {
    const policy = effectivePolicy(gdp({}), {
      namespace: 'avi-system',
      name: 'r',
      spec: { fqdn: 'shop.example.com', thirdPartyMembers: [{ site: 'legacy', vip: '10.9.9.9' }] },
    });
    const base = {
      tenant: 'admin',
      gsName: 'shop.example.com',
      policy,
      aliases: [],
      amkoUuid: UUID,
      epoch: 1,
      members: [],
    };
    assert.equal(desiredGslbService({ ...base, exists: false }), undefined);
    const kept = desiredGslbService({ ...base, exists: true });
    assert.deepEqual(
      kept?.gs.groups.map((g) => [g.priority, g.members?.[0]?.ip.addr]),
      [[1, '10.9.9.9']],
    );
    assert.equal(kept?.gs.description, '');
  });

  it('maps pool algorithm and down response settings', () => {
    const policy = effectivePolicy(
      gdp({
        poolAlgorithmSettings: {
          lbAlgorithm: 'GSLB_ALGORITHM_GEO',
          geoFallback: { lbAlgorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH', hashMask: 24 },
        },
        downResponse: { type: 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP', fallbackIP: '203.0.113.7' },
      }),
      undefined,
    );
    const d = desiredGslbService({
      tenant: 'admin',
      gsName: 'shop.example.com',
      members: [member(tracked({}))],
      policy,
      aliases: [],
      amkoUuid: UUID,
      epoch: 1,
      exists: false,
    });
    const g = d?.gs.groups[0];
    assert.equal(g?.algorithm, 'GSLB_ALGORITHM_GEO');
    assert.equal(g?.fallback_algorithm, 'GSLB_ALGORITHM_CONSISTENT_HASH');
    assert.equal(g?.consistent_hash_mask, 24);
    assert.deepEqual(d?.gs.down_response, {
      type: 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP',
      fallback_ip: { addr: '203.0.113.7', type: 'V4' },
    });
  });
});
