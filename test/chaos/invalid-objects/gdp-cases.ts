/**
 * Invalid GlobalDeploymentPolicies: edits of the GDP in force on the leader (AMKO keeps the
 * previous policy in force and reports the first problem in `errorStatus`), a second GDP, and
 * edits of the replica on a follower (refused by the schema, or put back by drift repair).
 */
import { AVI_SYSTEM } from '../../../src/shared/crd/common.js';
import { GDP_ALREADY_EXISTS } from '../../../src/shared/crd/global-deployment-policy.js';
import { BASE_GDP, create, edit, FOLLOWER, GDP_KEY, type InvalidCase } from './invalid-case.js';

const KIND = 'GlobalDeploymentPolicy';
export const DRIFT_REPAIRED = 'replica edited locally: restored the replicated content';

const gdp = (patch: Record<string, unknown>): Record<string, unknown> => ({
  ...BASE_GDP,
  ...patch,
});

function api(name: string, patch: Record<string, unknown>): InvalidCase {
  return { kind: KIND, name, action: edit(GDP_KEY, gdp(patch)), refusedBy: 'apiserver' };
}

function amko(name: string, patch: Record<string, unknown>, message: string): InvalidCase {
  return { kind: KIND, name, action: edit(GDP_KEY, gdp(patch)), refusedBy: 'amko', message };
}

const SCHEMA: readonly InvalidCase[] = [
  api('trafficSplit weight 0', { trafficSplit: [{ cluster: 'cluster1', weight: 0 }] }),
  api('trafficSplit weight 21', { trafficSplit: [{ cluster: 'cluster1', weight: 21 }] }),
  api('trafficSplit priority 101', { trafficSplit: [{ cluster: 'cluster1', priority: 101 }] }),
  api('ttl above 86400', { ttl: 86401 }),
  api('negative ttl', { ttl: -1 }),
  api('ttl as a string', { ttl: '30' }),
  api('matchClusters not a list', { matchClusters: 'cluster1' }),
  api('unknown lbAlgorithm', { poolAlgorithmSettings: { lbAlgorithm: 'GSLB_ALGORITHM_FASTEST' } }),
  api('consistent hash without hashMask (CEL)', {
    poolAlgorithmSettings: { lbAlgorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH' },
  }),
  api('geo without geoFallback (CEL)', {
    poolAlgorithmSettings: { lbAlgorithm: 'GSLB_ALGORITHM_GEO' },
  }),
  api('downResponse without type', { downResponse: { fallbackIP: '10.0.0.1' } }),
  api('fallbackIP with down response NONE (CEL)', {
    downResponse: { type: 'GSLB_SERVICE_DOWN_RESPONSE_NONE', fallbackIP: '10.0.0.1' },
  }),
  api('healthMonitorRefs and healthMonitorTemplate together (CEL)', {
    healthMonitorRefs: ['System-GSLB-HTTP'],
    healthMonitorTemplate: 'System-GSLB-HTTP',
  }),
  {
    kind: KIND,
    name: 'a GDP without spec',
    action: create(AVI_SYSTEM, 'no-spec-gdp'),
    refusedBy: 'apiserver',
  },
];

const SEMANTIC: readonly InvalidCase[] = [
  amko(
    'matchClusters names a cluster not in the GSLBConfig',
    { matchClusters: [{ cluster: 'cluster1' }, { cluster: 'cluster9' }] },
    'cluster context cluster9 not present in GSLBConfig',
  ),
  amko(
    'duplicate cluster in matchClusters',
    { matchClusters: [{ cluster: 'cluster1' }, { cluster: 'cluster2' }, { cluster: 'cluster2' }] },
    'duplicate cluster cluster2 in matchClusters',
  ),
  amko(
    'trafficSplit names a cluster not in the GSLBConfig',
    { trafficSplit: [{ cluster: 'cluster9', weight: 5 }] },
    'cluster cluster9 in traffic policy not present in GSLBConfig',
  ),
  amko(
    'duplicate cluster in trafficSplit',
    {
      trafficSplit: [
        { cluster: 'cluster1', weight: 5 },
        { cluster: 'cluster1', weight: 7 },
      ],
    },
    'duplicate cluster cluster1 in trafficSplit',
  ),
  amko(
    'appSelector label with an empty value',
    { matchRules: { appSelector: { label: { gslb: '' } } } },
    'label key is missing for value  for appSelector',
  ),
  amko(
    'appSelector with two labels',
    { matchRules: { appSelector: { label: { gslb: 'chaos', tier: 'web' } } } },
    'appSelector must have exactly one label, found 2',
  ),
  amko(
    'namespaceSelector label with an empty key',
    {
      matchRules: {
        appSelector: { label: { gslb: 'chaos' } },
        namespaceSelector: { label: { '': 'prod' } },
      },
    },
    'label value is missing for key for namespaceSelector',
  ),
  amko(
    'unknown health monitor ref',
    { healthMonitorRefs: ['no-such-hm'] },
    'health monitor ref no-such-hm is invalid',
  ),
  amko(
    'health monitor ref that is not federated',
    { healthMonitorRefs: ['System-HTTP'] },
    'health monitor ref System-HTTP is invalid',
  ),
  amko(
    'unknown health monitor template',
    { healthMonitorTemplate: 'no-such-hm' },
    'health monitor template no-such-hm not found',
  ),
  amko(
    'TCP health monitor as template',
    { healthMonitorTemplate: 'System-GSLB-TCP' },
    'health monitor template is not supported for non-path based health monitors',
  ),
  amko(
    'empty site persistence ref',
    { sitePersistenceRef: '' },
    'empty string as site persistence reference not supported',
  ),
  amko(
    'unknown site persistence ref',
    { sitePersistenceRef: 'no-such-profile' },
    'site persistence ref no-such-profile not present',
  ),
  amko(
    'unknown PKI profile ref',
    { pkiProfileRef: 'no-such-pki' },
    'pki profile ref no-such-pki not present',
  ),
  amko(
    'fallback IP that is not an IP',
    { downResponse: { type: 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP', fallbackIP: '300.1.2.3' } },
    'invalid down response configuration: Fallback IP 300.1.2.3 is not valid',
  ),
  {
    kind: KIND,
    name: 'a second GDP in avi-system',
    action: create(AVI_SYSTEM, 'second-gdp', gdp({ ttl: 5 })),
    refusedBy: 'amko',
    message: GDP_ALREADY_EXISTS,
  },
];

const ON_FOLLOWER: readonly InvalidCase[] = [
  {
    kind: KIND,
    name: 'follower: user edit of the replica naming an unknown cluster',
    cluster: FOLLOWER,
    action: edit(GDP_KEY, gdp({ matchClusters: [{ cluster: 'cluster9' }] })),
    refusedBy: 'amko',
    shows: 'repair',
    message: DRIFT_REPAIRED,
  },
  {
    kind: KIND,
    name: 'follower: user edit of the replica with weight 50',
    cluster: FOLLOWER,
    action: edit(GDP_KEY, gdp({ trafficSplit: [{ cluster: 'cluster1', weight: 50 }] })),
    refusedBy: 'apiserver',
  },
  {
    kind: KIND,
    name: 'follower: GDP created directly with a bad priority',
    cluster: FOLLOWER,
    action: create(
      AVI_SYSTEM,
      'local-gdp',
      gdp({ trafficSplit: [{ cluster: 'cluster2', priority: -3 }] }),
    ),
    refusedBy: 'apiserver',
  },
];

export const GDP_CASES: readonly InvalidCase[] = [...SCHEMA, ...SEMANTIC, ...ON_FOLLOWER];
