/**
 * Writes a `SimReply` to node:http: JSON bodies, raw text with its content type, and bodies
 * padded to a given size (fault `bodyBytes`), streamed in chunks with backpressure so an
 * oversized reply never sits whole in memory.
 */
import type { ServerResponse } from 'node:http';
import type { SimReply } from './sim-request.js';

const PAD_CHUNK_BYTES = 1024 * 1024;

/** Resolves on `drain`, or on `close` when the client went away. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** `text` (a JSON document) as head + padding + tail of `bytes` in total, when it is shorter. */
function paddedParts(text: string, bytes: number): { head: string; pad: number; tail: string } {
  const isObject = text.startsWith('{') && text.endsWith('}');
  const head = isObject ? '{"_padding":"' : text;
  const tail = isObject ? (text === '{}' ? '"}' : `",${text.slice(1)}`) : '';
  const pad = bytes - Buffer.byteLength(head) - Buffer.byteLength(tail);
  return pad > 0 ? { head, pad, tail } : { head: text, pad: 0, tail: '' };
}

async function writePadded(
  res: ServerResponse,
  headers: Record<string, string | string[]>,
  text: string,
  opts: { status: number; bytes: number; declareLength: boolean },
): Promise<void> {
  const { head, pad, tail } = paddedParts(text, opts.bytes);
  if (opts.declareLength) {
    headers['Content-Length'] = String(Buffer.byteLength(head) + pad + Buffer.byteLength(tail));
  }
  res.on('error', () => undefined);
  res.writeHead(opts.status, headers);
  if (!res.write(head)) await drained(res);
  const chunk = Buffer.alloc(Math.min(PAD_CHUNK_BYTES, Math.max(pad, 1)), 'x');
  for (let left = pad; left > 0 && !res.destroyed;) {
    const n = Math.min(left, chunk.length);
    left -= n;
    if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) await drained(res);
  }
  if (!res.destroyed) res.end(tail);
}

/** Sends `reply`; resolves once the body is handed to the socket (or the client left). */
export async function sendReply(res: ServerResponse, reply: SimReply): Promise<void> {
  if (res.writableEnded || res.destroyed) return;
  const headers: Record<string, string | string[]> = {};
  if (reply.cookies !== undefined) headers['Set-Cookie'] = reply.cookies;
  if (reply.body === undefined || reply.status === 204) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  const raw = typeof reply.body === 'string';
  const text = raw ? (reply.body as string) : JSON.stringify(reply.body);
  headers['Content-Type'] = raw
    ? (reply.contentType ?? 'text/plain; charset=utf-8')
    : 'application/json';
  if (reply.padToBytes === undefined) {
    res.writeHead(reply.status, headers).end(text);
    return;
  }
  await writePadded(res, headers, text, {
    status: reply.status,
    bytes: reply.padToBytes,
    declareLength: reply.declareLength === true,
  });
}
