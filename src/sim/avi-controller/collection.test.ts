import assert from 'node:assert/strict';
import { collectionPage, matchesQuery, pageOf, projectFields } from './collection.js';
import { SimError } from './sim-error.js';

const objects = Array.from({ length: 7 }, (_, i) => ({
  body: {
    uuid: `gslbservice-${i}`,
    name: `gs${i}`,
    created_by: i % 2 === 0 ? 'amko-a' : 'amko-b',
    is_federated: i < 3,
  },
}));
const view = (o: { body: Record<string, unknown> }): Record<string, unknown> => ({
  ...o.body,
  url: `u/${String(o.body['uuid'])}`,
});
const link = { base: 'https://h', type: 'gslbservice' };

describe('collections', function () {
  it('filters by name, uuid, created_by and is_federated (missing counts as false)', function () {
    const q = (s: string): URLSearchParams => new URLSearchParams(s);
    assert.equal(matchesQuery({ name: 'a' }, q('name=a')), true);
    assert.equal(matchesQuery({ name: 'a' }, q('name=b')), false);
    assert.equal(matchesQuery({ uuid: 'x' }, q('uuid=x')), true);
    assert.equal(matchesQuery({ created_by: 'c' }, q('created_by=d')), false);
    assert.equal(matchesQuery({}, q('is_federated=false')), true);
    assert.equal(matchesQuery({}, q('is_federated=true')), false);
    assert.equal(matchesQuery({ name: 'a' }, q('include_name=&other=1')), true);
  });

  it('keeps only the asked fields plus uuid, url and name', function () {
    const obj = { uuid: 'u', url: 'l', name: 'n', a: 1, b: 2, c: 3 };
    assert.deepEqual(projectFields(obj, new URLSearchParams('fields=a,c')), {
      uuid: 'u',
      url: 'l',
      name: 'n',
      a: 1,
      c: 3,
    });
    assert.equal(projectFields(obj, new URLSearchParams('')), obj);
  });

  it('pages with a total count and a next link holding the same query', function () {
    const first = collectionPage(
      objects,
      new URLSearchParams('page_size=3&created_by=amko-a&include_name='),
      link,
      view,
    );
    assert.equal(first.count, 4);
    assert.deepEqual(
      first.results.map((r) => r['name']),
      ['gs0', 'gs2', 'gs4'],
    );
    assert.equal(
      first.next,
      'https://h/api/gslbservice?created_by=amko-a&include_name=&page=2&page_size=3',
    );
    const second = collectionPage(
      objects,
      new URLSearchParams('page_size=3&created_by=amko-a&page=2'),
      link,
      view,
    );
    assert.deepEqual(
      second.results.map((r) => r['name']),
      ['gs6'],
    );
    assert.equal(second.next, undefined);
    assert.deepEqual(collectionPage(objects, new URLSearchParams('name=none'), link, view), {
      count: 0,
      results: [],
    });
  });

  it('defaults the page size to 25, caps it at 200 and rejects nonsense', function () {
    assert.deepEqual(pageOf(new URLSearchParams('')), { page: 1, size: 25 });
    assert.deepEqual(pageOf(new URLSearchParams('page_size=1000&page=3')), { page: 3, size: 200 });
    assert.throws(() => pageOf(new URLSearchParams('page=0')), SimError);
    assert.throws(() => pageOf(new URLSearchParams('page_size=x')), SimError);
  });
});
