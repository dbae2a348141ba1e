/**
 * The transport against a real HTTP server on loopback: replies that stall, are cut off or are
 * aborted half way through their body, an IPv6 origin, and a request node refuses to send.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpTransport, splitUrl, TransportFailure } from './transport.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(host: string, handler: Handler): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}` };
}

async function failureOf(p: Promise<unknown>): Promise<TransportFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TransportFailure, `not a TransportFailure: ${String(err)}`);
    return err;
  }
  assert.fail('the request succeeded');
}

describe('HttpTransport', function () {
  let server: Server | undefined;
  let transport: HttpTransport;

  beforeEach(function () {
    transport = new HttpTransport({ secure: false });
  });

  afterEach(async function () {
    transport.close();
    server?.closeAllConnections();
    const closing = server;
    if (closing !== undefined) {
      await new Promise((resolve) => {
        closing.close(resolve);
      });
    }
    server = undefined;
  });

  /** A server that sends its head and the first half of a 2-byte body, then stalls. */
  async function stalling(): Promise<string> {
    const s = await serve('127.0.0.1', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' });
      res.write('{');
    });
    server = s.server;
    return s.origin;
  }

  it('sends method, path, query, headers and body, and reads the reply', async function () {
    const s = await serve('127.0.0.1', (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.end(
          JSON.stringify({
            method: req.method,
            url: req.url,
            tenant: req.headers['x-avi-tenant'],
            body,
          }),
        );
      });
    });
    server = s.server;
    const res = await transport.send({
      method: 'PUT',
      url: `${s.origin}/api/gslbservice/gs-1?include_name=true`,
      headers: { 'X-Avi-Tenant': 'admin' },
      body: '{"x":1}',
      timeoutMs: 5_000,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
    assert.deepEqual(JSON.parse(res.text), {
      method: 'PUT',
      url: '/api/gslbservice/gs-1?include_name=true',
      tenant: 'admin',
      body: '{"x":1}',
    });
  });

  it('reaches an IPv6 origin', async function () {
    const s = await serve('::1', (req, res) => res.end(req.url));
    server = s.server;
    const res = await transport.send({
      method: 'GET',
      url: `${s.origin}/api/cloud`,
      headers: {},
      timeoutMs: 5_000,
    });
    assert.equal(res.text, '/api/cloud');
  });

  it('times out a reply that stalls half way through its body', async function () {
    const origin = await stalling();
    const err = await failureOf(
      transport.send({ method: 'GET', url: `${origin}/api/x`, headers: {}, timeoutMs: 200 }),
    );
    assert.equal(err.kind, 'timeout');
    assert.match(err.message, /timed out after 200 ms/);
  });

  it("stops at the caller's signal while the reply stalls, with the caller's reason", async function () {
    const origin = await stalling();
    const controller = new AbortController();
    const pending = transport.send({
      method: 'GET',
      url: `${origin}/api/x`,
      headers: {},
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    // Abort once the head has arrived: the server has written it and is stalling.
    await new Promise<void>((resolve) => server?.once('request', () => setImmediate(resolve)));
    controller.abort(new Error('shutting down'));
    const err = await failureOf(pending);
    assert.equal(err.kind, 'aborted');
    assert.equal((err.reason as Error).message, 'shutting down');
  });

  it('fails a reply whose connection is cut before the end of its body', async function () {
    const s = await serve('127.0.0.1', (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"partial":');
      setImmediate(() => res.socket?.destroy());
    });
    server = s.server;
    const err = await failureOf(
      transport.send({ method: 'GET', url: `${s.origin}/api/x`, headers: {}, timeoutMs: 60_000 }),
    );
    assert.equal(err.kind, 'network');
  });

  it('rejects a header node refuses with its own error, sending nothing', async function () {
    let requests = 0;
    const s = await serve('127.0.0.1', (_req, res) => {
      requests++;
      res.end();
    });
    server = s.server;
    await assert.rejects(
      transport.send({
        method: 'GET',
        url: `${s.origin}/api/x`,
        headers: { 'X-Avi-Tenant': 'bad\nvalue' },
        timeoutMs: 5_000,
      }),
      (err: NodeJS.ErrnoException) => err.code === 'ERR_INVALID_CHAR',
    );
    assert.equal(requests, 0);
  });

  it('splits a URL into origin and path', function () {
    assert.deepEqual(splitUrl('https://10.0.0.1:8443/api/gslbservice?name=a/b'), {
      origin: 'https://10.0.0.1:8443',
      path: '/api/gslbservice?name=a/b',
    });
    assert.deepEqual(splitUrl('http://[::1]:80'), { origin: 'http://[::1]:80', path: '/' });
  });
});
