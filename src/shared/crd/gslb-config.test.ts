import assert from 'node:assert/strict';
import {
  GSLB_CONFIG,
  memberClusterNames,
  validateGslbConfig,
  withGslbConfigDefaults,
  type GslbConfig,
  type GslbConfigSpec,
  type GslbConfigValidationContext,
} from './gslb-config.js';

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

const UUID = '6f1c2d3e-4a5b-11ef-9c8d-0242ac120002';

function gc(spec: GslbConfigSpec, meta: { namespace?: string; uuid?: string } = {}): GslbConfig {
  return deepFreeze({
    apiVersion: GSLB_CONFIG.apiVersion,
    kind: GSLB_CONFIG.kind,
    metadata: {
      name: 'gc-1',
      namespace: meta.namespace ?? 'avi-system',
      annotations: { 'amko.vmware.com/amko-uuid': meta.uuid ?? UUID },
    },
    spec,
  });
}

const BASE: GslbConfigSpec = deepFreeze({
  gslbLeader: {
    credentials: 'gslb-avi-secret',
    controllerVersion: '31.1.1',
    controllerIP: 'gslb.example.net',
    tenant: 'admin',
  },
  memberClusters: [{ clusterContext: 'east' }, { clusterContext: 'west' }],
  refreshInterval: 1800,
  logLevel: 'INFO',
  useCustomGlobalFqdn: false,
});

interface InvalidCase {
  readonly name: string;
  readonly spec: GslbConfigSpec;
  readonly namespace?: string;
  readonly uuid?: string;
  readonly ctx?: GslbConfigValidationContext;
  readonly path: string;
  readonly message: string;
}

const LEADER = BASE.gslbLeader ?? {};

const INVALID: readonly InvalidCase[] = [
  {
    name: 'namespace other than avi-system (no separator, as AMKO writes it)',
    spec: BASE,
    namespace: 'amko',
    path: 'metadata.namespace',
    message: 'error: invalid gslb configinvalid gslb config, namespace can only be avi-system',
  },
  {
    name: 'empty controller IP (trailing space)',
    spec: { ...BASE, gslbLeader: { ...LEADER, controllerIP: '' } },
    path: 'spec.gslbLeader.controllerIP',
    message: 'error: invalid gslb config with controller IP ',
  },
  {
    name: 'absent controller IP',
    spec: { ...BASE, gslbLeader: { credentials: 'gslb-avi-secret' } },
    path: 'spec.gslbLeader.controllerIP',
    message: 'error: invalid gslb config with controller IP ',
  },
  {
    name: 'empty credentials',
    spec: { ...BASE, gslbLeader: { ...LEADER, credentials: '' } },
    path: 'spec.gslbLeader.credentials',
    message: 'error: invalid gslb config with leaderSecret ',
  },
  {
    name: 'empty member cluster context',
    spec: { ...BASE, memberClusters: [{ clusterContext: 'east' }, {}] },
    path: 'spec.memberClusters[1].clusterContext',
    message: "error: member cluster context can't be empty",
  },
  {
    name: 'duplicate member cluster',
    spec: {
      ...BASE,
      memberClusters: [
        { clusterContext: 'east' },
        { clusterContext: 'west' },
        { clusterContext: 'east' },
      ],
    },
    path: 'spec.memberClusters[2].clusterContext',
    message: 'error: duplicate member cluster east',
  },
  {
    name: 'unknown log level',
    spec: { ...BASE, logLevel: 'TRACE' as 'INFO' },
    path: 'spec.logLevel',
    message: 'error: invalid log level TRACE',
  },
  {
    name: 'lower-case log level',
    spec: { ...BASE, logLevel: 'debug' as 'DEBUG' },
    path: 'spec.logLevel',
    message: 'error: invalid log level debug',
  },
  {
    name: 'UUID annotation that is not a UUID',
    spec: BASE,
    uuid: 'not-a-uuid',
    path: 'metadata.annotations["amko.vmware.com/amko-uuid"]',
    message: 'error: invalid amko-uuid annotation not-a-uuid',
  },
  {
    name: 'UUID annotation of 35 characters',
    spec: BASE,
    uuid: UUID.slice(1),
    path: 'metadata.annotations["amko.vmware.com/amko-uuid"]',
    message: `error: invalid amko-uuid annotation ${UUID.slice(1)}`,
  },
  {
    name: 'a second GSLBConfig',
    spec: BASE,
    ctx: { anotherConfigActive: true },
    path: 'metadata.name',
    message: "error: can't add another gslbconfig",
  },
];

