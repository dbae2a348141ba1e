/**
 * Pagination over real HTTP: the client follows `next` to the end (or reads the pages by number,
 * several at once) and returns every object of a 2,500-object collection exactly once, in the
 * controller's order.
 */
import assert from 'node:assert/strict';
import type { AviClient } from '../../src/shared/avi/avi-client.js';
import { type AviSimHandle, clientFor, gslbServiceBody, startAviSim } from '../support/avi-sim.js';

const TOTAL = 2_500;
const names = Array.from(
  { length: TOTAL },
  (_, i) => `gs-${String(i).padStart(4, '0')}.bulk.example.com`,
);

describe('AviClient pagination against amko-avi-sim', function () {
  let sim: AviSimHandle;
  let client: AviClient;

  before(async function () {
    sim = await startAviSim();
    await sim.control.seed({
      tenants: ['bulk'],
      objects: {
        gslbservice: names.map((name, i) => ({
          ...gslbServiceBody(name, i % 5 === 0 ? { created_by: 'amko-other' } : {}),
          tenant: 'bulk',
        })),
      },
    });
    client = clientFor(sim);
  });
  after(async function () {
    await client.close();
    await sim.stop();
  });
  beforeEach(async function () {
    await sim.control.clearJournal();
  });

  it('returns all 2,500 objects exactly once, following next through 25 pages', async function () {
    const all = await client.gslbServices.list({ tenant: 'bulk' });
    assert.equal(all.length, TOTAL);
    assert.equal(new Set(all.map((g) => g.uuid)).size, TOTAL, 'no uuid twice');
    assert.deepEqual(
      all.map((g) => g.name),
      names,
    );
    const pages = await sim.control.journal({ objectType: 'gslbservice' });
    assert.equal(pages.length, 25);
    assert.deepEqual(
      pages.map((p) => p.query['page'] ?? '1'),
      Array.from({ length: 25 }, (_, i) => String(i + 1)),
    );
    assert.ok(pages.every((p) => p.query['page_size'] === '100' && p.query['include_name'] === ''));
  });

  it('keeps filters across pages and honours the page size', async function () {
    const mine = await client.gslbServices.list({
      tenant: '*',
      createdBy: 'amko-4f8e2a10-1c3b-11ef-9d2e-0242ac120002',
      pageSize: 200,
    });
    assert.equal(mine.length, TOTAL - TOTAL / 5);
    assert.equal(new Set(mine.map((g) => g.uuid)).size, mine.length);
    assert.ok(mine.every((g) => g.created_by === 'amko-4f8e2a10-1c3b-11ef-9d2e-0242ac120002'));
    assert.equal((await sim.control.journal({ objectType: 'gslbservice' })).length, 10);
  });

  it('yields page by page for callers that stream', async function () {
    const sizes: number[] = [];
    for await (const page of client.gslbServices.pages({ tenant: 'bulk', pageSize: 1_000 })) {
      sizes.push(page.length);
    }
    assert.deepEqual(sizes, [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 100]);
  });

  it('reads pages by number, four at once, each page once and in the controller order', async function () {
    const all = await client.gslbServices.list({ tenant: 'bulk', pageSize: 200, pagesInFlight: 4 });
    assert.deepEqual(
      all.map((g) => g.name),
      names,
    );
    const pages = await sim.control.journal({ objectType: 'gslbservice' });
    assert.deepEqual(
      pages.map((p) => Number(p.query['page'] ?? '1')).sort((a, b) => a - b),
      Array.from({ length: 13 }, (_, i) => i + 1),
    );
    assert.ok(pages.every((p) => p.query['page_size'] === '200' && p.query['include_name'] === ''));
  });

  it('reads a one-page collection with one request', async function () {
    const one = await client.gslbServices.list({
      tenant: 'bulk',
      name: names[7] ?? '',
      pagesInFlight: 4,
    });
    assert.deepEqual(
      one.map((g) => g.name),
      [names[7]],
    );
    assert.equal((await sim.control.journal({ objectType: 'gslbservice' })).length, 1);
  });

  it('answers each page from the collection as it is now: a create between pages is counted', async function () {
    const pages = client.gslbServices.pages({ tenant: 'bulk', pageSize: 200 });
    const first = await pages.next();
    assert.equal(first.done, false);
    const created = await client.gslbServices.create(gslbServiceBody('zz-late.bulk.example.com'), {
      tenant: 'bulk',
    });
    try {
      const rest: string[] = [];
      for await (const page of pages) rest.push(...page.map((g) => g.name));
      assert.equal(rest.length, TOTAL + 1 - 200);
      assert.equal(rest.at(-1), 'zz-late.bulk.example.com');
    } finally {
      await client.gslbServices.delete(created.uuid, { tenant: 'bulk' });
    }
  });
});
