/**
 * The Avi Controller REST client (avi-rest-api.md): session login with cookies and CSRF token,
 * `X-Avi-Version` / `X-Avi-Tenant` / `X-Avi-UserAgent` on every call, one re-login and replay
 * on 401, retries with backoff and jitter for transient failures, a per-request timeout and a
 * concurrency limit. Errors are `AviError` (an `OperatorError`) classified in `avi-error.ts`.
 */
import { Backoff, doubling, type BackoffPolicy } from '../backoff.js';
import { type Clock, systemClock } from '../clock.js';
import { type Logger, silentLogger } from '../telemetry/logger.js';
import {
  type AviError,
  controllerText,
  httpError,
  retriedInClient,
  transportError,
} from './avi-error.js';
import { type ControllerAddress, parseControllerAddress } from './base-url.js';
import { cookieHeader } from './cookies.js';
import { ConcurrencyLimiter } from './limiter.js';
import { readReply, tooLargeText } from './reply-body.js';
import {
  errorClassOfStatus,
  type AviErrorClass,
  type AviRequestObserver,
} from './request-outcome.js';
import {
  type AviReader,
  type AviRequest,
  AviResource,
  type AviResponse,
  DEFAULT_MAX_PAGES,
  type ReadOptions,
} from './resource.js';
import { AviSession } from './session.js';
import {
  HttpTransport,
  TransportFailure,
  type TransportOptions,
  type TransportResponse,
} from './transport.js';
import type {
  ApplicationPersistenceProfile,
  Cloud,
  Cluster,
  Gslb,
  GslbService,
  HealthMonitor,
  InitialData,
  PKIProfile,
  Stored,
  Tenant,
  VirtualService,
} from './types.js';

/** Retries of transient failures: exponential backoff with full jitter (see shared/backoff.ts). */
export interface AviRetryOptions {
  /** Attempts in total, the first included (1 = no retry). */
  attempts: number;
  /** Delay ceiling of the first retry, doubled for each later one. */
  baseMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
}

export const DEFAULT_RETRY: Readonly<AviRetryOptions> = Object.freeze({
  attempts: 4,
  baseMs: 200,
  maxMs: 5_000,
});

/** The backoff of `retry`: doubling from `baseMs` up to `maxMs`, with full jitter. */
export function aviRetryBackoff(retry: AviRetryOptions): BackoffPolicy {
  return doubling(retry.baseMs, retry.maxMs, 'full');
}

export interface AviClientOptions {
  /** `host`, `host:port` or `http(s)://host[:port]`; HTTPS when no scheme is given. */
  baseUrl: string;
  username: string;
  password?: string;
  /** API token, used at login instead of the password. */
  token?: string;
  /** `X-Avi-Version` (GSLBConfig `controllerVersion`); default 22.1.3. */
  controllerVersion?: string;
  /** Tenant of calls that name none (GSLBConfig `tenant`); default `admin`. */
  tenant?: string;
  /** PEM CA bundle to verify the controller's certificate. */
  caBundle?: string | Buffer;
  /** Skip certificate verification; must be asked for explicitly. */
  insecure?: boolean;
  /** Sent as `User-Agent: amko-ts/<version> cluster/<cluster>`. */
  userAgent?: { version: string; cluster: string };
  logger?: Logger;
  clock?: Clock;
  /** Requests in flight at most (default 8); the rest wait in FIFO order. */
  concurrency?: number;
  /** Per-request timeout (default 60 s). */
  requestTimeoutMs?: number;
  retry?: Partial<AviRetryOptions>;
  /** Random source in [0, 1) for jitter. */
  random?: () => number;
  /**
   * Largest reply body read, in bytes (default 8 MiB, `DEFAULT_MAX_RESPONSE_BYTES`). A longer
   * reply is cut off unread (AVI_REPLY_TOO_LARGE) instead of being buffered.
   */
  maxResponseBytes?: number;
  /** Most pages one list follows (default 5,000, `DEFAULT_MAX_PAGES`); more is AVI_BAD_REPLY. */
  maxPages?: number;
  /** Told about every exchange with the controller: its duration and failure class (metrics). */
  observer?: AviRequestObserver;
}

export interface LeaderCheck {
  clusterUuid: string;
  /** Undefined when the controller is in no GSLB configuration. */
  leaderClusterUuid: string | undefined;
  leader: boolean;
  maintenance: boolean;
  thirdPartySites: string[];
}

export const DEFAULT_CONTROLLER_VERSION = '22.1.3';

