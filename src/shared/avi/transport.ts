/**
 * One HTTP(S) exchange with the controller: keep-alive agent, CA bundle or explicit insecure
 * mode, per-request timeout, abort. No retries, no sessions: those are the client's.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface TransportOptions {
  secure: boolean;
  /** PEM CA bundle to trust instead of the system store. */
  ca?: string | Buffer;
  /** Skip certificate verification (explicit opt-in only). */
  insecure?: boolean;
  /** Sockets kept per host (default 16). */
  maxSockets?: number;
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
  text: string;
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

export class HttpTransport {
  readonly #secure: boolean;
  readonly #agent: HttpAgent | HttpsAgent;

  constructor(opts: TransportOptions) {
    this.#secure = opts.secure;
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
    return this.#exchange(req, controller.signal, failure).finally(release);
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
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
        });
        res.on('error', (err) => {
          reject(failure(err));
        });
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
      });
      outgoing.end(req.body);
    });
  }

  /** Closes idle keep-alive sockets; in-flight requests finish. */
  close(): void {
    this.#agent.destroy();
  }
}
