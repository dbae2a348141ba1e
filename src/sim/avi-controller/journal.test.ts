import assert from 'node:assert/strict';
import { Journal, type JournalEntry } from './journal.js';

const entry = (method: string, objectType: string, status: number): Omit<JournalEntry, 'seq'> => ({
  time: '2026-01-01T00:00:00.000Z',
  method,
  path: `/api/${objectType}`,
  query: {},
  objectType,
  tenant: null,
  version: null,
  aviUserAgent: null,
  userAgent: null,
  status,
  arrivedMs: 0,
  latencyMs: 1,
});

describe('Journal', function () {
  it('counts per method, object type and status', function () {
    const journal = new Journal({ limit: 100 });
    journal.record(entry('POST', 'gslbservice', 201));
    journal.record(entry('POST', 'gslbservice', 201));
    journal.record(entry('GET', 'healthmonitor', 200));
    const stats = journal.stats();
    assert.equal(stats.total, 3);
    assert.deepEqual(stats.byMethod, { POST: 2, GET: 1 });
    assert.deepEqual(stats.byObjectType, { gslbservice: 2, healthmonitor: 1 });
    assert.deepEqual(stats.byStatus, { '201': 2, '200': 1 });
    assert.deepEqual(stats.counts[0], {
      method: 'POST',
      objectType: 'gslbservice',
      status: 201,
      count: 2,
    });
  });

  it('filters by position, method and type, and keeps only the newest `limit` entries', function () {
    const journal = new Journal({ limit: 2 });
    journal.record(entry('POST', 'a', 201));
    journal.record(entry('GET', 'b', 200));
    journal.record(entry('PUT', 'a', 200));
    assert.deepEqual(
      journal.entries().map((e) => e.seq),
      [2, 3],
    );
    assert.deepEqual(
      journal.entries({ since: 2 }).map((e) => e.method),
      ['PUT'],
    );
    assert.deepEqual(
      journal.entries({ method: 'get' }).map((e) => e.objectType),
      ['b'],
    );
    assert.deepEqual(
      journal.entries({ objectType: 'a' }).map((e) => e.method),
      ['PUT'],
    );
    assert.equal(journal.stats().total, 3, 'counters are not limited');
    journal.clear();
    assert.deepEqual([journal.entries().length, journal.stats().total], [0, 0]);
  });
});
