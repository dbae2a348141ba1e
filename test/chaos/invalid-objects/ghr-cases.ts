/**
 * Invalid GSLBHostRules, each a new rule for a host that has a GslbService (so accepting it
 * would change that GslbService): refused by the schema, or `Rejected` by amko with AMKO's
 * error text; plus a second valid rule for a host that already has one.
 */
import { GHR_FQDN_TAKEN } from '../../../src/shared/crd/gslb-host-rule.js';
import { DEFAULT_THIRD_PARTY_SITE } from '../../../src/sim/avi-controller/default-seed.js';
import { APP_NS, create, HOSTS, type InvalidCase } from './invalid-case.js';

const KIND = 'GSLBHostRule';
const FQDN = HOSTS[1] ?? '';

function api(name: string, rule: string, spec: Record<string, unknown>): InvalidCase {
  return {
    kind: KIND,
    name,
    action: create(APP_NS, rule, { fqdn: FQDN, ...spec }),
    refusedBy: 'apiserver',
  };
}

/** A rule named `rule` whose refusal text is `message(rule)`. */
function amko(
  name: string,
  rule: string,
  spec: Record<string, unknown>,
  message: (rule: string) => string,
): InvalidCase {
  return {
    kind: KIND,
    name,
    action: create(APP_NS, rule, { fqdn: FQDN, ...spec }),
    refusedBy: 'amko',
    message: message(rule),
  };
}

const SCHEMA: readonly InvalidCase[] = [
  api('ttl above 86400', 'ttl-high', { ttl: 86401 }),
  api('negative ttl', 'ttl-negative', { ttl: -5 }),
  api('trafficSplit weight 21', 'weight-high', {
    trafficSplit: [{ cluster: 'cluster1', weight: 21 }],
  }),
  api('negative trafficSplit priority', 'priority-negative', {
    trafficSplit: [{ cluster: 'cluster1', priority: -1 }],
  }),
  api('publicIP entry without ip', 'public-ip-missing', { publicIP: [{ cluster: 'cluster1' }] }),
  api('unknown down response type', 'down-type', { downResponse: { type: 'GSLB_SERVICE_DOWN_X' } }),
  api('hashMask 32', 'hash-mask-high', {
    poolAlgorithmSettings: { lbAlgorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH', hashMask: 32 },
  }),
  api('hashMask with round robin (CEL)', 'hash-mask-rr', {
    poolAlgorithmSettings: { lbAlgorithm: 'GSLB_ALGORITHM_ROUND_ROBIN', hashMask: 8 },
  }),
  api('thirdPartyMembers not a list', 'third-party-type', { thirdPartyMembers: 'dc-legacy' }),
  {
    kind: KIND,
    name: 'a GSLBHostRule without spec',
    action: create(APP_NS, 'no-spec'),
    refusedBy: 'apiserver',
  },
];

const SEMANTIC: readonly InvalidCase[] = [
  {
    kind: KIND,
    name: 'no fqdn',
    action: create(APP_NS, 'no-fqdn', { ttl: 10 }),
    refusedBy: 'amko',
    message: 'GSFqdn missing for no-fqdn GSLBHostRule',
  },
  amko(
    'site persistence enabled without a profile',
    'persist-no-profile',
    { sitePersistence: { enabled: true } },
    (r) => `SitePersistence Profile  error for ${r} GSLBHostRule`,
  ),
  amko(
    'unknown site persistence profile',
    'persist-unknown',
    { sitePersistence: { enabled: true, profileRef: 'no-such-profile' } },
    (r) => `SitePersistence Profile no-such-profile error for ${r} GSLBHostRule`,
  ),
  amko(
    'unknown PKI profile',
    'pki-unknown',
    { sitePersistence: { enabled: false, pkiProfileRef: 'no-such-pki' } },
    (r) => `PKI Profile no-such-pki error for ${r} GSLBHostRule`,
  ),
  amko(
    'third-party member VIP that is not an IP',
    'third-party-vip',
    { thirdPartyMembers: [{ site: DEFAULT_THIRD_PARTY_SITE, vip: '10.0.0' }] },
    (r) =>
      `Invalid VIP for thirdPartyMember site ${DEFAULT_THIRD_PARTY_SITE},${r} GSLBHostRule (expecting IP address)`,
  ),
  amko(
    'unknown third-party site',
    'third-party-site',
    { thirdPartyMembers: [{ site: 'nowhere', vip: '10.0.0.9' }] },
    (r) => `ThirdPartyMember site nowhere does not exist for ${r} GSLBHostRule`,
  ),
  amko(
    'publicIP for a cluster not in the GSLBConfig',
    'public-ip-cluster',
    { publicIP: [{ cluster: 'cluster9', ip: '192.0.2.9' }] },
    () => 'cluster cluster9 in Public IP  not present in GSLBConfig',
  ),
  amko(
    'publicIP that is not an IP',
    'public-ip-bad',
    { publicIP: [{ cluster: 'cluster1', ip: 'example.com' }] },
    (r) => `Invalid IP for site cluster1,${r} GSLBHostRule (expecting IP address)`,
  ),
  amko(
    'unknown health monitor ref',
    'hm-unknown',
    { healthMonitorRefs: ['no-such-hm'] },
    (r) => `Health Monitor Ref no-such-hm error for ${r} GSLBHostRule`,
  ),
  amko(
    'health monitor template that is not federated',
    'hm-template-local',
    { healthMonitorTemplate: 'System-HTTP' },
    () => 'health monitor template System-HTTP not federated',
  ),
  amko(
    'fallback IP that is not an IP',
    'fallback-bad',
    { downResponse: { type: 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP', fallbackIP: '10.1.1.300' } },
    () => 'Fallback IP 10.1.1.300 is not valid',
  ),
  amko(
    'duplicate cluster in trafficSplit',
    'split-duplicate',
    {
      trafficSplit: [
        { cluster: 'cluster1', weight: 2 },
        { cluster: 'cluster1', weight: 3 },
      ],
    },
    () => 'duplicate cluster cluster1 in trafficSplit',
  ),
  {
    kind: KIND,
    name: 'a second rule for an FQDN that has one',
    action: create(APP_NS, 'a-rule-again', { fqdn: HOSTS[0], ttl: 41 }),
    refusedBy: 'amko',
    message: GHR_FQDN_TAKEN,
  },
];

export const GHR_CASES: readonly InvalidCase[] = [...SCHEMA, ...SEMANTIC];
