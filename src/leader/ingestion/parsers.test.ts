import assert from 'node:assert/strict';
import type { V1Ingress, V1Service } from '@kubernetes/client-node';
import { parseHostRule, type AkoHostRule } from './parse-host-rule.js';
import { parseIngress } from './parse-ingress.js';
import { parseRoute, type Route } from './parse-route.js';
import { parseLbService } from './parse-service.js';
import { memberString } from './tracked-object.js';

/** Fixtures are plain objects standing for client-node's model classes. */
const asIngress = (o: object): V1Ingress => o;
const asService = (o: object): V1Service => o;

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

const vsMap = JSON.stringify({
  'shop.example.com': 'virtualservice-a',
  'cart.example.com': 'virtualservice-b',
});

const ingress = deepFreeze(
  asIngress({
    metadata: {
      name: 'shop-ing',
      namespace: 'web',
      labels: { gslb: 'yes' },
      annotations: {
        'ako.vmware.com/host-fqdn-vs-uuid-map': vsMap,
        'ako.vmware.com/controller-cluster-uuid': 'cluster-x',
        'ako.vmware.com/tenant-name': 'retail',
      },
    },
    spec: {
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: [
              { path: '/cart', pathType: 'Prefix', backend: {} },
              { path: '', pathType: 'Prefix', backend: {} },
              { path: '/cart', pathType: 'Prefix', backend: {} },
            ],
          },
        },
        { host: 'cart.example.com' },
        { host: 'novip.example.com' },
      ],
      tls: [{ hosts: ['cart.example.com'] }],
    },
    status: {
      loadBalancer: {
        ingress: [
          { ip: '10.0.0.1', hostname: 'shop.example.com' },
          { ip: '10.0.0.2', hostname: 'cart.example.com' },
          { ip: 'not-an-ip', hostname: 'novip.example.com' },
        ],
      },
    },
  }),
);

describe('ingestion parsers', () => {
  it('tracks one object per Ingress host with a VIP, with paths, TLS and AKO annotations', () => {
    const out = parseIngress(ingress, 'cluster1');
    assert.equal(out.length, 2);
    const [shop, cart] = out;
    assert.equal(memberString(shop!), 'INGRESS/cluster1/web/shop-ing/shop.example.com');
    assert.deepEqual(shop!.paths, ['/cart', '/']);
    assert.equal(shop!.ip, '10.0.0.1');
    assert.equal(shop!.tls, false);
    assert.equal(shop!.vsUuid, 'virtualservice-a');
    assert.equal(shop!.controllerUuid, 'cluster-x');
    assert.equal(shop!.tenant, 'retail');
    assert.deepEqual(cart!.paths, ['/']);
    assert.equal(cart!.tls, true);
    assert.ok(Object.isFrozen(shop));
  });

  it('reads a Route host, VIP and UUIDs from the AKO status entry, else annotations', () => {
    const reason = JSON.stringify({
      'ako.vmware.com/host-fqdn-vs-uuid-map': JSON.stringify({ 'app.apps.example.com': 'vs-r' }),
      'ako.vmware.com/controller-cluster-uuid': 'cluster-r',
    });
    const route = deepFreeze<Route>({
      metadata: { name: 'app', namespace: 'ns1' },
      spec: { subdomain: 'app', path: '/api', tls: { termination: 'edge' } },
      status: {
        ingress: [
          {
            host: 'app.apps.example.com',
            routerName: 'default',
            conditions: [{ message: '9.9.9.9' }],
          },
          {
            host: 'app.apps.example.com',
            routerName: 'ako-router',
            conditions: [{ reason, message: '10.1.1.1' }],
          },
        ],
      },
    });
    const t = parseRoute(route, 'c2', '.apps.example.com');
    assert.ok(t);
    assert.equal(t.hostname, 'app.apps.example.com');
    assert.equal(t.ip, '10.1.1.1');
    assert.equal(t.vsUuid, 'vs-r');
    assert.equal(t.controllerUuid, 'cluster-r');
    assert.deepEqual(t.paths, ['/api']);
    assert.equal(t.tls, true);
    assert.equal(parseRoute(route, 'c2', undefined), undefined, 'no host without a default domain');
  });

  it('flags a passthrough Route: no paths, port 443 TCP', () => {
    const route: Route = {
      metadata: { name: 'pt', namespace: 'ns1' },
      spec: { host: 'pt.example.com', tls: { termination: 'passthrough' } },
      status: {
        ingress: [
          { host: 'pt.example.com', routerName: 'ako-x', conditions: [{ message: '10.2.2.2' }] },
        ],
      },
    };
    const t = parseRoute(route, 'c1', undefined);
    assert.equal(t?.passthrough, true);
    assert.deepEqual(t?.paths, []);
    assert.equal(t?.port, 443);
  });

  it('tracks only LoadBalancer Services with an IP and hostname, picking the lowest TCP/UDP port', () => {
    const svc = asService({
      metadata: { name: 'dns', namespace: 'ns', annotations: {} },
      spec: {
        type: 'LoadBalancer',
        ports: [
          { port: 8053, protocol: 'UDP' },
          { port: 53, protocol: 'UDP' },
          { port: 10, protocol: 'SCTP' },
          { port: 80 },
        ],
      },
      status: { loadBalancer: { ingress: [{ ip: '10.3.3.3', hostname: 'dns.example.com' }] } },
    });
    const t = parseLbService(svc, 'c1');
    assert.equal(t?.port, 53);
    assert.equal(t?.protocol, 'UDP');
    assert.equal(
      parseLbService(asService({ metadata: svc.metadata, spec: { type: 'ClusterIP' } }), 'c1'),
      undefined,
    );
    const noStatus = asService({ metadata: svc.metadata, spec: svc.spec, status: {} });
    assert.equal(parseLbService(noStatus, 'c1'), undefined);
  });

  it('keeps only accepted HostRules with an FQDN', () => {
    const hr: AkoHostRule = {
      metadata: { name: 'hr', namespace: 'web' },
      spec: {
        virtualhost: {
          fqdn: 'shop.example.com',
          aliases: ['a.example.com', 'a.example.com'],
          gslb: { fqdn: 'shop.global.com', includeAliases: true },
          tls: { sslKeyCertificate: { name: 'cert' } },
        },
      },
      status: { status: 'Accepted' },
    };
    const info = parseHostRule(hr, 'c1');
    assert.deepEqual(info?.aliases, ['a.example.com']);
    assert.equal(info?.gslbFqdn, 'shop.global.com');
    assert.equal(info?.tlsCert, true);
    assert.equal(parseHostRule({ ...hr, status: { status: 'Rejected' } }, 'c1'), undefined);
  });
});
