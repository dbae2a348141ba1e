import assert from 'node:assert/strict';
import {
  GLOBAL_DEPLOYMENT_POLICY,
  validateGdp,
  withGdpDefaults,
  type GdpSpec,
  type GdpValidationContext,
  type GlobalDeploymentPolicy,
} from './global-deployment-policy.js';
import type { AviHealthMonitorInfo, AviRefLookups } from './gslb-policy-rules.js';

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

const MEMBERS = ['east', 'west'];

function gdp(spec: GdpSpec, namespace = 'avi-system'): GlobalDeploymentPolicy {
  return deepFreeze({
    apiVersion: GLOBAL_DEPLOYMENT_POLICY.apiVersion,
    kind: GLOBAL_DEPLOYMENT_POLICY.kind,
    metadata: { name: 'global-gdp', namespace },
    spec,
  });
}

const BASE: GdpSpec = deepFreeze({
  matchRules: { appSelector: { label: { gslb: 'enabled' } } },
  matchClusters: [{ cluster: 'east' }, { cluster: 'west', syncVipOnly: true }],
  trafficSplit: [
    { cluster: 'east', weight: 15, priority: 20 },
    { cluster: 'west', weight: 5, priority: 10 },
  ],
  ttl: 30,
});

const HMS = new Map<string, AviHealthMonitorInfo>([
  [
    'fed-http',
    { federated: true, type: 'HEALTH_MONITOR_HTTP', httpRequest: 'GET /health HTTP/1.1' },
  ],
  ['local-http', { federated: false, type: 'HEALTH_MONITOR_HTTP', httpRequest: 'GET / HTTP/1.0' }],
  ['fed-tcp', { federated: true, type: 'HEALTH_MONITOR_TCP' }],
  ['fed-bad-req', { federated: true, type: 'HEALTH_MONITOR_HTTPS', httpRequest: 'GET /' }],
]);
const AVI: AviRefLookups = {
  healthMonitors: HMS,
  persistenceProfiles: new Set(['persist-1']),
  pkiProfiles: new Set(['pki-1']),
};
const CTX: GdpValidationContext = { memberClusters: MEMBERS, avi: AVI };

interface InvalidCase {
  readonly name: string;
  readonly spec: GdpSpec;
  readonly namespace?: string;
  readonly ctx?: GdpValidationContext;
  readonly path: string;
  readonly message: string;
}

