/**
 * gRPC helpers for federation tests: a hand-driven Replicate client (to play a leader, an
 * intruder or a stale leader), a client that sends undecodable bytes, Health checks through
 * grpc-js, and the grpc-health-probe binary.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  loadPackageDefinition,
  makeGenericClientConstructor,
  Metadata,
  status as Status,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { service as healthService } from 'grpc-health-check';
import {
  channelCredentials,
  clientChannelOptions,
  type FederationTls,
} from '../../src/shared/federation/credentials.js';
import { federationClient } from '../../src/shared/federation/federation-client.js';
import type { FollowerMessage__Output } from '../../src/shared/federation/gen/amko/federation/v1/FollowerMessage.js';
import type { LeaderMessage } from '../../src/shared/federation/gen/amko/federation/v1/LeaderMessage.js';
import type { FederationProto } from '../../src/shared/federation/proto.js';
import { eventually } from './eventually.js';
import { toolPath } from './tools.js';

const execFileP = promisify(execFile);

/** How a call ended. */
export interface Ended {
  readonly code: Status;
  readonly details: string;
  readonly metadata: Metadata;
}

/** A Replicate stream driven by the test. */
export interface ManualStream {
  send(msg: LeaderMessage): void;
  /** Every message the follower sent so far. */
  readonly received: FollowerMessage__Output[];
  /** Waits for the `n`-th message (1-based). */
  nth(n: number): Promise<FollowerMessage__Output>;
  /** Resolves with the final status. */
  readonly ended: Promise<Ended>;
  close(): void;
}

/** Opens a Replicate stream to `address`, checking that the server is `peerCluster`. */
export function openReplicate(opts: {
  proto: FederationProto;
  tls: FederationTls;
  address: string;
  peerCluster: string;
}): ManualStream {
  const client = federationClient(opts.proto, opts.tls, {
    cluster: opts.peerCluster,
    address: opts.address,
  });
  const stream = client.Replicate();
  const received: FollowerMessage__Output[] = [];
  stream.on('data', (m: FollowerMessage__Output) => received.push(m));
  const ended = new Promise<Ended>((resolve) => {
    stream.on('error', (err: ServiceError) => {
      resolve({ code: err.code, details: err.details, metadata: err.metadata });
    });
    stream.on('status', (s: Ended) => {
      if (s.code === Status.OK) resolve(s);
    });
  }).finally(() => {
    client.close();
  });
  return {
    send: (msg) => stream.write(msg),
    received,
    nth: (n) =>
      eventually(
        () => {
          const m = received[n - 1];
          if (!m) throw new Error(`only ${received.length} messages received`);
          return m;
        },
        { timeoutMs: 20_000, what: `follower message ${n}` },
      ),
    ended,
    close: () => {
      stream.cancel();
    },
  };
}

