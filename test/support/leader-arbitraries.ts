/**
 * fast-check arbitraries of the leader's pure inputs: tracked objects and type-correct (but
 * otherwise arbitrary, so possibly invalid) GDP and GSLBHostRule specs.
 */
import fc from 'fast-check';
import type { TrackedObject } from '../../src/leader/ingestion/tracked-object.js';
import type { AcceptedGdp, AcceptedGhr } from '../../src/leader/policy/accepted-policy.js';
import type { GdpSpec } from '../../src/shared/crd/global-deployment-policy.js';
import type { GslbHostRuleSpec } from '../../src/shared/crd/gslb-host-rule.js';
import { downResponse, poolAlgorithm } from './crd-arbitraries.js';

/** A few cluster names, so that generated objects and policies meet. */
export const cluster = fc.constantFrom('east', 'west', 'south', 'c/slash', '');
/** Any string, biased to a few values that collide. */
export const loose = fc.oneof(fc.constantFrom('a', 'b', 'admin', ''), fc.string({ maxLength: 8 }));
const labels = fc.dictionary(fc.constantFrom('app', 'tier', ''), fc.constantFrom('x', 'y', ''), {
  maxKeys: 2,
});

export const tracked: fc.Arbitrary<TrackedObject> = fc
  .record(
    {
      kind: fc.constantFrom('INGRESS', 'ROUTE', 'LBSVC'),
      cluster,
      namespace: loose,
      name: loose,
      objectName: loose,
      hostname: fc.oneof(fc.domain(), loose),
      ip: fc.oneof(fc.ipV4(), fc.ipV6(), loose),
      labels,
      paths: fc.array(fc.constantFrom('/', '/a', '/b', ''), { maxLength: 3 }),
      tls: fc.boolean(),
      passthrough: fc.boolean(),
      vsUuid: loose,
      controllerUuid: loose,
      tenant: fc.option(loose, { nil: undefined }),
      port: fc.integer({ min: 1, max: 65535 }),
      protocol: fc.constantFrom('TCP', 'UDP'),
    },
    { requiredKeys: ['kind', 'cluster', 'namespace', 'name', 'objectName', 'hostname', 'ip'] },
  )
  .map((o) => ({
    labels: {},
    paths: [],
    tls: false,
    passthrough: false,
    vsUuid: '',
    controllerUuid: '',
    tenant: undefined,
    ...o,
  }));

const split = fc.array(
  fc.record(
    {
      cluster,
      weight: fc.integer({ min: -5, max: 40 }),
      priority: fc.integer({ min: -5, max: 200 }),
    },
    { requiredKeys: [] },
  ),
  { maxLength: 4 },
);
const selector = fc.record({ label: labels }, { requiredKeys: [] });

export const gdpSpec: fc.Arbitrary<GdpSpec> = fc.record(
  {
    matchRules: fc.record(
      { appSelector: selector, namespaceSelector: selector },
      { requiredKeys: [] },
    ),
    matchClusters: fc.array(
      fc.record({ cluster, syncVipOnly: fc.boolean() }, { requiredKeys: [] }),
    ),
    trafficSplit: split,
    ttl: fc.integer({ min: -1, max: 100000 }),
    healthMonitorRefs: fc.array(loose, { maxLength: 2 }),
    healthMonitorTemplate: loose,
    sitePersistenceRef: loose,
    pkiProfileRef: loose,
    poolAlgorithmSettings: poolAlgorithm,
    downResponse,
    controlPlaneHmOnly: fc.boolean(),
  },
  { requiredKeys: [] },
);

export const ghrSpec: fc.Arbitrary<GslbHostRuleSpec> = fc.record(
  {
    fqdn: loose,
    ttl: fc.integer({ min: -1, max: 100000 }),
    sitePersistence: fc.record(
      { enabled: fc.boolean(), profileRef: loose, pkiProfileRef: loose },
      { requiredKeys: [] },
    ),
    thirdPartyMembers: fc.array(
      fc.record(
        { vip: fc.oneof(fc.ipV4(), loose), site: loose, publicIP: loose },
        { requiredKeys: [] },
      ),
      { maxLength: 3 },
    ),
    healthMonitorRefs: fc.array(loose, { maxLength: 2 }),
    healthMonitorTemplate: loose,
    poolAlgorithmSettings: poolAlgorithm,
    trafficSplit: split,
    publicIP: fc.array(fc.record({ cluster, ip: fc.oneof(fc.ipV4(), loose) }), { maxLength: 3 }),
    downResponse,
    controlPlaneHmOnly: fc.boolean(),
  },
  { requiredKeys: [] },
);

const template = fc.record({
  name: loose,
  request: fc.oneof(fc.constant('GET /health HTTP/1.1'), loose),
  codes: fc.array(fc.constantFrom('HTTP_2XX', 'HTTP_4XX'), { maxLength: 2 }),
});

export const acceptedGdp: fc.Arbitrary<AcceptedGdp> = fc.record(
  {
    namespace: fc.constant('avi-system'),
    name: fc.constant('global-gdp'),
    spec: gdpSpec,
    template,
  },
  { requiredKeys: ['namespace', 'name', 'spec'] },
);

export const acceptedGhr: fc.Arbitrary<AcceptedGhr> = fc.record(
  { namespace: loose, name: loose, spec: ghrSpec, template },
  { requiredKeys: ['namespace', 'name', 'spec'] },
);
