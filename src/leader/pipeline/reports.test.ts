import assert from 'node:assert/strict';
import { gslbKey } from '../../shared/keys.js';
import type { AcceptedGdp, AcceptedGhr } from '../policy/accepted-policy.js';
import { aliasConflictMessages, refusalEvent } from './reports.js';

const KEY = gslbKey('admin', 'shop.example.com');
const GDP: AcceptedGdp = { namespace: 'avi-system', name: 'global-gdp', spec: {} };
const GHR: AcceptedGhr = { namespace: 'web', name: 'shop', spec: { fqdn: 'shop.example.com' } };

describe('pipeline reports', () => {
  it('reports a refusal on the GSLBHostRule in force, else on the GDP, with the controller words', () => {
    const onRule = refusalEvent(KEY, 'Invalid ref', { ghr: GHR, gdp: GDP });
    assert.deepEqual(onRule, {
      about: {
        apiVersion: 'amko.vmware.com/v1alpha1',
        kind: 'GSLBHostRule',
        name: 'shop',
        namespace: 'web',
      },
      reason: 'ControllerRejected',
      message: 'the controller refused GslbService admin/shop.example.com: Invalid ref',
      warning: true,
    });
    const onGdp = refusalEvent(KEY, 'Invalid ref', { ghr: undefined, gdp: GDP });
    assert.equal(onGdp?.about.kind, 'GlobalDeploymentPolicy');
    assert.equal(onGdp?.about.name, 'global-gdp');
    assert.equal(refusalEvent(KEY, 'x', { ghr: undefined, gdp: undefined }), undefined);
  });

  it('reports the end of a refusal as a normal event', () => {
    const e = refusalEvent(KEY, undefined, { ghr: undefined, gdp: GDP });
    assert.equal(e?.reason, 'ControllerAccepted');
    assert.equal(e?.warning, false);
  });

  it('names the alias, the loser and the owner', () => {
    assert.deepEqual(
      aliasConflictMessages(KEY, [{ alias: 'www.example.com', owner: 'admin/a.example.com' }]),
      [
        'alias www.example.com of GslbService admin/shop.example.com is already claimed by ' +
          'GslbService admin/a.example.com; left out',
      ],
    );
  });
});
