/**
 * Loads proto/amko/federation/v1/federation.proto at run time with @grpc/proto-loader, using the
 * same options as the generated types in ./gen, from the `proto/` directory shipped next to the
 * code (found from this file's location, so the source tree and dist/ both work).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import { OperatorError } from '../errors.js';
import type { ProtoGrpcType } from './gen/federation.js';

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
}

/** Loads and parses the federation proto (call once per component and keep the result). */
export function loadFederationProto(dir: string = protoDir()): FederationProto {
  const packageDefinition = loadSync(FEDERATION_PROTO, {
    ...PROTO_LOADER_OPTIONS,
    includeDirs: [dir],
  });
  const grpc = loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType;
  return { packageDefinition, grpc };
}
