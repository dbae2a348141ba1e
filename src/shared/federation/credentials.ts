/**
 * Transport security of the federation port: mutual TLS from files (`--tls-cert`, `--tls-key`,
 * `--tls-ca`), or plaintext when `--insecure` was given explicitly (local demos only).
 */
import { readFile } from 'node:fs/promises';
import type { PeerCertificate } from 'node:tls';
import {
  credentials,
  ServerCredentials,
  type ChannelCredentials,
  type ChannelOptions,
} from '@grpc/grpc-js';
import { messageOf, OperatorError } from '../errors.js';
import { KEEPALIVE, MAX_MESSAGE_BYTES, type Keepalive } from './federation-names.js';
import { certificateIdentities } from './peer-identity.js';

/** The flags that choose the federation transport. */
export interface FederationTlsFlags {
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  tlsCa?: string | undefined;
  insecure?: boolean | undefined;
}

/** Loaded key material, or plaintext. */
export type FederationTls =
  | { readonly mode: 'mtls'; readonly cert: Buffer; readonly key: Buffer; readonly ca: Buffer }
  | { readonly mode: 'insecure' };

function configError(message: string, cause?: unknown): OperatorError {
  return new OperatorError('CONFIG_INVALID', 'never', message, cause ? { cause } : undefined);
}

async function readPem(flag: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw configError(`${flag} ${file}: ${messageOf(err)}`, err);
  }
}

/**
 * Reads the certificate, key and CA named by the flags. Mutual TLS needs all three; plaintext
 * needs `insecure` and no TLS flag at all, so neither is chosen by accident.
 */
export async function loadFederationTls(flags: FederationTlsFlags): Promise<FederationTls> {
  const given = [flags.tlsCert, flags.tlsKey, flags.tlsCa].filter(
    (f) => f !== undefined && f !== '',
  );
  if (flags.insecure) {
    if (given.length > 0) throw configError('--insecure cannot be combined with --tls-* flags');
    return { mode: 'insecure' };
  }
  if (!flags.tlsCert || !flags.tlsKey || !flags.tlsCa) {
    throw configError(
      'federation needs --tls-cert, --tls-key and --tls-ca (mutual TLS), or --insecure for plaintext',
    );
  }
  const [cert, key, ca] = await Promise.all([
    readPem('--tls-cert', flags.tlsCert),
    readPem('--tls-key', flags.tlsKey),
    readPem('--tls-ca', flags.tlsCa),
  ]);
  return { mode: 'mtls', cert, key, ca };
}

/** Server credentials: with mutual TLS, a client without a certificate from the CA fails the handshake. */
export function serverCredentials(tls: FederationTls): ServerCredentials {
  if (tls.mode === 'insecure') return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(
    tls.ca,
    [{ private_key: tls.key, cert_chain: tls.cert }],
    true,
  );
}

/**
 * Client credentials for dialling `peerCluster`: the server's certificate must be issued by our
 * CA and name that cluster (subject CN or DNS SAN), whatever address we dial.
 */
export function channelCredentials(tls: FederationTls, peerCluster: string): ChannelCredentials {
  if (tls.mode === 'insecure') return credentials.createInsecure();
  return credentials.createSsl(tls.ca, tls.key, tls.cert, {
    checkServerIdentity: (_host: string, cert: PeerCertificate): Error | undefined =>
      certificateIdentities(cert).includes(peerCluster)
        ? undefined
        : new Error(`peer certificate does not name cluster ${peerCluster}`),
  });
}

/**
 * Channel options of every federation client: bounded messages, keepalive pings, and a reconnect
 * backoff of at most one second: a stream waiting for a member that is down opens within about a
 * second of the member serving again (one connection attempt a second costs nothing).
 */
export function clientOptionsOf(keepalive: Keepalive): Readonly<ChannelOptions> {
  return Object.freeze({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc.keepalive_time_ms': keepalive.timeMs,
    'grpc.keepalive_timeout_ms': keepalive.timeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 1_000,
  });
}

/** The client options with the default keepalive. */
export const CLIENT_CHANNEL_OPTIONS: Readonly<ChannelOptions> = clientOptionsOf(KEEPALIVE);

/**
 * Channel options for dialling `peerCluster`: with TLS, the peer's cluster name is the TLS server
 * name (SNI and certificate check), whatever address is dialled.
 */
export function clientChannelOptions(
  tls: FederationTls,
  peerCluster: string,
  keepalive: Keepalive = KEEPALIVE,
): ChannelOptions {
  const options = clientOptionsOf(keepalive);
  if (tls.mode === 'insecure') return { ...options };
  return { ...options, 'grpc.ssl_target_name_override': peerCluster };
}

/** Server options of the federation port. */
export function serverOptionsOf(keepalive: Keepalive): Readonly<ChannelOptions> {
  return Object.freeze({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc.keepalive_time_ms': keepalive.timeMs,
    'grpc.keepalive_timeout_ms': keepalive.timeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': keepalive.minPingIntervalMs,
  });
}

/** The server options with the default keepalive. */
export const SERVER_OPTIONS: Readonly<ChannelOptions> = serverOptionsOf(KEEPALIVE);