describe('validateGslbConfig', () => {
  describe('rejects', () => {
    for (const c of INVALID) {
      it(c.name, () => {
        const meta = {
          ...(c.namespace ? { namespace: c.namespace } : {}),
          ...(c.uuid ? { uuid: c.uuid } : {}),
        };
        const r = validateGslbConfig(gc(c.spec, meta), c.ctx);
        assert.deepEqual(r.problems, [{ path: c.path, message: c.message }]);
        assert.equal(r.status, c.message);
        assert.deepEqual(r.statusFields, { state: c.message });
      });
    }
  });

  it('accepts the chart rendering', () => {
    const r = validateGslbConfig(gc(BASE));
    assert.deepEqual(r.problems, []);
    assert.equal(r.status, 'success: gslb config accepted');
    assert.deepEqual(r.statusFields, { state: 'success: gslb config accepted' });
  });

  it('accepts an object without UUID annotation, member clusters or log level', () => {
    const obj: GslbConfig = deepFreeze({
      metadata: { name: 'gc-1', namespace: 'avi-system' },
      spec: { gslbLeader: { controllerIP: '10.0.0.1:443', credentials: 's' } },
    });
    assert.deepEqual(validateGslbConfig(obj).problems, []);
  });

  it('reports every problem, the namespace first', () => {
    const r = validateGslbConfig(gc({}, { namespace: 'default' }));
    assert.deepEqual(
      r.problems.map((p) => p.path),
      ['metadata.namespace', 'spec.gslbLeader.controllerIP', 'spec.gslbLeader.credentials'],
    );
  });
});

describe('GSLBConfig defaults', () => {
  it('applies admin tenant, 600 s refresh, INFO, default FQDN mode', () => {
    const d = withGslbConfigDefaults(
      deepFreeze<GslbConfigSpec>({ gslbLeader: { controllerIP: 'c' } }),
    );
    assert.deepEqual(d, {
      gslbLeader: { controllerIP: 'c', tenant: 'admin' },
      memberClusters: [],
      refreshInterval: 600,
      logLevel: 'INFO',
      useCustomGlobalFqdn: false,
    });
  });

  const REFRESH: readonly [number | undefined, number][] = [
    [undefined, 600],
    [0, 600],
    [-5, 600],
    [1, 1],
    [1800, 1800],
  ];
  for (const [given, expected] of REFRESH) {
    it(`refreshInterval ${String(given)} ⇒ ${expected}`, () => {
      const spec: GslbConfigSpec = given === undefined ? {} : { refreshInterval: given };
      assert.equal(withGslbConfigDefaults(spec).refreshInterval, expected);
    });
  }

  it('keeps a set tenant, treats an empty one as absent', () => {
    assert.equal(
      withGslbConfigDefaults({ gslbLeader: { tenant: 'blue' } }).gslbLeader.tenant,
      'blue',
    );
    assert.equal(withGslbConfigDefaults({ gslbLeader: { tenant: '' } }).gslbLeader.tenant, 'admin');
  });

  it('lists member cluster names', () => {
    assert.deepEqual(memberClusterNames(BASE), ['east', 'west']);
    assert.deepEqual(memberClusterNames({ memberClusters: [{}, { clusterContext: 'x' }] }), ['x']);
  });

  it('names the resource', () => {
    assert.equal(GSLB_CONFIG.apiVersion, 'amko.vmware.com/v1alpha1');
    assert.equal(GSLB_CONFIG.plural, 'gslbconfigs');
    assert.deepEqual(GSLB_CONFIG.shortNames, ['gc']);
  });
});
