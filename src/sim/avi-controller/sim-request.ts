/** The simulator's view of one HTTP request and its reply, independent of node:http. */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { normalizePath } from './refs.js';

export interface SimRequest {
  method: string;
  /** Normalised path (repeated slashes collapsed, one trailing slash dropped). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined when the request had none. */
  body: unknown;
  /** `http(s)://host[:port]` as the client addressed the server. */
  base: string;
  secure: boolean;
}

export interface SimReply {
  status: number;
  /** JSON body; a string is sent verbatim as `contentType` (default text/plain). Absent for 204. */
  body?: unknown;
  cookies?: string[];
  /** Content-Type of a string body. */
  contentType?: string;
  /** Pad the body to this many bytes (fault `bodyBytes`), streamed. */
  padToBytes?: number;
  /** With `padToBytes`: send `Content-Length` (else chunked). */
  declareLength?: boolean;
}

/** A header as one string (first value of a repeated header), or undefined. */
export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The object type a path addresses, for accounting: `/api/<type>/…` → type, `/login` → login. */
export function objectTypeOf(path: string): string {
  const segments = path.split('/').filter((s) => s !== '');
  if (segments[0] === 'api') return segments[1] ?? 'api';
  return segments[0] ?? '';
}

export const jsonError = (status: number, text: string): SimReply => ({
  status,
  body: { error: text },
});

function parseJson(raw: string): { body: unknown; error?: SimReply } {
  if (raw.trim() === '') return { body: undefined };
  try {
    return { body: JSON.parse(raw) as unknown };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { body: undefined, error: jsonError(400, `JSON parse error - ${reason}`) };
  }
}

/**
 * The simulator's view of a node:http request whose body was read as `raw`. The path is split
 * by hand: `new URL('//api/x')` would read `api` as a host.
 */
export function toSimRequest(
  req: IncomingMessage,
  raw: string,
  server: { secure: boolean; host: string },
): { request: SimRequest; parseError?: SimReply } {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const host = headerOf(req.headers, 'host') ?? server.host;
  const parsed = parseJson(raw);
  const request: SimRequest = {
    method: (req.method ?? 'GET').toUpperCase(),
    path: normalizePath(q >= 0 ? target.slice(0, q) : target),
    query: new URLSearchParams(q >= 0 ? target.slice(q + 1) : ''),
    headers: req.headers,
    body: parsed.body,
    base: `${server.secure ? 'https' : 'http'}://${host}`,
    secure: server.secure,
  };
  return parsed.error === undefined ? { request } : { request, parseError: parsed.error };
}
