/**
 * Reading a 2xx reply of the controller: the body must be JSON (not an HTML login or proxy page,
 * not cut off), of the size the client accepts, and of the shape the call expects (an object with
 * a `uuid`, or a collection whose `results` all have one and whose `next` is a link). Anything
 * else becomes AVI_BAD_REPLY or AVI_REPLY_TOO_LARGE, never a crash further down. Pure.
 */
import { AviError } from './avi-error.js';
import type { TransportResponse } from './transport.js';

/** What a call expects in a 2xx body: one stored object, a collection page, or anything. */
export type ReplyShape = 'object' | 'collection' | 'any';

interface Target {
  method: string;
  path: string;
}

const EXCERPT_CHARS = 120;

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** A short, single-line excerpt of a body for error messages. */
export function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > EXCERPT_CHARS ? `${line.slice(0, EXCERPT_CHARS)}…` : line;
}

/** AVI_BAD_REPLY for `target`; retried with backoff unless said otherwise. */
export function badReply(
  target: Target,
  detail: string,
  opts: { status?: number; retry?: 'backoff' | 'slow' } = {},
): AviError {
  return new AviError({
    ...target,
    code: 'AVI_BAD_REPLY',
    retry: opts.retry ?? 'backoff',
    ...(opts.status === undefined ? {} : { status: opts.status }),
    detail,
  });
}

/** AVI_REPLY_TOO_LARGE: the body was cut off unread. Not transient, so the slow path. */
export function tooLargeReply(target: Target, status: number, limit: number): AviError {
  return new AviError({
    ...target,
    code: 'AVI_REPLY_TOO_LARGE',
    retry: 'slow',
    status,
    detail: tooLargeText(limit),
  });
}

export const tooLargeText = (limit: number): string =>
  `reply body larger than ${limit} bytes (maxResponseBytes), not read`;

function uuidProblem(obj: unknown, what: string): string | undefined {
  if (!isObject(obj)) return `${what} is not an object`;
  const uuid = obj['uuid'];
  return typeof uuid === 'string' && uuid !== '' ? undefined : `${what} has no uuid`;
}

function collectionProblem(body: unknown): string | undefined {
  if (!isObject(body)) return 'reply is not a collection (not an object)';
  const results = body['results'];
  if (!Array.isArray(results)) return 'reply is not a collection (no results array)';
  const next = body['next'];
  if (next !== undefined && next !== null && typeof next !== 'string') {
    return 'collection next link is not a string';
  }
  for (const [i, obj] of results.entries()) {
    const problem = uuidProblem(obj, `collection results[${i}]`);
    if (problem !== undefined) {
      const name = isObject(obj) && typeof obj['name'] === 'string' ? ` (name ${obj['name']})` : '';
      return `${problem}${name}`;
    }
  }
  return undefined;
}

/** Why `body` does not have the expected shape, or undefined when it does. */
export function shapeProblem(body: unknown, shape: ReplyShape): string | undefined {
  switch (shape) {
    case 'any':
      return undefined;
    case 'object':
      return uuidProblem(body, 'reply object');
    case 'collection':
      return collectionProblem(body);
  }
}

/** The parsed body of a 2xx reply, or the AviError saying why it cannot be used. */
export function readReply(target: Target, res: TransportResponse, shape: ReplyShape): unknown {
  if (res.tooLarge !== undefined) throw tooLargeReply(target, res.status, res.tooLarge.limit);
  let body: unknown;
  if (res.text.trim() !== '') {
    try {
      body = JSON.parse(res.text) as unknown;
    } catch {
      const type = res.headers['content-type'] ?? 'none';
      const size = Buffer.byteLength(res.text);
      throw badReply(
        target,
        `reply is not JSON (content-type ${type}, ${size} bytes): "${excerpt(res.text)}"`,
        { status: res.status },
      );
    }
  }
  const problem = shapeProblem(body, shape);
  if (problem !== undefined) throw badReply(target, problem, { status: res.status });
  return body;
}
