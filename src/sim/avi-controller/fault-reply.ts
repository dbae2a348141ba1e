/**
 * The reply a fault rule gives (faults.ts): an injected status and body, a raw body (an HTML page,
 * broken JSON), or the real reply mangled (a field dropped, a `next` link that loops, padding to
 * an oversized body). Pure: `real` computes the controller's own reply when the effect needs it.
 */
import { withoutKeys } from './body.js';
import { type FaultEffect, mangles } from './faults.js';
import { jsonError, type SimReply, type SimRequest } from './sim-request.js';

const DEFAULT_RAW_TYPE = 'text/html; charset=utf-8';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function injected(status: number, body: unknown): SimReply {
  if (body === undefined) return jsonError(status, 'injected fault');
  return typeof body === 'string' ? jsonError(status, body) : { status, body };
}

function withoutField(body: unknown, field: string): unknown {
  if (!isObject(body)) return body;
  const drop = (obj: unknown): unknown => (isObject(obj) ? withoutKeys(obj, field) : obj);
  const results = body['results'];
  return Array.isArray(results) ? { ...body, results: results.map(drop) } : drop(body);
}

/** The URL a looping `next` points at: this very page, or page 1 of the same query. */
function loopUrl(req: SimRequest, loop: 'self' | 'first'): string {
  const query = new URLSearchParams(req.query);
  if (loop === 'first') query.set('page', '1');
  query.sort();
  return `${req.base}${req.path}?${query.toString()}`;
}

function withLoop(body: unknown, req: SimRequest, loop: 'self' | 'first'): unknown {
  if (!isObject(body) || !Array.isArray(body['results'])) return body;
  const next = body['next'];
  if (typeof next === 'string' && next !== '') return body;
  return { ...body, next: loopUrl(req, loop) };
}

/** The real reply as the effect changes it. */
function mangled(effect: FaultEffect, req: SimRequest, real: SimReply): SimReply {
  const status = effect.status ?? real.status;
  const base = real.cookies === undefined ? { status } : { status, cookies: real.cookies };
  if (effect.rawBody !== undefined) {
    return { ...base, body: effect.rawBody, contentType: effect.contentType ?? DEFAULT_RAW_TYPE };
  }
  let body = real.body;
  if (effect.dropField !== undefined) body = withoutField(body, effect.dropField);
  if (effect.nextLoop !== undefined) body = withLoop(body, req, effect.nextLoop);
  const reply: SimReply = body === undefined ? base : { ...base, body };
  if (effect.bodyBytes === undefined) return reply;
  return {
    ...reply,
    padToBytes: effect.bodyBytes,
    ...(effect.declareLength === true ? { declareLength: true } : {}),
  };
}

/**
 * The reply to a request a fault rule matched (latency, reset and timeout are the server's).
 * `real` is called at most once, and only when the effect lets the request through.
 */
export function replyWithFault(
  effect: FaultEffect,
  req: SimRequest,
  real: () => SimReply,
): SimReply {
  if (mangles(effect)) return mangled(effect, req, real());
  if (effect.rawBody !== undefined) {
    return {
      status: effect.status ?? 200,
      body: effect.rawBody,
      contentType: effect.contentType ?? DEFAULT_RAW_TYPE,
    };
  }
  if (effect.status !== undefined) return injected(effect.status, effect.body);
  return real();
}
