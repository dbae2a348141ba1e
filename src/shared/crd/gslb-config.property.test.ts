import assert from 'node:assert/strict';
import fc from 'fast-check';
import { distinctNames, name } from '../../../test/support/crd-arbitraries.js';
import { deepFreeze } from '../../../test/support/json-arbitraries.js';
import { NUM_RUNS, validatorProperties } from '../../../test/support/validator-properties.js';
import { AMKO_UUID_ANNOTATION } from './common.js';
import {
  GSLB_CONFIG_SHAPE,
  GSLB_CONFIG_STATE,
  LOG_LEVELS,
  validateGslbConfig,
  withGslbConfigDefaults,
  type GslbConfig,
  type GslbConfigSpec,
} from './gslb-config.js';

const validSpec: fc.Arbitrary<GslbConfigSpec> = fc
  .tuple(
    fc.record(
      { credentials: name, controllerIP: name, controllerVersion: name, tenant: name },
      { requiredKeys: ['credentials', 'controllerIP'] },
    ),
    distinctNames(0, 4),
    fc.record(
      {
        refreshInterval: fc.integer(),
        logLevel: fc.constantFrom(...LOG_LEVELS),
        useCustomGlobalFqdn: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
  )
  .map(([gslbLeader, members, rest]) => ({
    gslbLeader,
    memberClusters: members.map((c) => ({ clusterContext: c })),
    ...rest,
  }));

const metadata = fc.record(
  {
    name: fc.constant('gc-1'),
    namespace: fc.constant('avi-system'),
    annotations: fc.uuid().map((u) => ({ [AMKO_UUID_ANNOTATION]: u })),
  },
  { requiredKeys: ['name', 'namespace'] },
);

const validConfig = fc
  .tuple(metadata, validSpec)
  .map(([m, spec]) => ({ obj: { metadata: m, spec }, ctx: {} }));

describe('GSLBConfig validation (properties)', () => {
  validatorProperties<object>({
    shape: GSLB_CONFIG_SHAPE,
    success: GSLB_CONFIG_STATE.accepted,
    valid: validConfig,
    validate: (obj) => validateGslbConfig(obj as GslbConfig),
  });

  it('rejects a namespace other than avi-system at metadata.namespace, in AMKO words', () => {
    fc.assert(
      fc.property(validConfig, name, ({ obj }, ns) => {
        fc.pre(ns !== 'avi-system');
        const r = validateGslbConfig(
          deepFreeze({ metadata: { name: 'gc-1', namespace: ns }, spec: obj.spec }),
        );
        assert.deepEqual(
          r.problems.map((p) => p.path),
          ['metadata.namespace'],
        );
        assert.equal(r.status, GSLB_CONFIG_STATE.wrongNamespace);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('defaults never leave tenant empty or the refresh interval non-positive', () => {
    fc.assert(
      fc.property(validSpec, (spec) => {
        const d = withGslbConfigDefaults(deepFreeze(spec));
        assert.notEqual(d.gslbLeader.tenant, '');
        assert.ok(d.refreshInterval > 0);
        assert.deepEqual(withGslbConfigDefaults(d), d);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
