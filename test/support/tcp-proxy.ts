/**
 * A TCP proxy on loopback that tests put between two peers to cut, stall or reset the link
 * between them, live. One proxy forwards to one target; every accepted connection gets its own
 * upstream connection, opened when the proxy first forwards for it.
 *
 * Modes (`setMode` applies to live connections and to new ones):
 * - `pass`: forwards bytes and half-closes both ways.
 * - `drop`: forwards nothing. A new connection is closed as soon as it is accepted (the dialler
 *   sees its connection end before any byte). On a live connection the bytes each side sends are
 *   read and thrown away, and a close by either side is not passed on: the peers hear silence.
 *   A connection that lost bytes has a gap in its stream, so it is closed (both ends, RST) when
 *   the mode leaves `drop`, as TCP does when it gives up on a blackholed flow.
 * - `stall`: accepts, keeps every socket open and forwards nothing in either direction, without
 *   reading (the kernel buffers fill and the senders block), and holds back closes. A new
 *   connection gets no upstream connection yet. Back in `pass`, what was held is delivered in
 *   order: a stall loses nothing, it only delays.
 * - `reset`: every live connection is reset (RST to both peers) and every new one is reset on
 *   accept.
 */
import net from 'node:net';

export type TcpProxyMode = 'pass' | 'drop' | 'stall' | 'reset';

export interface TcpProxyCounters {
  /** Connections the proxy accepted (in any mode). */
  readonly accepted: number;
  /** Connections closed on accept because the mode was `drop`. */
  readonly refused: number;
  /** Connections reset (on accept, by `reset`, or after bytes were lost in `drop`). */
  readonly resets: number;
  /** Connections open now. */
  readonly open: number;
  /** Bytes from the dialling side written to the target. */
  readonly bytesToTarget: number;
  /** Bytes from the target written to the dialling side. */
  readonly bytesFromTarget: number;
  /** Bytes read and thrown away in `drop`. */
  readonly bytesDropped: number;
}

export interface TcpProxy {
  /** Where to dial: `127.0.0.1:<port>`. */
  readonly address: string;
  readonly target: string;
  readonly mode: TcpProxyMode;
  setMode(mode: TcpProxyMode): void;
  counters(): TcpProxyCounters;
  /** Closes the listener and destroys every connection. */
  stop(): Promise<void>;
}

type MutableCounters = { -readonly [K in keyof TcpProxyCounters]: TcpProxyCounters[K] };

/** One direction of a connection: what it holds back while the link does not forward. */
interface Direction {
  readonly from: net.Socket;
  readonly counter: 'bytesToTarget' | 'bytesFromTarget';
  held: Buffer[];
  /** The sender half-closed (its FIN is forwarded after what is held). */
  ended: boolean;
  /** The sender's socket failed (its reset is forwarded when the link forwards again). */
  failed: boolean;
  /** Waiting for the receiving socket to drain before reading more. */
  waiting: boolean;
}

function direction(from: net.Socket, counter: Direction['counter']): Direction {
  return { from, counter, held: [], ended: false, failed: false, waiting: false };
}

class Conn {
  upstream: net.Socket | undefined;
  /** Bytes or a close were thrown away in `drop`: the stream has a gap. */
  lost = false;
  closed = false;
  readonly down: Direction;
  up: Direction | undefined;

  constructor(
    readonly client: net.Socket,
    private readonly proxy: Proxy,
  ) {
    this.down = direction(client, 'bytesToTarget');
    this.#wire(this.down);
  }

