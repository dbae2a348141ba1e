/**
 * Errors of the Avi client, classified once here (avi-rest-api.md §4, gslb-pipeline.md §10.5)
 * into the operator's error codes and retry dispositions. The controller's own error text is kept
 * in `detail`; nothing downstream needs to read it.
 */
import { type ErrorCode, OperatorError, type Retry } from '../errors.js';

export interface AviErrorInit {
  code: ErrorCode;
  retry: Retry;
  method: string;
  path: string;
  /** HTTP status; undefined for transport failures (timeouts, resets, refused connections). */
  status?: number;
  /** The controller's error text (`{"error": …}`), or the transport's message. */
  detail: string;
  /** For 409: the object that already exists, when it could be read. */
  existing?: unknown;
  cause?: unknown;
}

export class AviError extends OperatorError {
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly detail: string;
  readonly existing: unknown;

  constructor(init: AviErrorInit) {
    const status = init.status === undefined ? '' : ` ${init.status}`;
    super(init.code, init.retry, `Avi ${init.method} ${init.path}:${status} ${init.detail}`, {
      cause: init.cause,
    });
    this.name = 'AviError';
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.detail = init.detail;
    this.existing = init.existing;
  }

  /** The same error carrying the object that already exists (409). */
  withExisting(existing: unknown): AviError {
    return new AviError({
      code: this.code,
      retry: this.retry,
      method: this.method,
      path: this.path,
      ...(this.status === undefined ? {} : { status: this.status }),
      detail: this.detail,
      existing,
      cause: this.cause,
    });
  }
}

/** Controller texts that distinguish 400s (avi-rest-api.md §4). */
export const NOT_LEADER_TEXT = 'Config Operations can be done ONLY on leader';
export const MAINTENANCE_TEXT = 'GSLB system is in maintenance mode';
export const DOMAIN_CONFLICT_TEXT = 'domain name conflicting with existing domain name';
export const INVALID_CREDENTIALS_TEXT = 'Invalid credentials';

interface Target {
  method: string;
  path: string;
}

function classify400(detail: string): { code: ErrorCode; retry: Retry } {
  if (detail.includes(NOT_LEADER_TEXT)) return { code: 'AVI_NOT_LEADER', retry: 'never' };
  if (detail.includes(MAINTENANCE_TEXT)) return { code: 'AVI_MAINTENANCE', retry: 'slow' };
  if (detail.includes(DOMAIN_CONFLICT_TEXT)) return { code: 'AVI_DOMAIN_CONFLICT', retry: 'slow' };
  return { code: 'AVI_REJECTED', retry: 'never' };
}

function classifyStatus(
  status: number,
  detail: string,
  login: boolean,
): { code: ErrorCode; retry: Retry } {
  if (status >= 500 || status === 429) return { code: 'AVI_UNAVAILABLE', retry: 'slow' };
  switch (status) {
    case 400:
      return classify400(detail);
    case 401:
      return login || detail.includes(INVALID_CREDENTIALS_TEXT)
        ? { code: 'AVI_AUTH', retry: 'slow' }
        : { code: 'AVI_UNAVAILABLE', retry: 'slow' };
    case 404:
      return { code: 'AVI_NOT_FOUND', retry: 'backoff' };
    case 409:
      return { code: 'AVI_CONFLICT', retry: 'backoff' };
    case 412:
      return { code: 'AVI_PRECONDITION', retry: 'backoff' };
    case 419:
      return { code: 'AVI_UNAVAILABLE', retry: 'backoff' };
    default:
      return { code: 'AVI_REJECTED', retry: 'never' };
  }
}

/** The error for a non-2xx reply. `login` marks replies to `POST /login`. */
export function httpError(target: Target, status: number, detail: string, login = false): AviError {
  return new AviError({ ...target, ...classifyStatus(status, detail, login), status, detail });
}

/** Certificate verification failures: a configuration problem, not worth a quick retry. */
const TLS_VERIFY_CODES: readonly string[] = Object.freeze([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function errorCode(cause: unknown): string | undefined {
  if (cause === null || typeof cause !== 'object' || !('code' in cause)) return undefined;
  return typeof cause.code === 'string' ? cause.code : undefined;
}

/**
 * The error for a request that got no reply: timeouts and certificate failures go to the slow
 * path; connection failures back off (and the client retries them itself).
 */
export function transportError(
  target: Target,
  kind: 'timeout' | 'network',
  cause: unknown,
): AviError {
  const tls = TLS_VERIFY_CODES.includes(errorCode(cause) ?? '');
  const message = cause instanceof Error ? cause.message : String(cause);
  return new AviError({
    ...target,
    code: 'AVI_UNAVAILABLE',
    retry: kind === 'timeout' || tls ? 'slow' : 'backoff',
    detail: kind === 'timeout' ? 'request timed out' : message,
    cause,
  });
}

/**
 * True for failures the client retries itself: 5xx, 429, connection failures (not timeouts), and
 * unusable 2xx replies to a GET (an HTML page, broken JSON, an object without uuid). An unusable
 * reply to a write is not retried: the write may have been carried out.
 */
export function retriedInClient(err: unknown): boolean {
  if (!(err instanceof AviError)) return false;
  if (err.code === 'AVI_BAD_REPLY') return err.method === 'GET' && err.retry === 'backoff';
  if (err.code !== 'AVI_UNAVAILABLE') return false;
  if (err.status === undefined) return err.retry === 'backoff';
  return err.status >= 500 || err.status === 429;
}

/** The controller's error text from a reply body: `error` of a JSON object, else the raw text. */
export function controllerText(body: unknown, raw: string): string {
  if (body !== null && typeof body === 'object' && 'error' in body) {
    if (typeof body.error === 'string') return body.error;
  }
  const text = raw.trim();
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
