/** What the simulator knows about each object type it serves. */
export interface TypeInfo {
  /** Prefix of the 409 text on a duplicate name ("Health monitor with this Name …"). */
  readonly label: string;
  /** How a referrer is named in the 409 of a delete ("GslbService shop.example.com"). */
  readonly kind: string;
  /** Methods other than GET the API accepts for this type. */
  readonly writes: readonly ('POST' | 'PUT' | 'PATCH' | 'DELETE')[];
  /** Writes refused on a GSLB follower or in maintenance mode. */
  readonly leaderOnly: boolean;
  /** Controller-wide objects: stored in `admin`, visible from every tenant. */
  readonly global: boolean;
  /** Objects of `admin` that other tenants may read by name and reference. */
  readonly sharedFromAdmin: boolean;
}

const ALL_WRITES = Object.freeze(['POST', 'PUT', 'PATCH', 'DELETE'] as const);

const info = (
  label: string,
  kind: string,
  flags: Partial<Omit<TypeInfo, 'label' | 'kind'>> = {},
): TypeInfo =>
  Object.freeze({
    label,
    kind,
    writes: flags.writes ?? ALL_WRITES,
    leaderOnly: flags.leaderOnly ?? false,
    global: flags.global ?? false,
    sharedFromAdmin: flags.sharedFromAdmin ?? false,
  });

export const OBJECT_TYPES: Readonly<Record<string, TypeInfo>> = Object.freeze({
  gslbservice: info('Gslb service', 'GslbService', { leaderOnly: true }),
  healthmonitor: info('Health monitor', 'HealthMonitor', {
    leaderOnly: true,
    sharedFromAdmin: true,
  }),
  applicationpersistenceprofile: info(
    'Application persistence profile',
    'ApplicationPersistenceProfile',
    { sharedFromAdmin: true },
  ),
  pkiprofile: info('Pki profile', 'PKIProfile', { sharedFromAdmin: true }),
  virtualservice: info('Virtual service', 'VirtualService'),
  cloud: info('Cloud', 'Cloud', { global: true }),
  gslb: info('Gslb', 'Gslb', { global: true, writes: ['PUT', 'PATCH'] }),
  tenant: info('Tenant', 'Tenant', { global: true }),
  cluster: info('Cluster', 'Cluster', { global: true, writes: [] }),
});

export function typeInfo(type: string): TypeInfo | undefined {
  return Object.hasOwn(OBJECT_TYPES, type) ? OBJECT_TYPES[type] : undefined;
}

/** The 409 text for a duplicate (name, tenant). */
export function duplicateText(type: string): string {
  const label = typeInfo(type)?.label ?? type;
  return type === 'tenant'
    ? 'Tenant with this Name already exists.'
    : `${label} with this Name and Tenant ref already exists.`;
}
