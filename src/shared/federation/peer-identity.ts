/**
 * The identity of a federation peer: the cluster context named by its TLS certificate, as the
 * subject common name or a DNS subject alternative name.
 */
import type { PeerCertificate } from 'node:tls';

function commonNames(cert: Partial<PeerCertificate>): string[] {
  const cn: unknown = cert.subject?.CN;
  // A subject may repeat CN; node then gives an array.
  const all: unknown[] = Array.isArray(cn) ? cn : [cn];
  return all.filter((n): n is string => typeof n === 'string' && n !== '');
}

function dnsNames(cert: Partial<PeerCertificate>): string[] {
  return (cert.subjectaltname ?? '')
    .split(',')
    .map((entry) => /^\s*DNS:(.+?)\s*$/.exec(entry)?.[1])
    .filter((n): n is string => n !== undefined);
}

/** Every name a certificate gives its holder: the subject CN first, then each DNS SAN, once. */
export function certificateIdentities(cert: Partial<PeerCertificate> | undefined): string[] {
  if (!cert) return [];
  return [...new Set([...commonNames(cert), ...dnsNames(cert)])];
}

/** What the server knows of the caller. */
export type PeerIdentity =
  /** A verified client certificate naming these clusters. */
  | { readonly verified: true; readonly names: readonly string[] }
  /** Plaintext (`--insecure`): the peer says who it is, unverified. */
  | { readonly verified: false };

/** The part of a call's auth context that names the peer. */
export interface PeerAuth {
  sslPeerCertificate?: Partial<PeerCertificate> | undefined;
}

/** The caller's identity from a call's auth context. */
export function peerIdentityOf(auth: PeerAuth | null | undefined): PeerIdentity {
  if (!auth?.sslPeerCertificate) return { verified: false };
  return { verified: true, names: certificateIdentities(auth.sslPeerCertificate) };
}

/**
 * The member cluster a peer is, or undefined when it is none of `members`. An unverified peer
 * is taken at its word (`claimed`, from its hello), which is what `--insecure` means.
 */
export function memberOf(
  peer: PeerIdentity,
  members: readonly string[],
  claimed?: string,
): string | undefined {
  const names = peer.verified ? peer.names : claimed ? [claimed] : [];
  return names.find((n) => members.includes(n));
}
