import assert from 'node:assert/strict';
import type { AviHealthMonitorInfo, AviRefLookups } from './gslb-policy-rules.js';
import {
  GSLB_HOST_RULE,
  validateGslbHostRule,
  withGslbHostRuleDefaults,
  type GslbHostRule,
  type GslbHostRuleSpec,
  type GslbHostRuleValidationContext,
} from './gslb-host-rule.js';

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

function ghr(spec: GslbHostRuleSpec, namespace = 'shop'): GslbHostRule {
  return deepFreeze({
    apiVersion: GSLB_HOST_RULE.apiVersion,
    kind: GSLB_HOST_RULE.kind,
    metadata: { name: 'shop-overrides', namespace },
    spec,
  });
}

const BASE: GslbHostRuleSpec = deepFreeze({
  fqdn: 'shop.example.net',
  ttl: 10,
  sitePersistence: { enabled: true, profileRef: 'persist-1', pkiProfileRef: 'pki-1' },
  thirdPartyMembers: [{ site: 'dc-legacy', vip: '10.20.30.40', publicIP: '198.51.100.40' }],
  publicIP: [{ cluster: 'east', ip: '192.0.2.50' }],
  healthMonitorRefs: ['fed-http'],
  trafficSplit: [{ cluster: 'east', weight: 3, priority: 150 }],
});

const AVI: AviRefLookups = {
  healthMonitors: new Map<string, AviHealthMonitorInfo>([
    ['fed-http', { federated: true, type: 'HEALTH_MONITOR_HTTP', httpRequest: 'GET / HTTP/1.1' }],
    [
      'local-http',
      { federated: false, type: 'HEALTH_MONITOR_HTTP', httpRequest: 'GET / HTTP/1.1' },
    ],
    ['fed-udp', { federated: true, type: 'HEALTH_MONITOR_UDP' }],
  ]),
  persistenceProfiles: new Set(['persist-1']),
  pkiProfiles: new Set(['pki-1']),
  thirdPartySites: new Set(['dc-legacy']),
};
const CTX: GslbHostRuleValidationContext = { memberClusters: ['east', 'west'], avi: AVI };
const N = 'shop-overrides';

interface InvalidCase {
  readonly name: string;
  readonly spec: GslbHostRuleSpec;
  readonly ctx?: GslbHostRuleValidationContext;
  readonly path: string;
  readonly message: string;
}

