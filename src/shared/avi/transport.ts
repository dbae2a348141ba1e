/**
 * One HTTP(S) exchange with the controller: keep-alive agent, CA bundle or explicit insecure
 * mode, per-request timeout, abort, and a bound on the reply body (a reply announcing or
 * streaming more is cut off and its connection closed, never buffered whole). No retries, no
 * sessions: those are the client's.
 */
import {
  Agent as HttpAgent,
  request as httpRequest,
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

export class HttpTransport {
  readonly #secure: boolean;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #maxBytes: number;

  constructor(opts: TransportOptions) {
    this.#secure = opts.secure;
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
    // One controller per request, its timer and its link to the caller's signal released when the
    // request settles (AbortSignal.timeout/any would keep both alive for the full timeout).
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`request timed out after ${req.timeoutMs} ms`));
    }, req.timeoutMs);
    const onAbort = (): void => {
      controller.abort(req.signal?.reason);
    };
    if (req.signal?.aborted === true) onAbort();
    else req.signal?.addEventListener('abort', onAbort, { once: true });
    const release = (): void => {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    };
    const failure = (err: unknown): TransportFailure => {
      if (req.signal?.aborted === true) return new TransportFailure('aborted', req.signal.reason);
      if (timedOut) return new TransportFailure('timeout', err);
      return new TransportFailure('network', err);
    };
    const exchange = this.#exchange(req, controller.signal, failure).finally(release);
    return tracingOn() ? traced(req, exchange) : exchange;
  }

  #exchange(
    req: TransportRequest,
    signal: AbortSignal,
    failure: (err: unknown) => TransportFailure,
  ): Promise<TransportResponse> {
    const send = this.#secure ? httpsRequest : httpRequest;
    return new Promise<TransportResponse>((resolve, reject) => {
      const outgoing = send(req.url, {
        method: req.method,
        headers: req.headers,
        agent: this.#agent,
        signal,
      });
      outgoing.on('error', (err) => {
        reject(failure(err));
      });
      outgoing.on('response', (res) => {
        this.#read(res).then(resolve, (err: unknown) => {
          reject(failure(err));
        });
      });
      outgoing.end(req.body);
    });
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
    });
  }

  /** Closes idle keep-alive sockets; in-flight requests finish. */
  close(): void {
    this.#agent.destroy();
  }
}
