/**
 * The simulator binary's bad-answer faults on the wire: a raw body (an HTML page, cut-off JSON)
 * instead of or after the real request, a dropped `uuid`, a `next` link that loops, and a body
 * padded to 50 MB streamed chunked or with its `Content-Length`. Read with plain node:http so
 * nothing in between cleans the answers up.
 */
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import { cookieHeader, parseSetCookie, sessionFrom } from '../../src/shared/avi/cookies.js';
import { type AviSimHandle, gslbServiceBody, startAviSim } from '../support/avi-sim.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body, unless only its size was asked for. */
  text: string;
  bytes: number;
}

/** One request; keeps the body only when `keep` (a 50 MB body is counted, not kept). */
function call(
  url: string,
  opts: { method: string; headers: Record<string, string>; body?: string; keep?: boolean },
): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(url, { method: opts.method, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (opts.keep !== false) chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, bytes });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Logs in and returns a caller with the session cookies and CSRF token. */
async function session(
  sim: AviSimHandle,
): Promise<(method: string, path: string, body?: unknown, keep?: boolean) => Promise<Answer>> {
  const login = await call(`${sim.url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: sim.username, password: sim.password }),
  });
  const cookies = sessionFrom(parseSetCookie(login.headers['set-cookie']));
  assert.ok(cookies, `login: ${login.status} ${login.text}`);
  return (method, path, body, keep) =>
    call(`${sim.url}${path}`, {
      method,
      headers: {
        Cookie: cookieHeader(cookies),
        'X-CSRFToken': cookies.csrftoken,
        Referer: `${sim.url}/`,
        'Content-Type': 'application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(keep === undefined ? {} : { keep }),
    });
}

const HTML = '<!DOCTYPE html><html><head><title>Avi Login</title></head><body>…</body></html>';

describe('amko-avi-sim bad-answer faults', function () {
  let sim: AviSimHandle;
  let api: Awaited<ReturnType<typeof session>>;

  before(async function () {
    sim = await startAviSim();
    api = await session(sim);
  });
  after(async function () {
    await sim.stop();
  });
  beforeEach(async function () {
    await sim.control.reset({ empty: true });
  });

  const gsNames = async (): Promise<unknown[]> =>
    ((await sim.control.objects({ type: 'gslbservice' }))['gslbservice'] ?? []).map(
      (o) => o['name'],
    );

  it('answers a GET with a raw HTML page and a 200, without running it', async function () {
    const [rule] = await sim.control.faults({
      match: { method: 'GET', objectType: 'gslbservice' },
      effect: { rawBody: HTML },
      count: 1,
    });
    const res = await api('GET', '/api/gslbservice');
    assert.deepEqual(
      [res.status, res.headers['content-type'], res.text],
      [200, 'text/html; charset=utf-8', HTML],
    );
    const [entry] = await sim.control.journal({ objectType: 'gslbservice' });
    assert.deepEqual([entry?.status, entry?.fault], [200, rule?.id]);
    assert.equal(
      (await api('GET', '/api/gslbservice')).headers['content-type'],
      'application/json',
    );
  });

  it('with apply, creates the object and then answers with cut-off JSON', async function () {
    await sim.control.faults({
      match: { method: 'POST', objectType: 'gslbservice' },
      effect: { apply: true, rawBody: '{"uuid": "gslbservice-', contentType: 'application/json' },
      count: 1,
    });
    const res = await api('POST', '/api/gslbservice', gslbServiceBody('cut.example.com'));
    assert.deepEqual(
      [res.status, res.headers['content-type'], res.text],
      [201, 'application/json', '{"uuid": "gslbservice-'],
    );
    assert.deepEqual(await gsNames(), ['cut.example.com']);
  });

  it('drops the uuid from a create reply and from every object of a list page', async function () {
    await sim.control.faults({
      match: { objectType: 'gslbservice' },
      effect: { dropField: 'uuid' },
      count: 2,
    });
    const created = await api('POST', '/api/gslbservice', gslbServiceBody('a.example.com'));
    const body = JSON.parse(created.text) as Record<string, unknown>;
    assert.deepEqual([created.status, body['name'], 'uuid' in body], [201, 'a.example.com', false]);
    assert.deepEqual(await gsNames(), ['a.example.com']);
    const page = JSON.parse((await api('GET', '/api/gslbservice')).text) as {
      results: Record<string, unknown>[];
    };
    assert.deepEqual(
      page.results.map((o) => ['uuid' in o, o['name']]),
      [[false, 'a.example.com']],
    );
  });

  it('makes the last page link back to itself or to page 1', async function () {
    for (const n of ['a', 'b', 'c']) {
      await api('POST', '/api/gslbservice', gslbServiceBody(`${n}.example.com`));
    }
    const next = async (page: number): Promise<string | undefined> =>
      (
        JSON.parse((await api('GET', `/api/gslbservice?page_size=2&page=${page}`)).text) as {
          next?: string;
        }
      ).next;
    await sim.control.faults({ effect: { nextLoop: 'self' }, count: 2 });
    assert.equal(await next(1), `${sim.url}/api/gslbservice?page=2&page_size=2`, 'real link kept');
    assert.equal(await next(2), `${sim.url}/api/gslbservice?page=2&page_size=2`);
    await sim.control.faults({ effect: { nextLoop: 'first' }, count: 1 });
    assert.equal(await next(2), `${sim.url}/api/gslbservice?page=1&page_size=2`);
    assert.equal(await next(2), undefined, 'rules used up');
  });

  it('streams a list page padded to 50 MB, chunked or with its Content-Length', async function () {
    await api('POST', '/api/gslbservice', gslbServiceBody('big.example.com'));
    const size = 50 * 1024 * 1024;
    await sim.control.faults({ effect: { bodyBytes: size }, count: 1 });
    const chunked = await api('GET', '/api/gslbservice', undefined, false);
    assert.deepEqual(
      [chunked.status, chunked.bytes, chunked.headers['transfer-encoding']],
      [200, size, 'chunked'],
    );
    await sim.control.faults({ effect: { bodyBytes: size, declareLength: true }, count: 1 });
    const declared = await api('GET', '/api/gslbservice', undefined, false);
    assert.deepEqual([declared.bytes, declared.headers['content-length']], [size, String(size)]);
  });

  it('pads to a valid JSON document of exactly bodyBytes', async function () {
    await api('POST', '/api/gslbservice', gslbServiceBody('pad.example.com'));
    await sim.control.faults({ effect: { bodyBytes: 100_000 }, count: 1 });
    const res = await api('GET', '/api/gslbservice');
    assert.equal(res.bytes, 100_000);
    const body = JSON.parse(res.text) as { count: number; results: { name: string }[] };
    assert.deepEqual([body.count, body.results.map((o) => o.name)], [1, ['pad.example.com']]);
  });
});