const INVALID: readonly InvalidCase[] = [
  {
    name: 'fqdn missing',
    spec: { ...BASE, fqdn: '' },
    path: 'spec.fqdn',
    message: `GSFqdn missing for ${N} GSLBHostRule`,
  },
  {
    name: 'persistence enabled without a profile',
    spec: { ...BASE, sitePersistence: { enabled: true } },
    path: 'spec.sitePersistence.profileRef',
    message: `SitePersistence Profile  error for ${N} GSLBHostRule`,
  },
  {
    name: 'persistence profile not on the controller',
    spec: { ...BASE, sitePersistence: { enabled: true, profileRef: 'persist-2' } },
    path: 'spec.sitePersistence.profileRef',
    message: `SitePersistence Profile persist-2 error for ${N} GSLBHostRule`,
  },
  {
    name: 'PKI profile not on the controller',
    spec: { ...BASE, sitePersistence: { enabled: false, pkiProfileRef: 'pki-2' } },
    path: 'spec.sitePersistence.pkiProfileRef',
    message: `PKI Profile pki-2 error for ${N} GSLBHostRule`,
  },
  {
    name: 'empty PKI profile',
    spec: {
      ...BASE,
      sitePersistence: { enabled: true, profileRef: 'persist-1', pkiProfileRef: '' },
    },
    path: 'spec.sitePersistence.pkiProfileRef',
    message: `PKI Profile  error for ${N} GSLBHostRule`,
  },
  {
    name: 'pool algorithm: consistent hash without mask',
    spec: { ...BASE, poolAlgorithmSettings: { lbAlgorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH' } },
    path: 'spec.poolAlgorithmSettings.hashMask',
    message: 'Invalid Pool Algorithm: hashMask is required for ConsistentHash',
  },
  {
    name: 'pool algorithm: geo without fallback',
    spec: { ...BASE, poolAlgorithmSettings: { lbAlgorithm: 'GSLB_ALGORITHM_GEO' } },
    path: 'spec.poolAlgorithmSettings.geoFallback',
    message:
      'Invalid Pool Algorithm: geoFallback has to be set for Geo, available choices: RoundRobin, ConsistentHash',
  },
  {
    name: 'third-party VIP that is a hostname',
    spec: { ...BASE, thirdPartyMembers: [{ site: 'dc-legacy', vip: 'legacy.example.net' }] },
    path: 'spec.thirdPartyMembers[0].vip',
    message: `Invalid VIP for thirdPartyMember site dc-legacy,${N} GSLBHostRule (expecting IP address)`,
  },
  {
    name: 'third-party site unknown to Avi',
    spec: {
      ...BASE,
      thirdPartyMembers: [
        { site: 'dc-legacy', vip: '10.0.0.1' },
        { site: 'dc-gone', vip: '10.0.0.2' },
      ],
    },
    path: 'spec.thirdPartyMembers[1].site',
    message: `ThirdPartyMember site dc-gone does not exist for ${N} GSLBHostRule`,
  },
  {
    name: 'third-party public IP that is not an IP',
    spec: { ...BASE, thirdPartyMembers: [{ site: 'dc-legacy', vip: '10.0.0.1', publicIP: 'nat' }] },
    path: 'spec.thirdPartyMembers[0].publicIP',
    message: `Invalid public IP nat for thirdPartyMember site dc-legacy,${N} GSLBHostRule (expecting IP address)`,
  },
  {
    name: 'public IP of a non-member cluster (two spaces, as AMKO writes it)',
    spec: { ...BASE, publicIP: [{ cluster: 'south', ip: '192.0.2.9' }] },
    path: 'spec.publicIP[0].cluster',
    message: 'cluster south in Public IP  not present in GSLBConfig',
  },
  {
    name: 'public IP that does not parse',
    spec: {
      ...BASE,
      publicIP: [
        { cluster: 'east', ip: '192.0.2.9' },
        { cluster: 'west', ip: '2001:db8::zz' },
      ],
    },
    path: 'spec.publicIP[1].ip',
    message: `Invalid IP for site west,${N} GSLBHostRule (expecting IP address)`,
  },
  {
    name: 'public IP listed twice for one cluster',
    spec: {
      ...BASE,
      publicIP: [
        { cluster: 'east', ip: '192.0.2.9' },
        { cluster: 'east', ip: '192.0.2.10' },
      ],
    },
    path: 'spec.publicIP[1].cluster',
    message: 'duplicate cluster east in publicIP',
  },
  {
    name: 'HM refs and template together',
    spec: { ...BASE, healthMonitorTemplate: 'fed-http' },
    path: 'spec.healthMonitorTemplate',
    message: `health monitor reference and template cannot be specified together for ${N} GSLBHostRule`,
  },
  {
    name: 'template of a non-path type',
    spec: { ...BASE, healthMonitorRefs: [], healthMonitorTemplate: 'fed-udp' },
    path: 'spec.healthMonitorTemplate',
    message: 'health monitor template is not supported for non-path based health monitors',
  },
  {
    name: 'HM ref not federated',
    spec: { ...BASE, healthMonitorRefs: ['local-http'] },
    path: 'spec.healthMonitorRefs[0]',
    message: `Health Monitor Ref local-http error for ${N} GSLBHostRule`,
  },
  {
    name: 'HM ref missing',
    spec: { ...BASE, healthMonitorRefs: ['fed-http', 'gone'] },
    path: 'spec.healthMonitorRefs[1]',
    message: `Health Monitor Ref gone error for ${N} GSLBHostRule`,
  },
  {
    name: 'fallback IP required',
    spec: {
      ...BASE,
      downResponse: { type: 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP', fallbackIP: '' },
    },
    path: 'spec.downResponse.fallbackIP',
    message: 'Fallback IP is required for GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP',
  },
  {
    name: 'fallback IP not allowed',
    spec: {
      ...BASE,
      downResponse: { type: 'GSLB_SERVICE_DOWN_RESPONSE_ALL_RECORDS', fallbackIP: '192.0.2.1' },
    },
    path: 'spec.downResponse.fallbackIP',
    message: 'Fallback IP is not allowed for GSLB_SERVICE_DOWN_RESPONSE_ALL_RECORDS',
  },
  {
    name: 'ttl above one day',
    spec: { ...BASE, ttl: 100000 },
    path: 'spec.ttl',
    message: 'ttl 100000 must be between 0 and 86400',
  },
  {
    name: 'weight 25',
    spec: { ...BASE, trafficSplit: [{ cluster: 'east', weight: 25 }] },
    path: 'spec.trafficSplit[0].weight',
    message: 'traffic weight 25 must be between 1 and 20',
  },
  {
    name: 'negative priority',
    spec: { ...BASE, trafficSplit: [{ cluster: 'east', priority: -1 }] },
    path: 'spec.trafficSplit[0].priority',
    message: 'priority -1 must not be negative',
  },
];

describe('validateGslbHostRule', () => {
  describe('rejects', () => {
    for (const c of INVALID) {
      it(c.name, () => {
        const r = validateGslbHostRule(ghr(c.spec), c.ctx ?? CTX);
        assert.deepEqual(r.problems, [{ path: c.path, message: c.message }]);
        assert.equal(r.status, c.message);
        assert.deepEqual(r.statusFields, { status: 'Rejected', error: c.message });
      });
    }
  });

  const VALID: readonly {
    name: string;
    spec: GslbHostRuleSpec;
    ctx?: GslbHostRuleValidationContext;
  }[] = [
    { name: 'the base rule, in any namespace, priority above 100', spec: BASE },
    { name: 'only an fqdn', spec: { fqdn: 'a.example.net' } },
    {
      name: 'persistence forced off without a profile, template, IPv6 public IP',
      spec: {
        fqdn: 'b.example.net',
        sitePersistence: { enabled: false },
        healthMonitorTemplate: 'fed-http',
        publicIP: [{ cluster: 'west', ip: '2001:db8::1' }],
        downResponse: { type: 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP', fallbackIP: '192.0.2.7' },
        poolAlgorithmSettings: { lbAlgorithm: 'GSLB_ALGORITHM_TOPOLOGY' },
      },
    },
    {
      name: 'names not looked up, traffic split of a non-member cluster',
      spec: {
        fqdn: 'c.example.net',
        sitePersistence: { enabled: true, profileRef: 'any' },
        thirdPartyMembers: [{ site: 'anywhere', vip: '10.1.1.1' }],
        trafficSplit: [{ cluster: 'elsewhere', weight: 1, priority: 0 }],
      },
      ctx: { memberClusters: ['east'] },
    },
  ];
  for (const v of VALID) {
    it(`accepts ${v.name}`, () => {
      const r = validateGslbHostRule(ghr(v.spec), v.ctx ?? CTX);
      assert.deepEqual(r.problems, []);
      assert.equal(r.status, 'Accepted');
      assert.deepEqual(r.statusFields, { status: 'Accepted', error: '' });
    });
  }

  it('returns every problem in AMKO order', () => {
    const r = validateGslbHostRule(
      ghr({
        fqdn: '',
        publicIP: [{ cluster: 'south', ip: 'x' }],
        thirdPartyMembers: [{ site: 'dc-legacy', vip: 'y' }],
      }),
      CTX,
    );
    assert.deepEqual(
      r.problems.map((p) => p.path),
      [
        'spec.fqdn',
        'spec.thirdPartyMembers[0].vip',
        'spec.publicIP[0].cluster',
        'spec.publicIP[0].ip',
      ],
    );
    assert.equal(r.statusFields.error, `GSFqdn missing for ${N} GSLBHostRule`);
  });
});

describe('GSLBHostRule defaults', () => {
  it('fills weight 1 and priority 1 (not the GDP priority)', () => {
    const spec = deepFreeze<GslbHostRuleSpec>({
      fqdn: 'a.example.net',
      trafficSplit: [{ cluster: 'east' }, { cluster: 'west', weight: 4, priority: 7 }],
    });
    assert.deepEqual(withGslbHostRuleDefaults(spec).trafficSplit, [
      { cluster: 'east', weight: 1, priority: 1 },
      { cluster: 'west', weight: 4, priority: 7 },
    ]);
    assert.deepEqual(withGslbHostRuleDefaults({ fqdn: 'x' }), { fqdn: 'x' });
  });

  it('names the resource', () => {
    assert.equal(GSLB_HOST_RULE.apiVersion, 'amko.vmware.com/v1alpha1');
    assert.equal(GSLB_HOST_RULE.plural, 'gslbhostrules');
    assert.deepEqual(GSLB_HOST_RULE.shortNames, ['ghr']);
  });
});
