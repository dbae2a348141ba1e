/**
 * Certificates for federation tests, made with the openssl command in a temporary directory: a CA
 * and, per cluster, a leaf certificate (subject CN and DNS SAN = the cluster context, usable as
 * both server and client certificate), plus a second CA and a leaf it signed, for peers that
 * must fail the handshake.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadFederationTls, type FederationTls } from '../../src/shared/federation/credentials.js';

const run = promisify(execFile);

/** The files of one leaf certificate. */
export interface LeafFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** The CA that verifies its peers (and that signed it, for the main CA). */
  readonly caFile: string;
}

export interface FederationCerts {
  readonly dir: string;
  /** The federation CA. */
  readonly caFile: string;
  /** The leaf of a cluster made by `makeFederationCerts`. */
  leaf(cluster: string): LeafFiles;
  /** Loaded mutual-TLS material of a cluster's leaf. */
  tls(cluster: string): Promise<FederationTls>;
  /** A leaf signed by another CA, naming `rogueName`; it trusts the federation CA for servers. */
  readonly rogue: LeafFiles;
  /** Removes the directory. */
  remove(): Promise<void>;
}

async function openssl(dir: string, args: readonly string[]): Promise<void> {
  await run('openssl', [...args], { cwd: dir });
}

async function makeCa(dir: string, name: string, cn: string): Promise<void> {
  await openssl(
    dir,
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '7',
      '-subj',
      `/CN=${cn}`,
    ]),
  );
}

async function makeLeaf(dir: string, ca: string, cluster: string, file: string): Promise<void> {
  const ext = path.join(dir, `${file}.ext`);
  await writeFile(
    ext,
    `subjectAltName=DNS:${cluster}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n`,
  );
  await openssl(
    dir,
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
      '-keyout',
      `${file}.key`,
      '-out',
      `${file}.csr`,
      '-subj',
      `/O=amko/CN=${cluster}`,
    ]),
  );
  await openssl(
    dir,
    ['x509', '-req', '-in', `${file}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`].concat([
      '-CAcreateserial',
      '-out',
      `${file}.crt`,
      '-days',
      '7',
      '-extfile',
      ext,
    ]),
  );
}

/**
 * Makes the CA and a leaf per cluster (contexts `clusters`), and a rogue leaf from another CA
 * naming `rogueName` (by default the first cluster, so it impersonates a member).
 */
export async function makeFederationCerts(
  clusters: readonly string[],
  rogueName = clusters[0] ?? 'rogue',
): Promise<FederationCerts> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amko-federation-certs-'));
  await makeCa(dir, 'ca', 'amko-federation-test-ca');
  await makeCa(dir, 'other-ca', 'some-other-ca');
  for (const c of clusters) await makeLeaf(dir, 'ca', c, `leaf-${c}`);
  await makeLeaf(dir, 'other-ca', rogueName, 'rogue');
  const f = (n: string): string => path.join(dir, n);
  const leaf = (cluster: string): LeafFiles => {
    if (!clusters.includes(cluster)) throw new Error(`no certificate for ${cluster}`);
    return {
      certFile: f(`leaf-${cluster}.crt`),
      keyFile: f(`leaf-${cluster}.key`),
      caFile: f('ca.crt'),
    };
  };
  return {
    dir,
    caFile: f('ca.crt'),
    leaf,
    tls: (cluster) => {
      const l = leaf(cluster);
      return loadFederationTls({ tlsCert: l.certFile, tlsKey: l.keyFile, tlsCa: l.caFile });
    },
    rogue: { certFile: f('rogue.crt'), keyFile: f('rogue.key'), caFile: f('ca.crt') },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