const INVALID: readonly InvalidCase[] = [
  {
    name: 'namespace other than avi-system',
    spec: BASE,
    namespace: 'default',
    path: 'metadata.namespace',
    message: "GlobalDeploymentPolicy's namespace is not avi-system",
  },
  {
    name: 'empty appSelector key',
    spec: { ...BASE, matchRules: { appSelector: { label: { '': 'x' } } } },
    path: 'spec.matchRules.appSelector.label',
    message: 'label value is missing for key  for appSelector',
  },
  {
    name: 'empty appSelector value',
    spec: { ...BASE, matchRules: { appSelector: { label: { app: '' } } } },
    path: 'spec.matchRules.appSelector.label.app',
    message: 'label key is missing for value  for appSelector',
  },
  {
    name: 'empty namespaceSelector key (suffix glued on, as AMKO writes it)',
    spec: { ...BASE, matchRules: { namespaceSelector: { label: { '': 'prod' } } } },
    path: 'spec.matchRules.namespaceSelector.label',
    message: 'label value is missing for key for namespaceSelector',
  },
  {
    name: 'empty namespaceSelector value',
    spec: { ...BASE, matchRules: { namespaceSelector: { label: { tier: '' } } } },
    path: 'spec.matchRules.namespaceSelector.label.tier',
    message: 'label key is missing for value for namespaceSelector',
  },
  {
    name: 'appSelector with two labels',
    spec: { ...BASE, matchRules: { appSelector: { label: { a: '1', b: '2' } } } },
    path: 'spec.matchRules.appSelector.label',
    message: 'appSelector must have exactly one label, found 2',
  },
  {
    name: 'unknown match cluster',
    spec: { ...BASE, matchClusters: [{ cluster: 'east' }, { cluster: 'south' }] },
    path: 'spec.matchClusters[1].cluster',
    message: 'cluster context south not present in GSLBConfig',
  },
  {
    name: 'duplicate match cluster',
    spec: {
      ...BASE,
      matchClusters: [{ cluster: 'west' }, { cluster: 'east' }, { cluster: 'west' }],
    },
    path: 'spec.matchClusters[2].cluster',
    message: 'duplicate cluster west in matchClusters',
  },
  {
    name: 'unknown traffic split cluster',
    spec: { ...BASE, trafficSplit: [{ cluster: 'north', weight: 1 }] },
    path: 'spec.trafficSplit[0].cluster',
    message: 'cluster north in traffic policy not present in GSLBConfig',
  },
  {
    name: 'duplicate traffic split cluster',
    spec: { ...BASE, trafficSplit: [{ cluster: 'east' }, { cluster: 'east' }] },
    path: 'spec.trafficSplit[1].cluster',
    message: 'duplicate cluster east in trafficSplit',
  },
  {
    name: 'weight 0',
    spec: {
      ...BASE,
      trafficSplit: [
        { cluster: 'east', weight: 1 },
        { cluster: 'west', weight: 0 },
      ],
    },
    path: 'spec.trafficSplit[1].weight',
    message: 'traffic weight 0 must be between 1 and 20',
  },
  {
    name: 'weight 21',
    spec: { ...BASE, trafficSplit: [{ cluster: 'east', weight: 21 }] },
    path: 'spec.trafficSplit[0].weight',
    message: 'traffic weight 21 must be between 1 and 20',
  },
  {
    name: 'priority 101 (AMKO says 1..100 though 0 is accepted)',
    spec: { ...BASE, trafficSplit: [{ cluster: 'west', priority: 101 }] },
    path: 'spec.trafficSplit[0].priority',
    message: 'priority 101 must be between 1 and 100',
  },
  {
    name: 'ttl above one day',
    spec: { ...BASE, ttl: 86401 },
    path: 'spec.ttl',
    message: 'ttl 86401 must be between 0 and 86400',
  },
  {
    name: 'negative ttl',
    spec: { ...BASE, ttl: -1 },
    path: 'spec.ttl',
    message: 'ttl -1 must be between 0 and 86400',
  },
  {
    name: 'HM refs and template together',
    spec: { ...BASE, healthMonitorRefs: ['fed-http'], healthMonitorTemplate: 'fed-http' },
    path: 'spec.healthMonitorTemplate',
    message: 'health monitor reference and template cannot be specified together',
  },
  {
    name: 'template not found',
    spec: { ...BASE, healthMonitorTemplate: 'nope' },
    path: 'spec.healthMonitorTemplate',
    message: 'health monitor template nope not found',
  },
  {
    name: 'template not federated',
    spec: { ...BASE, healthMonitorTemplate: 'local-http' },
    path: 'spec.healthMonitorTemplate',
    message: 'health monitor template local-http not federated',
  },
  {
    name: 'template of a non-path type',
    spec: { ...BASE, healthMonitorTemplate: 'fed-tcp' },
    path: 'spec.healthMonitorTemplate',
    message: 'health monitor template is not supported for non-path based health monitors',
  },
  {
    name: 'template request line of two words',
    spec: { ...BASE, healthMonitorTemplate: 'fed-bad-req' },
    path: 'spec.healthMonitorTemplate',
    message: 'client request header in health monitor template fed-bad-req is invalid',
  },
  {
    name: 'HM ref not federated',
    spec: { ...BASE, healthMonitorRefs: ['fed-http', 'local-http'] },
    path: 'spec.healthMonitorRefs[1]',
    message: 'health monitor ref local-http is invalid',
  },
  {
    name: 'round robin with hashMask',
    spec: {
      ...BASE,
      poolAlgorithmSettings: { lbAlgorithm: 'GSLB_ALGORITHM_ROUND_ROBIN', hashMask: 8 },
    },
    path: 'spec.poolAlgorithmSettings.hashMask',
    message: 'invalid pool algorithm: hashMask not allowed for GSLB_ALGORITHM_ROUND_ROBIN',
  },
  {
    name: 'topology with geoFallback',
    spec: {
      ...BASE,
      poolAlgorithmSettings: {
        lbAlgorithm: 'GSLB_ALGORITHM_TOPOLOGY',
        geoFallback: { lbAlgorithm: 'GSLB_ALGORITHM_ROUND_ROBIN' },
      },
    },
    path: 'spec.poolAlgorithmSettings.geoFallback',
    message: 'invalid pool algorithm: geoFallback not allowed for GSLB_ALGORITHM_TOPOLOGY',
  },
  {
    name: 'consistent hash without hashMask',
    spec: { ...BASE, poolAlgorithmSettings: { lbAlgorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH' } },
    path: 'spec.poolAlgorithmSettings.hashMask',
    message: 'invalid pool algorithm: hashMask is required for ConsistentHash',
  },
  {
    name: 'consistent hash with geoFallback',
    spec: {
      ...BASE,
      poolAlgorithmSettings: {
        lbAlgorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH',
        hashMask: 24,
        geoFallback: { lbAlgorithm: 'GSLB_ALGORITHM_ROUND_ROBIN' },
      },
    },
    path: 'spec.poolAlgorithmSettings.geoFallback',
    message: 'invalid pool algorithm: geoFallback is not allowed with ConsistentHash',
  },
  {
    name: 'consistent hash with hashMask 32',
    spec: {
      ...BASE,
      poolAlgorithmSettings: { lbAlgorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH', hashMask: 32 },
    },
    path: 'spec.poolAlgorithmSettings.hashMask',
    message: 'invalid pool algorithm: hashMask 32 must be between 1 and 31',
  },
  {
    name: 'geo without geoFallback',
    spec: { ...BASE, poolAlgorithmSettings: { lbAlgorithm: 'GSLB_ALGORITHM_GEO' } },
    path: 'spec.poolAlgorithmSettings.geoFallback',
    message:
      'invalid pool algorithm: geoFallback has to be set for Geo, available choices: RoundRobin, ConsistentHash',
  },
  {
    name: 'geo with round robin fallback and hashMask',
    spec: {
      ...BASE,
      poolAlgorithmSettings: {
        lbAlgorithm: 'GSLB_ALGORITHM_GEO',
        geoFallback: { lbAlgorithm: 'GSLB_ALGORITHM_ROUND_ROBIN', hashMask: 4 },
      },
    },
    path: 'spec.poolAlgorithmSettings.geoFallback.hashMask',
    message:
      'invalid pool algorithm: hashMask is not allowed with GSLB_ALGORITHM_ROUND_ROBIN as geoFallback algorithm',
  },
  {
    name: 'geo with consistent hash fallback without hashMask',
    spec: {
      ...BASE,
      poolAlgorithmSettings: {
        lbAlgorithm: 'GSLB_ALGORITHM_GEO',
        geoFallback: { lbAlgorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH' },
      },
    },
    path: 'spec.poolAlgorithmSettings.geoFallback.hashMask',
    message:
      'invalid pool algorithm: hashMask is required for GSLB_ALGORITHM_CONSISTENT_HASH as the geoFallback algorithm',
  },
  {
    name: 'geo with unsupported fallback',
    spec: {
      ...BASE,
      poolAlgorithmSettings: {
        lbAlgorithm: 'GSLB_ALGORITHM_GEO',
        geoFallback: { lbAlgorithm: 'GSLB_ALGORITHM_TOPOLOGY' as 'GSLB_ALGORITHM_ROUND_ROBIN' },
      },
    },
    path: 'spec.poolAlgorithmSettings.geoFallback.lbAlgorithm',
    message:
      'invalid pool algorithm: unsupported algorithm GSLB_ALGORITHM_TOPOLOGY for geoFallback',
  },
  {
    name: 'unsupported lbAlgorithm',
    spec: { ...BASE, poolAlgorithmSettings: { lbAlgorithm: 'FASTEST' as 'GSLB_ALGORITHM_GEO' } },
    path: 'spec.poolAlgorithmSettings.lbAlgorithm',
    message: 'invalid pool algorithm: unsupported lbAlgorithm FASTEST',
  },
  {
    name: 'empty site persistence ref',
    spec: { ...BASE, sitePersistenceRef: '' },
    path: 'spec.sitePersistenceRef',
    message: 'empty string as site persistence reference not supported',
  },
  {
    name: 'unknown site persistence ref',
    spec: { ...BASE, sitePersistenceRef: 'persist-9' },
    path: 'spec.sitePersistenceRef',
    message: 'site persistence ref persist-9 not present',
  },
  {
    name: 'empty PKI profile ref',
    spec: { ...BASE, pkiProfileRef: '' },
    path: 'spec.pkiProfileRef',
    message: 'empty string as pki profile reference not supported',
  },
  {
    name: 'unknown PKI profile ref',
    spec: { ...BASE, pkiProfileRef: 'pki-9' },
    path: 'spec.pkiProfileRef',
    message: 'pki profile ref pki-9 not present',
  },
  {
    name: 'fallback IP type without IP',
    spec: { ...BASE, downResponse: { type: 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP' } },
    path: 'spec.downResponse.fallbackIP',
    message:
      'invalid down response configuration: Fallback IP is required for GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP',
  },
  {
    name: 'fallback IP that is not an IP',
    spec: {
      ...BASE,
      downResponse: { type: 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP', fallbackIP: '10.0.0.300' },
    },
    path: 'spec.downResponse.fallbackIP',
    message: 'invalid down response configuration: Fallback IP 10.0.0.300 is not valid',
  },
  {
    name: 'fallback IP with another type',
    spec: {
      ...BASE,
      downResponse: { type: 'GSLB_SERVICE_DOWN_RESPONSE_EMPTY', fallbackIP: '192.0.2.1' },
    },
    path: 'spec.downResponse.fallbackIP',
    message:
      'invalid down response configuration: Fallback IP is not allowed for GSLB_SERVICE_DOWN_RESPONSE_EMPTY',
  },
];

describe('validateGdp', () => {
  describe('rejects', () => {
    for (const c of INVALID) {
      it(c.name, () => {
        const r = validateGdp(gdp(c.spec, c.namespace), c.ctx ?? CTX);
        assert.deepEqual(r.problems, [{ path: c.path, message: c.message }]);
        assert.equal(r.status, c.message);
        assert.deepEqual(r.statusFields, { errorStatus: c.message });
      });
    }
  });

  const VALID: readonly { name: string; spec: GdpSpec; ctx?: GdpValidationContext }[] = [
    { name: 'the base policy', spec: BASE },
    { name: 'an empty spec (selects nothing)', spec: {} },
    {
      name: 'selectors without labels, as AMKO leaves them (the same as none)',
      spec: {
        ...BASE,
        matchRules: { appSelector: { label: { gslb: 'enabled' } }, namespaceSelector: {} },
      },
    },
    {
      name: 'a namespaceSelector with an empty label map',
      spec: {
        ...BASE,
        matchRules: {
          appSelector: { label: { gslb: 'enabled' } },
          namespaceSelector: { label: {} },
        },
      },
    },
    {
      name: 'both selectors, template, persistence, geo with CH fallback and fallback IP',
      spec: {
        ...BASE,
        matchRules: {
          appSelector: { label: { a: 'b' } },
          namespaceSelector: { label: { t: 'p' } },
        },
        healthMonitorTemplate: 'fed-http',
        sitePersistenceRef: 'persist-1',
        pkiProfileRef: 'pki-1',
        poolAlgorithmSettings: {
          lbAlgorithm: 'GSLB_ALGORITHM_GEO',
          geoFallback: { lbAlgorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH', hashMask: 24 },
        },
        downResponse: { type: 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP', fallbackIP: '2001:db8::7' },
        ttl: 0,
      },
    },
    {
      name: 'priority 0 and weight 20, consistent hash with mask 31',
      spec: {
        ...BASE,
        trafficSplit: [{ cluster: 'east', weight: 20, priority: 0 }],
        poolAlgorithmSettings: { lbAlgorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH', hashMask: 31 },
        healthMonitorRefs: ['fed-http'],
      },
    },
    {
      name: 'a namespaceSelector without labels, as AMKO leaves it (= absent)',
      spec: { ...BASE, matchRules: { ...BASE.matchRules, namespaceSelector: {} } },
    },
    {
      name: 'unknown Avi names when the caller made no look-ups',
      spec: { ...BASE, healthMonitorRefs: ['anything'], sitePersistenceRef: 'whatever' },
      ctx: { memberClusters: MEMBERS },
    },
  ];
  for (const v of VALID) {
    it(`accepts ${v.name}`, () => {
      const r = validateGdp(gdp(v.spec), v.ctx ?? CTX);
      assert.deepEqual(r.problems, []);
      assert.equal(r.status, 'success');
      assert.deepEqual(r.statusFields, { errorStatus: 'success' });
    });
  }

  it('returns every problem in check order, status being the first', () => {
    const r = validateGdp(
      gdp(
        {
          matchClusters: [{ cluster: 'x' }],
          trafficSplit: [{ cluster: 'east', weight: 30, priority: 200 }],
          downResponse: { type: 'GSLB_SERVICE_DOWN_RESPONSE_NONE', fallbackIP: '1.2.3.4' },
        },
        'kube-system',
      ),
      CTX,
    );
    assert.deepEqual(
      r.problems.map((p) => p.path),
      [
        'metadata.namespace',
        'spec.matchClusters[0].cluster',
        'spec.trafficSplit[0].weight',
        'spec.trafficSplit[0].priority',
        'spec.downResponse.fallbackIP',
      ],
    );
    assert.equal(r.status, "GlobalDeploymentPolicy's namespace is not avi-system");
  });
});

describe('GDP defaults', () => {
  it('fills weight 1, priority 10, syncVipOnly false, round robin, no control-plane-only', () => {
    const spec = deepFreeze<GdpSpec>({
      matchClusters: [{ cluster: 'east' }, { cluster: 'west', syncVipOnly: true }],
      trafficSplit: [{ cluster: 'east' }, { cluster: 'west', weight: 5, priority: 0 }],
    });
    assert.deepEqual(withGdpDefaults(spec), {
      matchClusters: [
        { cluster: 'east', syncVipOnly: false },
        { cluster: 'west', syncVipOnly: true },
      ],
      trafficSplit: [
        { cluster: 'east', weight: 1, priority: 10 },
        { cluster: 'west', weight: 5, priority: 0 },
      ],
      poolAlgorithmSettings: { lbAlgorithm: 'GSLB_ALGORITHM_ROUND_ROBIN' },
      controlPlaneHmOnly: false,
    });
  });

  it('names the resource', () => {
    assert.equal(GLOBAL_DEPLOYMENT_POLICY.apiVersion, 'amko.vmware.com/v1alpha2');
    assert.equal(GLOBAL_DEPLOYMENT_POLICY.plural, 'globaldeploymentpolicies');
    assert.deepEqual(GLOBAL_DEPLOYMENT_POLICY.shortNames, ['gdp']);
  });
});
