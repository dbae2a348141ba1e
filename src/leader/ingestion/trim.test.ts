import assert from 'node:assert/strict';
import fc from 'fast-check';
import type {
  V1Ingress,
  V1ManagedFieldsEntry,
  V1Namespace,
  V1Service,
} from '@kubernetes/client-node';
import { parseHostRule, type AkoHostRule } from './parse-host-rule.js';
import { parseIngress } from './parse-ingress.js';
import { parseRoute, type Route } from './parse-route.js';
import { parseLbService } from './parse-service.js';
import { trimHostRule, trimIngress, trimNamespace, trimRoute, trimService } from './trim.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const host = fc.constantFrom('a.example.com', 'b.example.com', '', 'c.example.com');
const ip = fc.constantFrom('10.0.0.1', '10.0.0.2', 'not-an-ip', '');

/** Metadata with everything the API server adds, so that trimming has work to do. */
const metadata = fc.record({
  name: fc.constantFrom('one', 'two'),
  namespace: fc.constantFrom('web', 'shop'),
  resourceVersion: fc.constantFrom('1', '42'),
  uid: fc.uuid(),
  creationTimestamp: fc.date({
    min: new Date('2020-01-01T00:00:00Z'),
    max: new Date('2030-01-01T00:00:00Z'),
    noInvalidDate: true,
  }),
  labels: fc.dictionary(fc.constantFrom('app', 'gslb'), fc.constantFrom('x', 'yes')),
  annotations: fc.record(
    {
      'ako.vmware.com/host-fqdn-vs-uuid-map': fc.constant(
        JSON.stringify({ 'a.example.com': 'vs-a', 'b.example.com': 'vs-b' }),
      ),
      'ako.vmware.com/controller-cluster-uuid': fc.constant('cluster-x'),
      'ako.vmware.com/tenant-name': fc.constantFrom('', 'retail'),
      'ako.vmware.com/enable-tls': fc.constant('true'),
      'passthrough.ako.vmware.com/enabled': fc.constantFrom('true', 'false'),
      [LAST_APPLIED]: fc.constant('{"apiVersion":"v1"}'),
    },
    { requiredKeys: [] },
  ),
  managedFields: fc.constant<V1ManagedFieldsEntry[]>([
    { manager: 'kubectl', operation: 'Update', fieldsV1: { f: {} } },
  ]),
});

const lbStatus = fc.record({
  loadBalancer: fc.record(
    { ingress: fc.array(fc.record({ ip, hostname: host, ipMode: fc.constant('VIP') })) },
    { requiredKeys: [] },
  ),
});

const ingress: fc.Arbitrary<V1Ingress> = fc.record(
  {
    metadata,
    spec: fc.record(
      {
        ingressClassName: fc.constant('avi'),
        rules: fc.array(
          fc.record(
            {
              host,
              http: fc.record({
                paths: fc.array(
                  fc.record({
                    path: fc.constantFrom('/', '', '/cart'),
                    pathType: fc.constant('Prefix'),
                    backend: fc.constant({ service: { name: 'b', port: { number: 80 } } }),
                  }),
                ),
              }),
            },
            { requiredKeys: [] },
          ),
        ),
        tls: fc.array(fc.record({ hosts: fc.array(host), secretName: fc.constant('tls') })),
      },
      { requiredKeys: [] },
    ),
    status: lbStatus,
  },
  { requiredKeys: ['metadata'] },
);

const service: fc.Arbitrary<V1Service> = fc.record(
  {
    metadata,
    spec: fc.record(
      {
        type: fc.constantFrom('LoadBalancer', 'ClusterIP'),
        clusterIP: fc.constant('10.96.0.1'),
        ports: fc.array(
          fc.record(
            {
              port: fc.integer({ min: 1, max: 9000 }),
              protocol: fc.constantFrom('TCP', 'UDP', 'SCTP', ''),
              targetPort: fc.constant(8080),
            },
            { requiredKeys: ['port'] },
          ),
        ),
      },
      { requiredKeys: [] },
    ),
    status: lbStatus,
  },
  { requiredKeys: ['metadata'] },
);

