import assert from 'node:assert/strict';
import { compareVersions, validateGslbService, validateHealthMonitor } from './validate.js';

const group = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'g',
  algorithm: 'GSLB_ALGORITHM_ROUND_ROBIN',
  members: [{ ip: { addr: '10.0.0.1', type: 'V4' }, ratio: 1 }],
  ...extra,
});
const gs = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'shop.example.com',
  domain_names: ['shop.example.com'],
  groups: [group()],
  ...extra,
});

describe('body validation', function () {
  it('accepts a well-formed GslbService', function () {
    assert.equal(validateGslbService(gs(), '22.1.3'), undefined);
  });

  it('rejects what the controller rejects in a GslbService', function () {
    const cases: [Record<string, unknown>, RegExp][] = [
      [gs({ name: '' }), /name: This field is required/],
      [gs({ domain_names: [] }), /At least one domain name/],
      [gs({ groups: [group({ name: undefined })] }), /groups\[0\]: name/],
      [gs({ groups: [group({ algorithm: 'RANDOM' })] }), /Invalid algorithm RANDOM/],
      [
        gs({ groups: [group({ algorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH' })] }),
        /consistent_hash_mask/,
      ],
      [
        gs({ groups: [group({ algorithm: 'GSLB_ALGORITHM_GEO' })] }),
        /fallback_algorithm is required/,
      ],
      [
        gs({
          groups: [
            group({
              algorithm: 'GSLB_ALGORITHM_GEO',
              fallback_algorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH',
            }),
          ],
        }),
        /consistent_hash_mask/,
      ],
      [
        gs({ groups: [group({ members: [{ ip: { addr: '10.0.0.300' } }] })] }),
        /Invalid IP address 10.0.0.300/,
      ],
      [
        gs({ groups: [group({ members: [{ ip: { addr: '::1' }, ratio: 21 }] })] }),
        /ratio 21 is out of range/,
      ],
      [gs({ site_persistence_enabled: true }), /application_persistence_profile_ref is required/],
      [
        gs({ site_persistence_enabled: true, application_persistence_profile_ref: 'r' }),
        /pki_profile_ref is required/,
      ],
    ];
    for (const [body, expected] of cases)
      assert.match(validateGslbService(body, '22.1.3') ?? '', expected);
  });

  it('needs a PKI profile with site persistence only from 22.1.3', function () {
    const body = gs({ site_persistence_enabled: true, application_persistence_profile_ref: 'r' });
    assert.equal(validateGslbService(body, '22.1.2'), undefined);
    assert.equal(validateGslbService({ ...body, pki_profile_ref: 'p' }, '30.1.1'), undefined);
  });

  it('checks health monitor type, request line and port', function () {
    assert.equal(
      validateHealthMonitor({ name: 'h', type: 'HEALTH_MONITOR_TCP', monitor_port: 80 }),
      undefined,
    );
    assert.match(
      validateHealthMonitor({ name: 'h', type: 'HEALTH_MONITOR_FOO' }) ?? '',
      /not a valid choice/,
    );
    assert.match(
      validateHealthMonitor({ name: 'h', type: 'HEALTH_MONITOR_HTTPS' }) ?? '',
      /https_monitor: http_request is required/,
    );
    assert.equal(
      validateHealthMonitor({
        name: 'h',
        type: 'HEALTH_MONITOR_HTTP',
        http_monitor: { http_request: 'HEAD / HTTP/1.0' },
      }),
      undefined,
    );
    assert.match(
      validateHealthMonitor({ name: 'h', type: 'HEALTH_MONITOR_TCP', monitor_port: 70000 }) ?? '',
      /out of range/,
    );
  });

  it('compares versions numerically', function () {
    assert.equal(compareVersions('22.1.10', '22.1.3'), 1);
    assert.equal(compareVersions('22.1', '22.1.0'), 0);
    assert.equal(compareVersions('20.1.4', '22.1.3'), -1);
  });
});
