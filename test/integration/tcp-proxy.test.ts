import assert from 'node:assert/strict';
import net from 'node:net';
import { eventually } from '../support/eventually.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/** An echo server that counts what it is sent and the connections it has seen. */
class EchoServer {
  readonly server = net.createServer((s) => {
    this.sockets.add(s);
    this.connections += 1;
    s.on('data', (b: Buffer) => {
      this.received += b.length;
      s.write(b);
    });
    s.on('end', () => {
      this.ends += 1;
      s.end();
    });
    s.on('error', (err: NodeJS.ErrnoException) => {
      this.errors.push(err.code ?? err.message);
    });
    s.on('close', () => this.sockets.delete(s));
  });
  readonly sockets = new Set<net.Socket>();
  connections = 0;
  received = 0;
  ends = 0;
  errors: string[] = [];
  address = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const a = this.server.address() as net.AddressInfo;
    this.address = `127.0.0.1:${a.port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }
}

/** A client socket that records what it receives and how it ended. */
class Client {
  readonly socket: net.Socket;
  data = '';
  error: string | undefined;
  closed = false;
  ended = false;

  constructor(address: string) {
    const [host, port] = address.split(':');
    this.socket = net.connect({ host: host!, port: Number(port), allowHalfOpen: true });
    this.socket.setEncoding('utf8');
    this.socket.on('data', (d: string) => (this.data += d));
    this.socket.on('end', () => (this.ended = true));
    this.socket.on('error', (err: NodeJS.ErrnoException) => (this.error = err.code ?? err.message));
    this.socket.on('close', () => (this.closed = true));
  }

  async connected(): Promise<void> {
    if (!this.socket.connecting) return;
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
  }

  send(s: string): void {
    this.socket.write(s);
  }

  async receives(s: string): Promise<void> {
    await eventually(() => this.data === s, { timeoutMs: 10_000, what: `client got ${s}` });
  }
}

const opts = { timeoutMs: 10_000, intervalMs: 10 };

describe('tcp proxy', function () {
  this.timeout(60_000);
  let echo: EchoServer;
  let proxy: TcpProxy;
  const clients: Client[] = [];
  const client = async (): Promise<Client> => {
    const c = new Client(proxy.address);
    clients.push(c);
    await c.connected();
    return c;
  };

  beforeEach(async () => {
    echo = new EchoServer();
    await echo.start();
    proxy = await startTcpProxy({ target: echo.address });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await proxy.stop();
    await echo.stop();
  });

  it('listens on loopback and forwards both ways in pass, half-close included', async () => {
    assert.match(proxy.address, /^127\.0\.0\.1:\d+$/);
    assert.equal(proxy.mode, 'pass');
    const c = await client();
    c.send('hello');
    await c.receives('hello');
    c.socket.end();
    await eventually(() => c.ended && c.closed, { ...opts, what: 'echo ended after our FIN' });
    const n = proxy.counters();
    assert.equal(n.accepted, 1);
    assert.equal(n.bytesToTarget, 5);
    assert.equal(n.bytesFromTarget, 5);
    assert.equal(echo.ends, 1);
    await eventually(() => proxy.counters().open === 0, { ...opts, what: 'connection forgotten' });
  });

  it('drop closes new connections on accept without reaching the target', async () => {
    proxy.setMode('drop');
    const c = new Client(proxy.address);
    clients.push(c);
    await eventually(() => c.ended, { ...opts, what: 'ended by the proxy' });
    assert.equal(c.data, '');
    assert.equal(proxy.counters().refused, 1);
    assert.equal(echo.connections, 0);
  });

  it('drop throws away bytes on a live connection, then resets it when the link is back', async () => {
    const c = await client();
    c.send('a');
    await c.receives('a');
    proxy.setMode('drop');
    c.send('bcd');
    await eventually(() => proxy.counters().bytesDropped === 3, { ...opts, what: 'dropped' });
    assert.equal(echo.received, 1, 'nothing reached the target');
    assert.equal(c.closed, false, 'the dialler hears silence, not a close');
    proxy.setMode('pass');
    await eventually(() => c.closed, { ...opts, what: 'the gapped connection is closed' });
    assert.equal(c.error, 'ECONNRESET');
    const d = await client();
    d.send('e');
    await d.receives('e');
  });

  it('an idle connection survives a drop', async () => {
    const c = await client();
    c.send('a');
    await c.receives('a');
    proxy.setMode('drop');
    proxy.setMode('pass');
    c.send('b');
    await c.receives('ab');
  });

  it('stall holds new and live connections open and delivers everything in order after', async () => {
    const live = await client();
    live.send('1');
    await live.receives('1');
    proxy.setMode('stall');
    live.send('2');
    live.send('3');
    const fresh = await client();
    fresh.send('x');
    await eventually(() => proxy.counters().accepted === 2, { ...opts, what: 'accepted' });
    // Nothing moves while stalled (a window of quiet, not a timing assertion).
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(echo.received, 1);
    assert.equal(echo.connections, 1, 'no upstream connection for the stalled newcomer');
    assert.equal(live.closed || fresh.closed, false);
    assert.equal(proxy.counters().open, 2);
    proxy.setMode('pass');
    await live.receives('123');
    await fresh.receives('x');
    assert.equal(echo.connections, 2);
  });

  it('stall blocks the sender once buffers fill, and loses nothing', async () => {
    const c = await client();
    proxy.setMode('stall');
    const chunk = 'z'.repeat(64 * 1024);
    let sent = 0;
    while (c.socket.write(chunk) && sent < 1_000) sent += 1;
    assert.ok(sent < 1_000, 'the sender was pushed back');
    sent += 1;
    proxy.setMode('pass');
    await eventually(() => c.data.length === sent * chunk.length, {
      timeoutMs: 20_000,
      what: 'every byte echoed',
    });
  });

  it('reset sends RST to both ends of live connections and resets new ones', async () => {
    const c = await client();
    c.send('a');
    await c.receives('a');
    proxy.setMode('reset');
    await eventually(() => c.closed, { ...opts, what: 'client reset' });
    assert.equal(c.error, 'ECONNRESET');
    await eventually(() => echo.errors.includes('ECONNRESET'), { ...opts, what: 'target reset' });
    const d = new Client(proxy.address);
    clients.push(d);
    await eventually(() => d.closed, { ...opts, what: 'new connection reset' });
    assert.equal(d.error, 'ECONNRESET');
    assert.equal(proxy.counters().resets, 2);
    assert.equal(proxy.counters().open, 0);
    proxy.setMode('pass');
    const e = await client();
    e.send('b');
    await e.receives('b');
  });

  it('passes a reset through from the target', async () => {
    const c = await client();
    c.send('a');
    await c.receives('a');
    for (const s of echo.sockets) s.resetAndDestroy();
    await eventually(() => c.closed, { ...opts, what: 'client reset' });
    assert.equal(c.error, 'ECONNRESET');
  });

  it('stop closes every connection', async () => {
    const c = await client();
    c.send('a');
    await c.receives('a');
    await proxy.stop();
    await eventually(() => c.ended || c.closed, { ...opts, what: 'closed by stop' });
    proxy = await startTcpProxy({ target: echo.address });
  });
});