/**
 * 8 MiB: a page of 200 GslbServices (the controller's largest page) is about 1 MB, so this leaves
 * ample room while a runaway reply (a proxy streaming a file, a controller bug) is cut off early.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

function queryString(query: AviRequest['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(key, String(value));
  }
  params.sort();
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function transportOptions(
  opts: AviClientOptions,
  secure: boolean,
  maxSockets: number,
): TransportOptions {
  return {
    secure,
    maxSockets,
    maxResponseBytes: opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    ...(opts.caBundle === undefined ? {} : { ca: opts.caBundle }),
    ...(opts.insecure === undefined ? {} : { insecure: opts.insecure }),
  };
}

export class AviClient {
  readonly gslbServices: AviResource<GslbService>;
  readonly healthMonitors: AviResource<HealthMonitor>;
  readonly persistenceProfiles: AviResource<ApplicationPersistenceProfile>;
  readonly pkiProfiles: AviResource<PKIProfile>;
  readonly tenants: AviResource<Tenant>;
  readonly gslbs: AviResource<Gslb>;
  readonly virtualServices: AviReader<VirtualService>;
  readonly clouds: AviReader<Cloud>;
  readonly defaultTenant: string;

  readonly #address: ControllerAddress;
  readonly #version: string;
  readonly #userAgent: string;
  readonly #timeoutMs: number;
  readonly #retry: AviRetryOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #log: Logger;
  readonly #transport: HttpTransport;
  readonly #session: AviSession;
  readonly #limiter: ConcurrencyLimiter;
  readonly #observe: AviRequestObserver | undefined;

  constructor(opts: AviClientOptions) {
    this.#address = parseControllerAddress(opts.baseUrl);
    this.#version = opts.controllerVersion ?? DEFAULT_CONTROLLER_VERSION;
    this.defaultTenant = opts.tenant ?? 'admin';
    const ua = opts.userAgent ?? { version: 'dev', cluster: 'unknown' };
    this.#userAgent = `amko-ts/${ua.version} cluster/${ua.cluster}`;
    this.#timeoutMs = opts.requestTimeoutMs ?? 60_000;
    this.#retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.#clock = opts.clock ?? systemClock;
    this.#random = opts.random ?? Math.random;
    this.#log = (opts.logger ?? silentLogger()).child({ component: 'avi-client' });
    this.#observe = opts.observer;
    const concurrency = opts.concurrency ?? 8;
    this.#limiter = new ConcurrencyLimiter(concurrency);
    this.#transport = new HttpTransport(transportOptions(opts, this.#address.secure, concurrency));
    this.#session = new AviSession({
      transport: this.#transport,
      address: this.#address,
      credentials: {
        username: opts.username,
        ...(opts.password === undefined ? {} : { password: opts.password }),
        ...(opts.token === undefined ? {} : { token: opts.token }),
      },
      commonHeaders: () => this.#commonHeaders(),
      timeoutMs: this.#timeoutMs,
      log: this.#log,
      now: () => this.#clock.now(),
      observe: opts.observer,
    });
    const request = <R>(req: AviRequest): Promise<AviResponse<R>> => this.request<R>(req);
    const common = { request, maxPages: opts.maxPages ?? DEFAULT_MAX_PAGES };
    this.gslbServices = new AviResource({ ...common, type: 'gslbservice' });
    this.healthMonitors = new AviResource({ ...common, type: 'healthmonitor' });
    this.persistenceProfiles = new AviResource({
      ...common,
      type: 'applicationpersistenceprofile',
    });
    this.pkiProfiles = new AviResource({ ...common, type: 'pkiprofile' });
    this.tenants = new AviResource({ ...common, type: 'tenant' });
    this.gslbs = new AviResource({ ...common, type: 'gslb' });
    this.virtualServices = new AviResource({ ...common, type: 'virtualservice' });
    this.clouds = new AviResource({ ...common, type: 'cloud' });
  }

  /** Logins performed so far (the first one included). */
  get logins(): number {
    return this.#session.logins;
  }

  /** Requests holding a slot / waiting for one. */
  get load(): { active: number; waiting: number } {
    return { active: this.#limiter.active, waiting: this.#limiter.waiting };
  }

  /** Logs in now (otherwise the first request does). */
  async login(): Promise<void> {
    await this.#session.ensure();
  }

  /** `GET /api/cluster`: the controller cluster (its uuid identifies the site). */
  async getCluster(opts: ReadOptions = {}): Promise<Stored<Cluster>> {
    const res = await this.request<Stored<Cluster>>({
      method: 'GET',
      path: '/api/cluster',
      tenant: opts.tenant ?? 'admin',
      signal: opts.signal,
      expect: 'object',
    });
    return res.body;
  }

  /** `GET /api/initial-data`: the controller version when none is configured. */
  async getInitialData(opts: ReadOptions = {}): Promise<InitialData> {
    const res = await this.request<InitialData>({
      method: 'GET',
      path: '/api/initial-data',
      tenant: opts.tenant ?? '*',
      signal: opts.signal,
    });
    return res.body;
  }

  /** Is this controller the GSLB leader? (`/api/cluster` uuid = `leader_cluster_uuid`). */
  async leaderCheck(opts: ReadOptions = {}): Promise<LeaderCheck> {
    const read = {
      tenant: opts.tenant ?? 'admin',
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    const [cluster, gslbs] = await Promise.all([this.getCluster(read), this.gslbs.list(read)]);
    const gslb = gslbs[0];
    return {
      clusterUuid: cluster.uuid,
      leaderClusterUuid: gslb?.leader_cluster_uuid,
      leader: gslb !== undefined && gslb.leader_cluster_uuid === cluster.uuid,
      maintenance: gslb?.maintenance_mode === true,
      thirdPartySites: (gslb?.third_party_sites ?? []).map((s) => s.name),
    };
  }

  /** One API call through the limiter, with session handling and retries. */
  request<R>(req: AviRequest): Promise<AviResponse<R>> {
    return this.#limiter.run(() => this.#withRetries<R>(req), req.signal);
  }

  /** Ends the session on the controller and closes idle connections. */
  async close(): Promise<void> {
    await this.#session.logout();
    this.#transport.close();
  }

  #commonHeaders(): Record<string, string> {
    return {
      Accept: 'application/json',
      Referer: `${this.#address.origin}/`,
      'User-Agent': this.#userAgent,
      'X-Avi-UserAgent': 'AMKO',
      'X-Avi-Version': this.#version,
    };
  }

  async #withRetries<R>(req: AviRequest): Promise<AviResponse<R>> {
    const backoff = new Backoff(aviRetryBackoff(this.#retry), this.#random);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#exchange<R>(req);
      } catch (err) {
        if (attempt >= this.#retry.attempts || !retriedInClient(err) || req.signal?.aborted)
          throw err;
        const delayMs = backoff.next();
        const { code, status, detail } = err as AviError;
        this.#log.warn(
          { method: req.method, path: req.path, attempt, delayMs, code, status, detail },
          'Avi call failed, retrying',
        );
        await this.#clock.sleep(delayMs, req.signal);
      }
    }
  }

  /** Sends once; on 401 logs in again (once, shared) and replays; on 419 adopts new cookies. */
  async #exchange<R>(req: AviRequest): Promise<AviResponse<R>> {
    await this.#session.ensure();
    const generation = this.#session.generation;
    let res = await this.#send(req);
    if (res.status === 419 && this.#session.adopt(res.headers['set-cookie'])) {
      res = await this.#send(req);
    } else if (res.status === 401) {
      this.#log.info(
        { method: req.method, path: req.path },
        'Avi session rejected, logging in again',
      );
      await this.#session.renew(generation);
      res = await this.#send(req);
    }
    return this.#result<R>(req, res);
  }

  async #send(req: AviRequest): Promise<TransportResponse> {
    const cookies = this.#session.cookies;
    const headers: Record<string, string> = {
      ...this.#commonHeaders(),
      'X-Avi-Tenant': req.tenant ?? this.defaultTenant,
    };
    if (cookies !== undefined) {
      headers['Cookie'] = cookieHeader(cookies);
      headers['X-CSRFToken'] = cookies.csrftoken;
    }
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const started = this.#clock.now();
    try {
      const res = await this.#transport.send({
        method: req.method,
        url: `${this.#address.origin}${req.path}${queryString(req.query)}`,
        headers,
        ...(body === undefined ? {} : { body }),
        timeoutMs: this.#timeoutMs,
        signal: req.signal,
      });
      const ms = this.#clock.now() - started;
      this.#log.debug(
        {
          method: req.method,
          path: req.path,
          tenant: headers['X-Avi-Tenant'],
          status: res.status,
          ms,
        },
        'Avi call',
      );
      this.#observed(req.method, started, errorClassOfStatus(res.status));
      return res;
    } catch (err) {
      if (!(err instanceof TransportFailure)) throw err;
      if (err.kind === 'aborted') throw err.reason;
      this.#observed(req.method, started, err.kind);
      throw transportError({ method: req.method, path: req.path }, err.kind, err.reason);
    }
  }

  #observed(method: string, started: number, errorClass: AviErrorClass | undefined): void {
    this.#observe?.({ method, seconds: (this.#clock.now() - started) / 1000, errorClass });
  }

  #result<R>(req: AviRequest, res: TransportResponse): AviResponse<R> {
    const target = { method: req.method, path: req.path };
    if (res.status >= 200 && res.status < 300) {
      return { status: res.status, body: readReply(target, res, req.expect ?? 'any') as R };
    }
    const detail =
      res.tooLarge === undefined
        ? controllerText(parseJson(res.text), res.text)
        : tooLargeText(res.tooLarge.limit);
    throw httpError(target, res.status, detail);
  }
}