/** Sends raw bytes as the first Replicate message and returns how the call ended. */
export function sendUndecodable(opts: {
  tls: FederationTls;
  address: string;
  peerCluster: string;
  bytes: Buffer;
}): Promise<Ended> {
  const Raw = makeGenericClientConstructor(
    {
      Replicate: {
        path: '/amko.federation.v1.Federation/Replicate',
        requestStream: true,
        responseStream: true,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    'Federation',
  );
  const client = new Raw(
    opts.address,
    channelCredentials(opts.tls, opts.peerCluster),
    clientChannelOptions(opts.tls, opts.peerCluster),
  );
  return new Promise<Ended>((resolve) => {
    const call = (
      client as unknown as {
        Replicate: () => NodeJS.ReadWriteStream & { on(e: string, f: (x: never) => void): void };
      }
    ).Replicate();
    call.on('error', (err: ServiceError) => {
      resolve({ code: err.code, details: err.details, metadata: err.metadata });
    });
    call.on('status', (s: Ended) => {
      if (s.code === Status.OK) resolve(s);
    });
    call.write(opts.bytes);
  }).finally(() => {
    client.close();
  });
}

/** Health status of `service` through grpc-js ('SERVING', 'NOT_SERVING', or the error). */
export function checkHealth(
  address: string,
  creds: ChannelCredentials,
  service: string,
): Promise<string> {
  const Health = makeGenericClientConstructor(healthService, 'Health');
  const client = new Health(address, creds);
  return new Promise<string>((resolve) => {
    const check = (client as unknown as Record<string, (...a: unknown[]) => void>)['check'];
    check?.call(
      client,
      { service },
      new Metadata(),
      { deadline: Date.now() + 5_000 },
      (err: ServiceError | null, res?: { status: string }) => {
        resolve(err ? `error ${Status[err.code]}` : (res?.status ?? 'none'));
      },
    );
  }).finally(() => {
    client.close();
  });
}

/** What grpc-health-probe said. */
export interface ProbeResult {
  /** 0 SERVING, 2 connection failure, 3 RPC failure, 4 not SERVING. */
  readonly exitCode: number;
  readonly output: string;
}

/** Runs grpc-health-probe against `address` (plaintext unless `tls` files are given). */
export async function healthProbe(
  address: string,
  service: string,
  tls?: { caFile: string; certFile: string; keyFile: string; serverName: string },
): Promise<ProbeResult> {
  const args = [
    `-addr=${address}`,
    `-service=${service}`,
    '-connect-timeout=3s',
    '-rpc-timeout=3s',
  ];
  if (tls) {
    args.push(
      '-tls',
      `-tls-ca-cert=${tls.caFile}`,
      `-tls-client-cert=${tls.certFile}`,
      `-tls-client-key=${tls.keyFile}`,
    );
    args.push(`-tls-server-name=${tls.serverName}`);
  }
  try {
    const { stdout, stderr } = await execFileP(toolPath('grpc-health-probe'), args);
    return { exitCode: 0, output: `${stdout}${stderr}` };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return {
      exitCode: typeof e.code === 'number' ? e.code : -1,
      output: `${e.stdout ?? ''}${e.stderr ?? ''}`,
    };
  }
}

/** The services a server lists through server reflection (grpc.reflection.v1). */
export function reflectedServices(
  address: string,
  creds: ChannelCredentials,
  options: ChannelOptions = {},
): Promise<string[]> {
  const protoRoot = path.resolve(
    path.dirname(fileURLToPath(import.meta.resolve('@grpc/reflection'))),
    '..',
    'proto',
  );
  const def = loadSync('grpc/reflection/v1/reflection.proto', {
    keepCase: true,
    includeDirs: [protoRoot],
  });
  const pkg = loadPackageDefinition(def) as unknown as {
    grpc: {
      reflection: {
        v1: {
          ServerReflection: new (a: string, c: ChannelCredentials, o: ChannelOptions) => Client;
        };
      };
    };
  };
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, creds, options);
  return new Promise<string[]>((resolve, reject) => {
    const open = (client as unknown as Record<string, () => ReflectionCall>)[
      'ServerReflectionInfo'
    ];
    const call = open?.call(client);
    if (!call) {
      reject(new Error('no ServerReflectionInfo method'));
      return;
    }
    call.on('data', (res: { list_services_response?: { service?: { name: string }[] } }) => {
      resolve((res.list_services_response?.service ?? []).map((s) => s.name).sort());
      call.cancel();
    });
    call.on('error', (err: ServiceError) => {
      if (err.code !== Status.CANCELLED) reject(err);
    });
    call.write({ list_services: '' });
  }).finally(() => {
    client.close();
  });
}

interface ReflectionCall {
  on(
    event: 'data',
    f: (res: { list_services_response?: { service?: { name: string }[] } }) => void,
  ): void;
  on(event: 'error', f: (err: ServiceError) => void): void;
  write(msg: unknown): void;
  cancel(): void;
}
