/**
 * Replicate clients below the generated stubs, for feeding a follower input no leader would
 * send: a grpc-js stream of raw message bytes (any bytes, any size, any channel credentials), and
 * a bare HTTP/2 request whose body is hand-made gRPC framing (truncated or lying length
 * prefixes). Both report how the call ended as an `Ended`.
 */
import http2 from 'node:http2';
import {
  makeGenericClientConstructor,
  Metadata,
  status as Status,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ServiceError,
} from '@grpc/grpc-js';
import type { FollowerMessage__Output } from '../../src/shared/federation/gen/amko/federation/v1/FollowerMessage.js';
import type { FederationProto } from '../../src/shared/federation/proto.js';
import { eventually } from './eventually.js';
import type { Ended } from './grpc.js';

const REPLICATE_PATH = '/amko.federation.v1.Federation/Replicate';

/** A Replicate stream that sends raw message bytes and decodes what the follower answers. */
export interface RawStream {
  send(bytes: Buffer): void;
  readonly received: FollowerMessage__Output[];
  /** Resolves with the final status. */
  readonly ended: Promise<Ended>;
  /** The final status once the call ended. */
  endedWith(): Ended | undefined;
  /** Waits until `n` messages arrived or the call ended; true when they arrived. */
  receivedOrEnded(n: number): Promise<boolean>;
  /** Cancels the call. */
  close(): void;
}

interface RawCall {
  write(b: Buffer): boolean;
  cancel(): void;
  on(event: 'data', f: (m: FollowerMessage__Output) => void): void;
  on(event: 'error', f: (e: ServiceError) => void): void;
  on(event: 'status', f: (s: Ended) => void): void;
}

/** A Federation client whose Replicate calls send raw bytes; many calls share its connection. */
export class RawFederationClient {
  readonly #client: Client;

  constructor(opts: {
    proto: FederationProto;
    address: string;
    creds: ChannelCredentials;
    options: ChannelOptions;
  }) {
    const method = opts.proto.grpc.amko.federation.v1.Federation.service.Replicate;
    const Raw = makeGenericClientConstructor(
      {
        Replicate: {
          path: REPLICATE_PATH,
          requestStream: true,
          responseStream: true,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: method.responseSerialize,
          responseDeserialize: method.responseDeserialize,
        },
      },
      'Federation',
    );
    this.#client = new Raw(opts.address, opts.creds, opts.options);
  }

  replicate(): RawStream {
    const call = (this.#client as unknown as { Replicate: () => RawCall }).Replicate();
    const received: FollowerMessage__Output[] = [];
    let final: Ended | undefined;
    call.on('data', (m) => received.push(m));
    const ended = new Promise<Ended>((resolve) => {
      call.on('error', (err) => {
        resolve({ code: err.code, details: err.details, metadata: err.metadata });
      });
      call.on('status', (s) => {
        if (s.code === Status.OK) resolve(s);
      });
    }).then((e) => (final = e));
    return {
      send: (bytes) => {
        call.write(bytes);
      },
      received,
      ended,
      endedWith: () => final,
      receivedOrEnded: async (n) => {
        await eventually(() => received.length >= n || final !== undefined, {
          timeoutMs: 20_000,
          intervalMs: 10,
          what: `follower message ${n} or the end of the call`,
        });
        return received.length >= n;
      },
      close: () => {
        call.cancel();
      },
    };
  }

  close(): void {
    this.#client.close();
  }
}

/** The 5-byte gRPC prefix (uncompressed) announcing `declaredLength` bytes, then `payload`. */
export function grpcFrame(payload: Buffer, declaredLength = payload.length): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(0, 0);
  head.writeUInt32BE(declaredLength, 1);
  return Buffer.concat([head, payload]);
}

/** How an HTTP/2 call ended: the grpc-status of the trailers (or of a trailers-only answer). */
function endedOf(headers: http2.IncomingHttpHeaders): Ended | undefined {
  const code = headers['grpc-status'];
  if (typeof code !== 'string') return undefined;
  const message = headers['grpc-message'];
  const details = typeof message === 'string' ? decodeURIComponent(message) : '';
  const name = Status[Number(code)];
  if (name === undefined) return undefined;
  return { code: Status[name as keyof typeof Status], details, metadata: new Metadata() };
}

/**
 * Sends `body` (hand-made gRPC framing) as the whole request of a Replicate call over mutual TLS
 * and ends the request stream; resolves with the status the server answered.
 */
export function sendRawHttp2(opts: {
  address: string;
  /** The follower's cluster: the TLS server name. */
  serverName: string;
  tls: { readonly cert: Buffer; readonly key: Buffer; readonly ca: Buffer };
  body: Buffer;
  timeoutMs?: number;
}): Promise<Ended> {
  const session = http2.connect(`https://${opts.address}`, {
    ca: opts.tls.ca,
    cert: opts.tls.cert,
    key: opts.tls.key,
    servername: opts.serverName,
  });
  return new Promise<Ended>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no status within ${opts.timeoutMs ?? 20_000} ms`));
    }, opts.timeoutMs ?? 20_000);
    const done = (e: Ended | undefined): void => {
      if (!e) return;
      clearTimeout(timer);
      resolve(e);
    };
    session.on('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
    const req = session.request({
      ':method': 'POST',
      ':path': REPLICATE_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    req.on('response', (h) => {
      done(endedOf(h));
    });
    req.on('trailers', (h: http2.IncomingHttpHeaders) => {
      done(endedOf(h));
    });
    req.on('data', () => undefined);
    req.on('close', () => {
      const details = 'stream closed without a status';
      done({ code: Status.UNKNOWN, details, metadata: new Metadata() });
    });
    req.end(opts.body);
  }).finally(() => {
    session.close();
  });
}
