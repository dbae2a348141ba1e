/**
 * The Avi Controller simulator: an HTTP(S) server for the REST subset of avi-rest-api.md, with
 * fault injection, request accounting and a control API under `/_sim/`. Usable in-process
 * (`new AviSimulator(opts)`, `await sim.start()`, `await sim.stop()`) and as `amko-avi-sim`.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { ApiRoutes } from './api-routes.js';
import { Auth } from './auth.js';
import { SimControl } from './control.js';
import { handleControl } from './control-routes.js';
import { Controller } from './controller.js';
import { defaultSeed } from './default-seed.js';
import { replyWithFault } from './fault-reply.js';
import { Faults, type FaultRule } from './faults.js';
import { Journal, journalEntry } from './journal.js';
import { sendReply } from './reply-writer.js';
import { Sessions, type SimUser } from './sessions.js';
import { selfSignedCertificate, type CertificatePair } from './self-signed.js';
import { type AviSimulatorOptions, resolveOptions, type ResolvedOptions } from './sim-options.js';
import { SimError } from './sim-error.js';
import {
  headerOf,
  jsonError,
  objectTypeOf,
  type SimReply,
  type SimRequest,
  toSimRequest,
} from './sim-request.js';
import { StateFile } from './state-file.js';
import { versionProblem } from './version-check.js';

export type { AviSimulatorOptions } from './sim-options.js';

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export class AviSimulator {
  readonly control: SimControl;
  readonly #o: ResolvedOptions;
  readonly #controller: Controller;
  readonly #sessions: Sessions;
  readonly #journal: Journal;
  readonly #faults: Faults;
  readonly #auth: Auth;
  readonly #routes: ApiRoutes;
  readonly #state: StateFile | undefined;
  readonly #tls: CertificatePair | undefined;
  readonly #held = new Set<Socket>();
  readonly #stopping = new AbortController();
  #server: Server | undefined;
  #url = '';

  constructor(options: AviSimulatorOptions) {
    const o = resolveOptions(options);
    this.#o = o;
    this.#controller = new Controller({ clock: o.clock, options: o });
    this.#sessions = new Sessions({ clock: o.clock, idleMs: o.sessionIdleMs });
    this.#journal = new Journal({ limit: o.journalLimit });
    this.#faults = new Faults({ random: o.random });
    this.#auth = new Auth({ sessions: this.#sessions, options: o });
    this.#routes = new ApiRoutes({ controller: this.#controller, now: () => o.clock.now() });
    this.#tls = this.#certificate();
    this.#state =
      o.statePath === undefined
        ? undefined
        : new StateFile({
            path: o.statePath,
            onError: (err) => {
              o.logger.error({ err }, 'cannot save simulator state');
            },
          });
    const users: SimUser[] = [{ username: o.username, password: o.password, ...o.token }];
    this.control = new SimControl({
      controller: this.#controller,
      sessions: this.#sessions,
      journal: this.#journal,
      faults: this.#faults,
      seed: o.seed ?? defaultSeed(),
      users,
      base: () => this.#url,
      onChange: () => {
        this.#persist();
      },
    });
    this.#load(users);
  }

  /** The base URL once started (`http(s)://127.0.0.1:PORT`). */
  get url(): string {
    return this.#url;
  }

  /** The PEM certificate served with `--tls` (its own CA), else undefined. */
  get certificate(): string | undefined {
    return this.#tls?.cert;
  }

  async start(): Promise<string> {
    const server = this.#tls
      ? createHttpsServer({ cert: this.#tls.cert, key: this.#tls.key })
      : createHttpServer();
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.#o.logger.error({ err }, 'request failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#o.port, this.#o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const host = this.#o.host.includes(':') ? `[${this.#o.host}]` : this.#o.host;
    this.#url = `${this.#tls ? 'https' : 'http'}://${host}:${port}`;
    return this.#url;
  }

  async stop(): Promise<void> {
    this.#stopping.abort(new Error('simulator stopping'));
    for (const socket of this.#held) socket.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) {
      const closed = new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      server.closeAllConnections();
      await closed;
    }
    await this.#state?.flush();
  }

  #certificate(): CertificatePair | undefined {
    const tls = this.#o.tls;
    if (tls === false) return undefined;
    if (tls !== true) return tls;
    return selfSignedCertificate({
      commonName: 'amko-avi-sim',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1', '::1', ...(this.#o.host.match(/^[\d.]+$/) ? [this.#o.host] : [])],
      notBefore: new Date(this.#o.clock.now() - 3_600_000),
      days: 365,
    });
  }

  #load(users: readonly SimUser[]): void {
    const saved = this.#state?.load();
    if (saved !== undefined) {
      this.#controller.store.restore(saved);
      for (const user of [...(this.#o.seed?.users ?? []), ...users]) this.#sessions.setUser(user);
      return;
    }
    this.control.reset();
  }

  #persist(): void {
    this.#state?.save(() => this.#controller.store.snapshot());
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const time = new Date(this.#o.clock.now()).toISOString();
    const raw = await readBody(req);
    const { request, parseError } = toSimRequest(req, raw, {
      secure: this.#tls !== undefined,
      host: new URL(this.#url).host,
    });
    if (request.path === '/_sim' || request.path.startsWith('/_sim/')) {
      const cert = this.#tls?.cert;
      await sendReply(
        res,
        this.#safely(() => parseError ?? handleControl(this.control, request, cert)),
      );
      return;
    }
    const fault = this.#faults.take({
      method: request.method,
      path: request.path,
      objectType: objectTypeOf(request.path),
      tenant: headerOf(req.headers, 'x-avi-tenant'),
      bodyText: raw,
      userAgent: headerOf(req.headers, 'user-agent'),
    });
    const reply = await this.#reply(request, parseError, fault, res);
    const micros = (ms: number): number => Math.round(ms * 1000) / 1000;
    this.#journal.record(
      journalEntry(request, {
        time,
        status: reply?.status ?? 0,
        arrivedMs: micros(started),
        latencyMs: micros(performance.now() - started),
        fault: fault?.id,
      }),
    );
    if (reply === undefined) return;
    await sendReply(res, reply);
    const write = request.method !== 'GET' && request.path.startsWith('/api/');
    if (write && reply.status < 300) this.#persist();
  }

  /** The reply to an API request, or undefined when a fault reset or held the connection. */
  async #reply(
    req: SimRequest,
    parseError: SimReply | undefined,
    fault: FaultRule | undefined,
    res: ServerResponse,
  ): Promise<SimReply | undefined> {
    const effect = fault?.effect ?? {};
    if (effect.latencyMs !== undefined) {
      await this.#o.clock.sleep(effect.latencyMs, this.#stopping.signal).catch(() => undefined);
    }
    if (effect.reset === true || effect.timeout === true) {
      this.#cut(res, effect.reset === true);
      return undefined;
    }
    return replyWithFault(effect, req, () => parseError ?? this.#safely(() => this.#dispatch(req)));
  }

  /** A reset closes the connection now; a timeout holds it open until the client gives up. */
  #cut(res: ServerResponse, reset: boolean): void {
    const socket = res.socket;
    if (socket === null) return;
    if (reset) {
      socket.destroy();
      return;
    }
    this.#held.add(socket);
    socket.once('close', () => {
      this.#held.delete(socket);
    });
  }

  #dispatch(req: SimRequest): SimReply {
    if (req.path === '/login' || req.path === '/logout') {
      if (req.method !== 'POST') throw new SimError(405, `Method "${req.method}" not allowed.`);
      return req.path === '/login' ? this.#auth.login(req) : this.#auth.logout(req);
    }
    if (!req.path.startsWith('/api/')) throw new SimError(404, 'resource not found');
    const auth = this.#auth.authorize(req);
    if (!auth.ok) return auth.reply;
    const problem = versionProblem(this.#o, headerOf(req.headers, 'x-avi-version'));
    if (problem !== undefined) return jsonError(400, problem);
    return this.#routes.handle(req);
  }

  #safely(fn: () => SimReply): SimReply {
    try {
      return fn();
    } catch (err) {
      if (err instanceof SimError) return jsonError(err.status, err.text);
      this.#o.logger.error({ err }, 'simulator handler failed');
      return jsonError(500, err instanceof Error ? err.message : String(err));
    }
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new SimError(413, 'request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