  /** The socket a direction writes to (undefined while there is no upstream yet). */
  #to(d: Direction): net.Socket | undefined {
    return d === this.down ? this.upstream : this.client;
  }

  #wire(d: Direction): void {
    d.from.on('data', (chunk: Buffer) => {
      this.#onData(d, chunk);
    });
    d.from.on('end', () => {
      d.ended = true;
      if (this.proxy.mode === 'drop') this.lost = true;
      else this.flush();
    });
    d.from.on('error', () => {
      d.failed = true;
    });
    d.from.on('close', () => {
      this.#onClose();
    });
  }

  #onData(d: Direction, chunk: Buffer): void {
    if (this.proxy.mode === 'drop') {
      this.proxy.counts.bytesDropped += chunk.length;
      this.lost = true;
      return;
    }
    d.held.push(chunk);
    if (this.proxy.mode === 'pass') this.flush();
    else d.from.pause();
  }

  #onClose(): void {
    if (this.closed) return;
    if (this.proxy.mode === 'drop') this.lost = true;
    else this.flush();
    if (this.client.destroyed && (!this.upstream || this.upstream.destroyed)) this.destroy();
  }

  /** Forwards what is held, in order, then a FIN or a reset; resumes reading. Only in `pass`. */
  flush(): void {
    if (this.closed || this.proxy.mode !== 'pass') return;
    if (!this.upstream) {
      this.#connect();
      return;
    }
    if (this.down.failed || this.up?.failed) {
      this.reset();
      return;
    }
    this.#forwardBoth();
  }

  #forwardBoth(): void {
    for (const d of [this.down, this.up]) {
      if (!d) continue;
      const to = this.#to(d);
      if (to && !to.destroyed && !to.connecting) this.#forward(d, to);
    }
  }

  #forward(d: Direction, to: net.Socket): void {
    let ok = true;
    for (const chunk of d.held) {
      this.proxy.counts[d.counter] += chunk.length;
      ok = to.write(chunk) && ok;
    }
    d.held = [];
    if (d.ended) {
      if (!to.writableEnded) to.end();
    } else if (ok) {
      d.from.resume();
    } else if (!d.waiting) {
      d.waiting = true;
      d.from.pause();
      to.once('drain', () => {
        d.waiting = false;
        this.flush();
      });
    }
  }

  #connect(): void {
    const [host, port] = splitHostPort(this.proxy.target);
    const up = net.connect({ host, port, allowHalfOpen: true });
    up.setNoDelay(true);
    this.upstream = up;
    this.up = direction(up, 'bytesFromTarget');
    this.#wire(this.up);
    up.pause();
    up.once('connect', () => {
      this.flush();
    });
  }

  /** Stops reading both ways (`stall`). */
  hold(): void {
    this.client.pause();
    this.upstream?.pause();
  }

  /** Reads both ways so that what arrives is thrown away (`drop`). */
  drain(): void {
    for (const d of [this.down, this.up]) {
      if (!d) continue;
      if (d.held.length > 0) this.lost = true;
      this.proxy.counts.bytesDropped += d.held.reduce((n, b) => n + b.length, 0);
      d.held = [];
      d.from.resume();
    }
  }

  /** Resets both ends (RST). */
  reset(): void {
    if (this.closed) return;
    this.closed = true;
    this.proxy.counts.resets += 1;
    for (const s of [this.client, this.upstream]) {
      if (s && !s.destroyed) s.resetAndDestroy();
    }
    this.proxy.forget(this);
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
    this.upstream?.destroy();
    this.proxy.forget(this);
  }
}

class Proxy implements TcpProxy {
  mode: TcpProxyMode = 'pass';
  readonly counts: MutableCounters = {
    accepted: 0,
    refused: 0,
    resets: 0,
    open: 0,
    bytesToTarget: 0,
    bytesFromTarget: 0,
    bytesDropped: 0,
  };
  readonly #conns = new Set<Conn>();
  address = '';

  constructor(
    readonly target: string,
    readonly server: net.Server,
  ) {}

  accept(client: net.Socket): void {
    this.counts.accepted += 1;
    client.setNoDelay(true);
    if (this.mode === 'drop') {
      this.counts.refused += 1;
      client.destroy();
      return;
    }
    if (this.mode === 'reset') {
      this.counts.resets += 1;
      client.resetAndDestroy();
      return;
    }
    const conn = new Conn(client, this);
    this.#conns.add(conn);
    this.counts.open = this.#conns.size;
    if (this.mode === 'stall') conn.hold();
    else conn.flush();
  }

  forget(conn: Conn): void {
    this.#conns.delete(conn);
    this.counts.open = this.#conns.size;
  }

  setMode(mode: TcpProxyMode): void {
    this.mode = mode;
    for (const c of [...this.#conns]) {
      if (mode === 'reset' || (mode !== 'drop' && c.lost)) c.reset();
      else if (mode === 'drop') c.drain();
      else if (mode === 'stall') c.hold();
      else c.flush();
    }
  }

  counters(): TcpProxyCounters {
    return { ...this.counts };
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
    for (const c of [...this.#conns]) c.destroy();
    await closed;
  }
}

function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port)) throw new Error(`not host:port: ${address}`);
  return [address.slice(0, i).replace(/^\[|\]$/g, ''), port];
}

/** Starts a proxy on 127.0.0.1 (an ephemeral port) that forwards to `target` (`host:port`). */
export async function startTcpProxy(opts: { target: string }): Promise<TcpProxy> {
  splitHostPort(opts.target);
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  const proxy = new Proxy(opts.target, server);
  server.on('connection', (socket) => {
    proxy.accept(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('proxy has no TCP address');
  proxy.address = `127.0.0.1:${addr.port}`;
  return proxy;
}
