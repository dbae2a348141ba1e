/**
 * One HTTP(S) exchange with the controller: keep-alive agent, CA bundle or explicit insecure
 * mode, per-request timeout, abort, and a bound on the reply body (a reply announcing or
 * streaming more is cut off and its connection closed, never buffered whole). No retries, no
 * sessions: those are the client's.
 */
import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { failSpan, SpanKind, startSpan, tracingOn } from '../telemetry/tracing.js';

export interface TransportOptions {
  secure: boolean;
  /** PEM CA bundle to trust instead of the system store. */
  ca?: string | Buffer;
  /** Skip certificate verification (explicit opt-in only). */
  insecure?: boolean;
  /** Sockets kept per host (default 16). */
  maxSockets?: number;
  /** Largest reply body read, in bytes (default: no limit). */
  maxResponseBytes?: number;
}

export interface TransportRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export interface TransportResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body; empty when it was too large. */
  text: string;
  /** Set when the body was larger than `maxResponseBytes`: it was not read. */
  tooLarge?: { limit: number };
}

/** A request that got no reply. `aborted` means the caller's signal ended it. */
export class TransportFailure extends Error {
  constructor(
    readonly kind: 'timeout' | 'network' | 'aborted',
    readonly reason: unknown,
  ) {
    super(reason instanceof Error ? reason.message : String(reason), { cause: reason });
    this.name = 'TransportFailure';
  }
}

/** An `avi.request` client span (a child of the active one) around one exchange. */
async function traced(
  req: TransportRequest,
  exchange: Promise<TransportResponse>,
): Promise<TransportResponse> {
  const span = startSpan(
    'avi.request',
    { 'http.request.method': req.method, 'url.path': new URL(req.url).pathname },
    { kind: SpanKind.CLIENT },
  );
  if (span === undefined) return exchange;
  try {
    const res = await exchange;
    span.setAttribute('http.response.status_code', res.status);
    if (res.status >= 400) failSpan(span, `HTTP ${res.status}`);
    else span.end();
    return res;
  } catch (err) {
    failSpan(span, err);
    throw err;
  }
}

/** `https://host:port/path?query` → origin and path, without parsing the whole URL. */
export function splitUrl(url: string): { origin: string; path: string } {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return slash < 0
    ? { origin: url, path: '/' }
    : { origin: url.slice(0, slash), path: url.slice(slash) };
}

interface Origin {
  hostname: string;
  port: string;
}

export class HttpTransport {
  readonly #request: typeof httpRequest;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #maxBytes: number;
  readonly #origins = new Map<string, Origin>();

  constructor(opts: TransportOptions) {
    this.#request = opts.secure ? httpsRequest : httpRequest;
    this.#maxBytes = opts.maxResponseBytes ?? Number.POSITIVE_INFINITY;
    const common = { keepAlive: true, maxSockets: opts.maxSockets ?? 16 };
    this.#agent = opts.secure
      ? new HttpsAgent({
          ...common,
          ...(opts.ca === undefined ? {} : { ca: opts.ca }),
          rejectUnauthorized: opts.insecure !== true,
        })
      : new HttpAgent(common);
  }

  send(req: TransportRequest): Promise<TransportResponse> {
    const exchange = this.#exchange(req);
    return tracingOn() ? traced(req, exchange) : exchange;
  }

  /**
   * The request goes out with its host, port and path given apart (no URL parsed per request).
   * Its timer and the caller's signal end it by destroying it and its reply; both are released
   * when it settles. No AbortController is made per request, and node's own abort handling
   * (a `signal` option) is not attached to it.
   */
  #exchange(req: TransportRequest): Promise<TransportResponse> {
    return new Promise<TransportResponse>((resolve, reject) => {
      const signal = req.signal;
      if (signal?.aborted === true) {
        reject(new TransportFailure('aborted', signal.reason));
        return;
      }
      let timedOut = false;
      let done = false;
      let reply: IncomingMessage | undefined;
      let outgoing: ClientRequest | undefined;
      const settle = (outcome: TransportResponse | TransportFailure): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (outcome instanceof TransportFailure) reject(outcome);
        else resolve(outcome);
      };
      const failed = (err: unknown): void => {
        if (signal?.aborted === true) settle(new TransportFailure('aborted', signal.reason));
        else settle(new TransportFailure(timedOut ? 'timeout' : 'network', err));
      };
      const end = (err: Error): void => {
        reply?.destroy(err);
        outgoing?.destroy(err);
        failed(err);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        end(new Error(`request timed out after ${req.timeoutMs} ms`));
      }, req.timeoutMs);
      const onAbort = (): void => {
        end(signal?.reason instanceof Error ? signal.reason : new Error('request aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const target = this.#target(req.url);
        outgoing = this.#request({
          ...target.origin,
          path: target.path,
          method: req.method,
          headers: req.headers,
          agent: this.#agent,
        });
      } catch (err) {
        // Refused before anything was sent (a header value node does not take, say): not a
        // transport failure, and no retry would change it.
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      outgoing.on('error', failed);
      outgoing.on('response', (res) => {
        reply = res;
        this.#read(res).then(settle, failed);
      });
      outgoing.end(req.body);
    });
  }

  /** Host and port of the request's origin (parsed once per origin) and its path. */
  #target(url: string): { origin: Origin; path: string } {
    const { origin, path } = splitUrl(url);
    let parsed = this.#origins.get(origin);
    if (parsed === undefined) {
      const u = new URL(origin);
      parsed = { hostname: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port };
      if (this.#origins.size > 16) this.#origins.clear();
      this.#origins.set(origin, parsed);
    }
    return { origin: parsed, path };
  }

  /**
   * The body of `res`, or `tooLarge` as soon as its `Content-Length` or the bytes received pass
   * the limit; the connection is then destroyed (so it is not reused with a body half read).
   */
  #read(res: IncomingMessage): Promise<TransportResponse> {
    const head = { status: res.statusCode ?? 0, headers: res.headers };
    const limit = this.#maxBytes;
    const tooLarge = (): TransportResponse => {
      res.destroy();
      return { ...head, text: '', tooLarge: { limit } };
    };
    if (Number(res.headers['content-length'] ?? 0) > limit) return Promise.resolve(tooLarge());
    return new Promise<TransportResponse>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) resolve(tooLarge());
        else chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => {
        resolve({ ...head, text: Buffer.concat(chunks).toString('utf8') });
      });
      // Destroyed before its end without an error (the connection closed under it).
      res.on('close', () => {
        if (!res.complete) reject(new Error('reply cut off before its end'));
      });
    });
  }

  /** Closes idle keep-alive sockets; in-flight requests finish. */
  close(): void {
    this.#agent.destroy();
  }
}
