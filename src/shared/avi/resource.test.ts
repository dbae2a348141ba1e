import assert from 'node:assert/strict';
import { nextQuery } from './resource.js';

describe('nextQuery', function () {
  it('takes the query after /api/<type>, as AMKO re-issues next links', function () {
    assert.deepEqual(
      nextQuery(
        'https://10.0.0.5/api/healthmonitor?include_name=&is_federated=true&page=2&page_size=2',
        'healthmonitor',
      ),
      { include_name: '', is_federated: 'true', page: '2', page_size: '2' },
    );
  });

  it('copes with a host-less or path-only link and with no query', function () {
    assert.deepEqual(nextQuery('/api/gslbservice?page=3', 'gslbservice'), { page: '3' });
    assert.deepEqual(nextQuery('https://h/api/gslbservice', 'gslbservice'), {});
  });
});