const route: fc.Arbitrary<Route> = fc.record(
  {
    metadata,
    spec: fc.record(
      {
        host,
        subdomain: fc.constantFrom('app', ''),
        path: fc.constantFrom('/', '', '/x'),
        tls: fc.option(
          fc.record(
            { termination: fc.constantFrom('edge', 'passthrough'), certificate: fc.string() },
            { requiredKeys: [] },
          ),
          { nil: null },
        ),
        to: fc.constant({ kind: 'Service', name: 'b' }),
      },
      { requiredKeys: [] },
    ),
    status: fc.record(
      {
        ingress: fc.array(
          fc.record(
            {
              host,
              routerName: fc.constantFrom('ako-router', 'default'),
              conditions: fc.array(
                fc.record({
                  type: fc.constant('Admitted'),
                  status: fc.constant('True'),
                  reason: fc.constantFrom(
                    '',
                    JSON.stringify({ 'ako.vmware.com/tenant-name': 't1' }),
                  ),
                  message: ip,
                  lastTransitionTime: fc.constant('2024-01-01T00:00:00Z'),
                }),
              ),
            },
            { requiredKeys: [] },
          ),
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['metadata'] },
);

const hostRule: fc.Arbitrary<AkoHostRule> = fc.record(
  {
    metadata,
    spec: fc.record(
      {
        virtualhost: fc.record(
          {
            fqdn: host,
            aliases: fc.array(host),
            gslb: fc.record({ fqdn: host, includeAliases: fc.boolean() }, { requiredKeys: [] }),
            tls: fc.record(
              {
                sslKeyCertificate: fc.record(
                  { name: fc.constantFrom('', 'cert'), type: fc.constant('ref') },
                  { requiredKeys: [] },
                ),
                termination: fc.constant('edge'),
              },
              { requiredKeys: [] },
            ),
            wafPolicy: fc.constant('waf'),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
    status: fc.record(
      { status: fc.constantFrom('Accepted', 'Rejected'), error: fc.string() },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['metadata'] },
);

function assertLean(o: { metadata?: object }): void {
  const m = o.metadata as Record<string, unknown>;
  assert.equal(m['managedFields'], undefined);
  assert.equal(m['uid'], undefined);
  const annotations = (m['annotations'] ?? {}) as Record<string, string>;
  assert.equal(LAST_APPLIED in annotations, false);
}

function assertIdentityKept(full: { metadata?: object }, trimmed: { metadata?: object }): void {
  const pickId = (m: object | undefined): unknown => {
    const r = (m ?? {}) as Record<string, unknown>;
    return [r['name'], r['namespace'], r['resourceVersion'], r['labels']];
  };
  assert.deepEqual(pickId(trimmed.metadata), pickId(full.metadata));
}

describe('cache trimming', () => {
  it('Ingresses parse the same trimmed, without managedFields or last-applied', () => {
    fc.assert(
      fc.property(ingress, (ing) => {
        const t = trimIngress(ing);
        assert.deepEqual(parseIngress(t, 'east'), parseIngress(ing, 'east'));
        assertLean(t);
        assertIdentityKept(ing, t);
        assert.equal(JSON.stringify(t).includes('"service"'), false);
      }),
    );
  });

  it('Services parse the same trimmed', () => {
    fc.assert(
      fc.property(service, (svc) => {
        const t = trimService(svc);
        assert.deepEqual(parseLbService(t, 'east'), parseLbService(svc, 'east'));
        assertLean(t);
        assertIdentityKept(svc, t);
        assert.equal(JSON.stringify(t).includes('clusterIP'), false);
      }),
    );
  });

  it('Routes parse the same trimmed, with and without a default domain', () => {
    fc.assert(
      fc.property(route, fc.constantFrom(undefined, 'apps.example.com'), (r, domain) => {
        const t = trimRoute(r);
        assert.deepEqual(parseRoute(t, 'east', domain), parseRoute(r, 'east', domain));
        assertLean(t);
        assertIdentityKept(r, t);
      }),
    );
  });

  it('HostRules parse the same trimmed', () => {
    fc.assert(
      fc.property(hostRule, (hr) => {
        const t = trimHostRule(hr);
        assert.deepEqual(parseHostRule(t, 'east'), parseHostRule(hr, 'east'));
        assertLean(t);
        assertIdentityKept(hr, t);
        assert.equal(JSON.stringify(t).includes('waf'), false);
      }),
    );
  });

  it('Namespaces keep their labels and AKO annotations only', () => {
    fc.assert(
      fc.property(metadata, (m) => {
        const ns: V1Namespace = { metadata: m, spec: { finalizers: ['kubernetes'] } };
        const t = trimNamespace(ns);
        assertLean(t);
        assertIdentityKept(ns, t);
        assert.equal(t.spec, undefined);
        const kept = Object.fromEntries(
          Object.entries(m.annotations).filter(([k]) => k !== LAST_APPLIED),
        );
        assert.deepEqual({ ...t.metadata?.annotations }, kept);
      }),
    );
  });
});
