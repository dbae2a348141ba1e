/**
 * The servers every amko runs, whatever its role: on the federation port (mutual TLS unless
 * `--insecure`) the Federation service, grpc.health.v1.Health and server reflection; on the health
 * port, in plaintext for kubelet probes, Health alone. The Federation service delegates to a
 * handler the current role installs (follower or leader); without one it answers UNAVAILABLE.
 * Without federation transport (single-site) only the health port listens: a plaintext
 * Federation service would let anyone who reaches it replicate into this cluster, and nobody can
 * authenticate on it.
 */
import path from 'node:path';
import {
  Server,
  status as Status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import {
  HealthImplementation,
  protoPath as healthProtoPath,
  type ServingStatus,
} from 'grpc-health-check';
import type { Logger } from '../telemetry/logger.js';
import { serverCredentials, serverOptionsOf, type FederationTls } from './credentials.js';
import { HEALTH_SERVICES, KEEPALIVE, type Keepalive } from './federation-names.js';
import type { FetchReply } from './gen/amko/federation/v1/FetchReply.js';
import type { FetchRequest__Output } from './gen/amko/federation/v1/FetchRequest.js';
import type { FollowerMessage } from './gen/amko/federation/v1/FollowerMessage.js';
import type { GetStateRequest__Output } from './gen/amko/federation/v1/GetStateRequest.js';
import type { LeaderMessage__Output } from './gen/amko/federation/v1/LeaderMessage.js';
import type { State } from './gen/amko/federation/v1/State.js';
import type { FederationHandlers } from './gen/amko/federation/v1/Federation.js';
import { toStatus } from './grpc-status.js';
import { peerIdentityOf, type PeerIdentity } from './peer-identity.js';
import { PROTO_LOADER_OPTIONS, type FederationProto } from './proto.js';

/** A Replicate stream as the server sees it. */
export type ReplicateCall = ServerDuplexStream<LeaderMessage__Output, FollowerMessage>;

/** What a role plugs into the Federation service. */
export interface FederationHandler {
  /** Takes over one Replicate stream; ends it with a status when refusing. */
  replicate(call: ReplicateCall, peer: PeerIdentity): void;
  /** Answers GetState; a thrown OperatorError becomes the call's status. */
  getState(peer: PeerIdentity): Promise<State>;
  /** Answers Fetch (followers only; without it the call is refused as FAILED_PRECONDITION). */
  fetch?(peer: PeerIdentity): Promise<FetchReply>;
}

/** Sets health statuses (`HEALTH_SERVICES`). */
export interface HealthReporter {
  setStatus(service: string, status: ServingStatus): void;
}

export interface FederationServerDeps {
  /** `host:port` of the federation listener; port 0 picks one. */
  federationListen: string;
  /** `host:port` of the plaintext health listener; port 0 picks one. */
  healthListen: string;
  /** Undefined: single-site, no federation listener (the health port only). */
  tls: FederationTls | undefined;
  proto: FederationProto;
  log: Logger;
  /** HTTP/2 keepalive of federation connections (default `KEEPALIVE`). */
  keepalive?: Keepalive;
}

export interface FederationServer {
  /** The federation listener's port; 0 in single-site mode (no federation listener). */
  readonly federationPort: number;
  readonly healthPort: number;
  readonly health: HealthReporter;
  /** Installs (or with undefined removes) the handler of the Federation service. */
  setHandler(handler: FederationHandler | undefined): void;
  /** Stops both servers: drains briefly, then cancels what is left. */
  stop(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 2_000;

function bind(
  server: Server,
  address: string,
  creds: ReturnType<typeof serverCredentials>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, creds, (err, port) => {
      if (err) reject(err);
      else resolve(port);
    });
  });
}

/**
 * Drains for SHUTDOWN_GRACE_MS, then cancels what is left and is done. The drain's callback is
 * not awaited after that: a peer behind a black-holed link holds its HTTP/2 session half open,
 * and grpc-js never reports such a session closed, so waiting for it would hang the shutdown.
 */
function shutdown(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, SHUTDOWN_GRACE_MS);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function reflectionPackages(proto: FederationProto): ReflectionService {
  const healthDir = path.resolve(path.dirname(healthProtoPath), '..', '..');
  const health = loadSync('health/v1/health.proto', {
    ...PROTO_LOADER_OPTIONS,
    includeDirs: [healthDir],
  });
  return new ReflectionService({ ...proto.packageDefinition, ...health });
}

