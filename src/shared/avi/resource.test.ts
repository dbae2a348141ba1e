import assert from 'node:assert/strict';
import { AviError } from './avi-error.js';
import {
  AviResource,
  nextQuery,
  pageKey,
  type AviRequest,
  type AviResponse,
  type RequestFn,
} from './resource.js';
import type { AviCollection } from './types.js';

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

describe('AviResource.list with pages in flight', function () {
  type Obj = { uuid: string; name: string };
  const obj = (n: number): Obj => ({ uuid: `u${n}`, name: `o${n}` });
  /** A controller of scripted pages: `page` number → results and next page (or none). */
  function controller(
    count: number,
    script: Record<string, { results: number[]; next?: string }>,
  ): { resource: AviResource<Obj>; asked: string[] } {
    const asked: string[] = [];
    const request = (<R>(req: AviRequest): Promise<AviResponse<R>> => {
      const page = String(req.query?.['page'] ?? '1');
      asked.push(page);
      const s = script[page];
      if (!s) return Promise.reject(new Error(`page ${page} is not scripted`));
      const body: AviCollection<Obj> = { count, results: s.results.map(obj) };
      if (s.next !== undefined) body.next = `https://h/api/gslbservice?${s.next}`;
      return Promise.resolve({ status: 200, body: body as R });
    }) as RequestFn;
    return {
      resource: new AviResource<Obj>({ type: 'gslbservice', request, maxPages: 10 }),
      asked,
    };
  }
  const next = (page: number): string => `page=${page}&page_size=2`;

  it('reads pages 2..n by number and follows a next past the count (the collection grew)', async function () {
    const { resource, asked } = controller(6, {
      '1': { results: [1, 2], next: next(2) },
      '2': { results: [3, 4], next: next(3) },
      '3': { results: [5, 6], next: next(4) },
      '4': { results: [7] },
    });
    const all = await resource.list({ pageSize: 2, pagesInFlight: 4 });
    assert.deepEqual(
      all.map((o) => o.uuid),
      ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'],
    );
    assert.deepEqual([...asked].sort(), ['1', '2', '3', '4']);
  });

  it('keeps an object once when a delete shifted it onto the next page too', async function () {
    const { resource } = controller(6, {
      '1': { results: [1, 2], next: next(2) },
      '2': { results: [3, 4], next: next(3) },
      '3': { results: [4, 5] },
    });
    const all = await resource.list({ pageSize: 2, pagesInFlight: 4 });
    assert.deepEqual(
      all.map((o) => o.uuid),
      ['u1', 'u2', 'u3', 'u4', 'u5'],
    );
  });

  it('follows in turn a next that is not page 2 of a known size', async function () {
    const { resource, asked } = controller(4, {
      '1': { results: [1, 2], next: 'page=x7' },
      x7: { results: [3, 4] },
    });
    const all = await resource.list({ pageSize: 2, pagesInFlight: 4 });
    assert.deepEqual(
      all.map((o) => o.uuid),
      ['u1', 'u2', 'u3', 'u4'],
    );
    assert.deepEqual(asked, ['1', 'x7']);
  });

  it('fails AVI_BAD_REPLY when the last page leads back to a page read by number', async function () {
    const { resource } = controller(4, {
      '1': { results: [1, 2], next: next(2) },
      '2': { results: [3, 4], next: next(2) },
    });
    await assert.rejects(resource.list({ pageSize: 2, pagesInFlight: 4 }), (err: unknown) => {
      assert.ok(err instanceof AviError);
      assert.equal(err.code, 'AVI_BAD_REPLY');
      assert.match(err.message, /pagination loop/);
      return true;
    });
  });

  it('fails AVI_BAD_REPLY before reading on when the count needs more than maxPages', async function () {
    const { resource, asked } = controller(1_000, { '1': { results: [1, 2], next: next(2) } });
    await assert.rejects(resource.list({ pageSize: 2, pagesInFlight: 4 }), /more than 10 pages/);
    assert.deepEqual(asked, ['1']);
  });
});
