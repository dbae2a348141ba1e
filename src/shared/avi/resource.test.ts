import assert from 'node:assert/strict';
import { nextQuery, pageKey } from './resource.js';

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

describe('pageKey', function () {
  it('is the same for the first request and a next link back to page 1', function () {
    const first = pageKey({ include_name: '', page_size: 100, is_federated: true });
    const back = nextQuery(
      'https://h/api/healthmonitor?include_name=&is_federated=true&page=1&page_size=100',
      'healthmonitor',
    );
    assert.equal(pageKey(back), first);
    assert.notEqual(pageKey({ ...back, page: '2' }), first);
  });
});
