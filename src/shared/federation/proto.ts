/**
 * Loads proto/amko/federation/v1/federation.proto at run time with @grpc/proto-loader, using the
 * same options as the generated types in ./gen, from the `proto/` directory shipped next to the
 * code (found from this file's location, so the source tree and dist/ both work).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import {
  loadSync,
  type MethodDefinition,
  type Options,
  type PackageDefinition,
  type ServiceDefinition,
} from '@grpc/proto-loader';
import { OperatorError } from '../errors.js';
import type { ProtoGrpcType } from './gen/federation.js';
import type { LeaderMessage } from './gen/amko/federation/v1/LeaderMessage.js';
import { viewEncoder, type ViewEncoder } from './view-encoding.js';

/** The service and the stream whose leader messages may be encoded ahead of time. */
const FEDERATION_SERVICE = 'amko.federation.v1.Federation';
const REPLICATE = 'Replicate';

/** The proto file, relative to the proto directory. */
export const FEDERATION_PROTO = 'amko/federation/v1/federation.proto';

/** The options `make proto` generates the types with. */
export const PROTO_LOADER_OPTIONS: Readonly<Options> = Object.freeze({
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});

/** The `proto/` directory: the nearest ancestor of this module's directory that holds it. */
export function protoDir(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'proto');
    if (existsSync(path.join(candidate, FEDERATION_PROTO))) return candidate;
    if (path.dirname(dir) === dir) {
      throw new OperatorError(
        'CONFIG_INVALID',
        'never',
        `${FEDERATION_PROTO} not found above ${from}`,
      );
    }
  }
}

export interface FederationProto {
  /** For server reflection. */
  readonly packageDefinition: PackageDefinition;
  /** Service definitions and client constructors. */
  readonly grpc: ProtoGrpcType;
  /** Encodes written objects once for every follower (sent with `preEncoded`). */
  readonly view: ViewEncoder;
}

/**
 * A leader message already encoded (view-encoding.ts), written to a Replicate stream as it is:
 * the stream's serializer passes bytes through and encodes anything else.
 */
export function preEncoded(bytes: Buffer): LeaderMessage {
  return bytes as unknown as LeaderMessage;
}

/** Makes the Replicate stream's request serializer pass pre-encoded bytes through. */
function passEncodedThrough(def: PackageDefinition): (m: LeaderMessage) => Buffer {
  const service = def[FEDERATION_SERVICE] as ServiceDefinition | undefined;
  const method = service?.[REPLICATE] as MethodDefinition<LeaderMessage, object> | undefined;
  if (!service || !method) {
    throw new OperatorError('CONFIG_INVALID', 'never', `${FEDERATION_PROTO} has no ${REPLICATE}`);
  }
  const serialize = method.requestSerialize;
  const passing: MethodDefinition<LeaderMessage, object> = {
    ...method,
    requestSerialize: (m) => (Buffer.isBuffer(m) ? m : serialize(m)),
  };
  service[REPLICATE] = passing;
  return serialize;
}

/** Loads and parses the federation proto (call once per component and keep the result). */
export function loadFederationProto(dir: string = protoDir()): FederationProto {
  const packageDefinition = loadSync(FEDERATION_PROTO, {
    ...PROTO_LOADER_OPTIONS,
    includeDirs: [dir],
  });
  const serialize = passEncodedThrough(packageDefinition);
  const grpc = loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType;
  return { packageDefinition, grpc, view: viewEncoder(serialize) };
}