const unavailable = { code: Status.UNAVAILABLE, details: 'federation service not ready' };
const notFollower = {
  code: Status.FAILED_PRECONDITION,
  details: 'this cluster holds no replicas to fetch: it is not a follower',
};

/** Runs a unary handler and turns its rejection into the call's status. */
function answer<T>(work: Promise<T>, callback: sendUnaryData<T>, log: Logger, what: string): void {
  work.then(
    (value) => {
      callback(null, value);
    },
    (err: unknown) => {
      log.debug({ err }, `${what} refused`);
      callback(toStatus(err));
    },
  );
}

/** The Federation service, delegating to whatever handler is installed at call time. */
function federationService(
  current: () => FederationHandler | undefined,
  log: Logger,
): FederationHandlers {
  return {
    Replicate(call: ReplicateCall): void {
      const handler = current();
      if (!handler) {
        call.emit('error', unavailable);
        return;
      }
      handler.replicate(call, peerIdentityOf(call.getAuthContext()));
    },
    GetState(
      call: ServerUnaryCall<GetStateRequest__Output, State>,
      callback: sendUnaryData<State>,
    ): void {
      const handler = current();
      if (!handler) {
        callback(unavailable);
        return;
      }
      answer(handler.getState(peerIdentityOf(call.getAuthContext())), callback, log, 'GetState');
    },
    Fetch(
      call: ServerUnaryCall<FetchRequest__Output, FetchReply>,
      callback: sendUnaryData<FetchReply>,
    ): void {
      const handler = current();
      if (!handler) {
        callback(unavailable);
        return;
      }
      if (!handler.fetch) {
        callback(notFollower);
        return;
      }
      answer(handler.fetch(peerIdentityOf(call.getAuthContext())), callback, log, 'Fetch');
    },
  };
}

/** Starts both servers and sets the process health to SERVING. */
export async function startFederationServer(deps: FederationServerDeps): Promise<FederationServer> {
  const { proto, log } = deps;
  let handler: FederationHandler | undefined;
  const health = new HealthImplementation({
    [HEALTH_SERVICES.process]: 'NOT_SERVING',
    [HEALTH_SERVICES.federation]: 'NOT_SERVING',
    [HEALTH_SERVICES.leader]: 'NOT_SERVING',
  });
  const main = new Server(serverOptionsOf(deps.keepalive ?? KEEPALIVE));
  main.addService(
    proto.grpc.amko.federation.v1.Federation.service,
    federationService(() => handler, log),
  );
  health.addToServer(main);
  reflectionPackages(proto).addToServer(main);
  const probes = new Server();
  health.addToServer(probes);
  if (deps.tls?.mode === 'insecure') {
    log.warn(
      { listen: deps.federationListen },
      'FEDERATION IS PLAINTEXT (--insecure): peers are not authenticated; use only for local demos',
    );
  }
  try {
    const federationPort = deps.tls
      ? await bind(main, deps.federationListen, serverCredentials(deps.tls))
      : 0;
    const healthPort = await bind(probes, deps.healthListen, serverCredentialsInsecure());
    logListening(log, deps.tls, federationPort, healthPort);
    health.setStatus(HEALTH_SERVICES.process, 'SERVING');
    return {
      federationPort,
      healthPort,
      health,
      setHandler: (h): void => {
        handler = h;
      },
      stop: async (): Promise<void> => {
        handler = undefined;
        health.setStatus(HEALTH_SERVICES.process, 'NOT_SERVING');
        await Promise.all([shutdown(main), shutdown(probes)]);
      },
    };
  } catch (err) {
    main.forceShutdown();
    probes.forceShutdown();
    throw err;
  }
}

function logListening(
  log: Logger,
  tls: FederationTls | undefined,
  federationPort: number,
  healthPort: number,
): void {
  if (tls) {
    log.info(
      { federationPort, healthPort, tls: tls.mode },
      'federation and health servers listening',
    );
  } else {
    log.info({ healthPort }, 'health server listening (no federation listener)');
  }
}

function serverCredentialsInsecure(): ReturnType<typeof serverCredentials> {
  return serverCredentials({ mode: 'insecure' });
}
