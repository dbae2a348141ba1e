/**
 * `kubectl amko certs`: a federation CA and one certificate per cluster (subject CN and DNS SAN =
 * the cluster's context name, usable as server and client certificate), written as the chart's
 * TLS Secret in every cluster or as files. X.509 certificates are made with the `openssl`
 * command (node:crypto makes keys but not certificates); node:crypto checks the result.
 */
import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, type V1Secret } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { AVI_SYSTEM } from '../shared/crd/common.js';
import { messageOf, OperatorError } from '../shared/errors.js';
import { classifyKubeError, isKubeNotFound, kubeStatusOf } from '../shared/kube/kube-errors.js';
import {
  COMMON_HELP,
  parseCommand,
  parseOutput,
  stringFlag,
  usageError,
  type OutputFormat,
  type ParsedCommand,
} from './cli-flags.js';
import type { CliIo } from './cli-io.js';
import { CA_SECRET, certManagerYaml } from './cert-manager.js';
import { contextList } from './kubeconfig-command.js';
import { loadTarget } from './kube-target.js';

const run = promisify(execFile);

/** The chart's federation TLS Secret (values.yaml federation.tls.secretName). */
export const FEDERATION_TLS_SECRET = 'amko-federation-tls';
const DEFAULT_DAYS = 365;

export const CERTS_HELP = `Create the federation CA and one certificate per cluster.

Usage: kubectl amko certs --contexts A,B[,...] [--out-dir DIR] [--days N]
                          [--ca-cert FILE --ca-key FILE] [--secret-name NAME] [-o json|yaml] [flags]
       kubectl amko certs --contexts A,B[,...] --print-cert-manager

Makes an ECDSA P-256 CA (or uses --ca-cert/--ca-key) and, per cluster, a key and a certificate
signed by it whose subject CN and DNS SAN are the cluster's context name, for server and
client authentication (mutual TLS between the members' amko). The certificates are made with
the openssl command, which must be on PATH.

Without --out-dir, writes in every cluster (through its context) the Secret ${AVI_SYSTEM}/NAME
(default ${FEDERATION_TLS_SECRET}, the chart's federation.tls.secretName), type kubernetes.io/tls,
keys tls.crt, tls.key and ca.crt; the new CA's key is then not kept anywhere (give --out-dir to
keep it, to sign for more members later). With --out-dir, writes ca.crt, ca.key and per
cluster CONTEXT.crt and CONTEXT.key there instead (keys mode 0600), and touches no cluster.

--print-cert-manager prints, instead, cert-manager resources that do the same in the clusters:
an Issuer ${CA_SECRET} (CA issuer, from a Secret ${CA_SECRET} holding the CA, to be copied to
every cluster) and per cluster a Certificate whose secretName is NAME.

Flags:
  --contexts A,B         the clusters (context names) to make certificates for (required)
  --out-dir DIR          write files to DIR instead of Secrets
  --days N               validity of the certificates (default ${DEFAULT_DAYS})
  --ca-cert FILE, --ca-key FILE   sign with this CA instead of making one
  --secret-name NAME     the TLS Secret's name (default ${FEDERATION_TLS_SECRET})
  --print-cert-manager   print cert-manager Issuer and Certificate YAML and exit
  -o, --output FORMAT    json or yaml instead of text

Output fields (-o json|yaml):
  ca              {subject, notAfter, fingerprint256, keptIn}
  certificates[]  {cluster, subject, dnsNames, notBefore, notAfter, fingerprint256, writtenTo}

${COMMON_HELP}
`;

const OPTIONS = Object.freeze({
  contexts: { type: 'string' },
  'out-dir': { type: 'string' },
  days: { type: 'string' },
  'ca-cert': { type: 'string' },
  'ca-key': { type: 'string' },
  'secret-name': { type: 'string' },
  'print-cert-manager': { type: 'boolean' },
  output: { type: 'string', short: 'o' },
} as const);

export interface CertInfo {
  cluster: string;
  subject: string;
  dnsNames: string[];
  notBefore: string;
  notAfter: string;
  fingerprint256: string;
  writtenTo: string;
}

export interface CertsResult {
  ca: { subject: string; notAfter: string; fingerprint256: string; keptIn?: string };
  certificates: CertInfo[];
}

interface Pem {
  cert: string;
  key: string;
}

/** A DNS name (the SAN must be one): labels of letters, digits and hyphens. */
function checkName(name: string): void {
  if (
    !/^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/.test(
      name,
    )
  ) {
    throw usageError(
      `context ${JSON.stringify(name)} cannot be a certificate's DNS name (letters, digits, - and . only)`,
    );
  }
}

async function openssl(dir: string, args: readonly string[]): Promise<void> {
  try {
    await run('openssl', [...args], { cwd: dir });
  } catch (err) {
    const e = err as { code?: unknown; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new OperatorError('CONFIG_INVALID', 'never', 'the openssl command is not on PATH');
    }
    throw new OperatorError(
      'CONFIG_INVALID',
      'never',
      `openssl ${args[0] ?? ''} failed: ${(e.stderr ?? messageOf(err)).trim()}`,
    );
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(dir: string, days: number): Promise<Pem> {
  await openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    String(days),
    '-subj',
    '/O=amko/CN=amko-federation-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return {
    cert: await readFile(path.join(dir, 'ca.crt'), 'utf8'),
    key: await readFile(path.join(dir, 'ca.key'), 'utf8'),
  };
}

async function makeLeaf(dir: string, cluster: string, days: number): Promise<Pem> {
  const ext = `leaf-${cluster}.ext`;
  await writeFile(
    path.join(dir, ext),
    `basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:${cluster}\n` +
      `keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n`,
  );
  await openssl(dir, [
    'req',
    ...EC,
    '-keyout',
    `leaf-${cluster}.key`,
    '-out',
    `leaf-${cluster}.csr`,
    '-subj',
    `/O=amko/CN=${cluster}`,
  ]);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    `leaf-${cluster}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-set_serial',
    `0x${randomBytes(16).toString('hex')}`,
    '-days',
    String(days),
    '-extfile',
    ext,
    '-out',
    `leaf-${cluster}.crt`,
  ]);
  return {
    cert: await readFile(path.join(dir, `leaf-${cluster}.crt`), 'utf8'),
    key: await readFile(path.join(dir, `leaf-${cluster}.key`), 'utf8'),
  };
}

/** Loads a given CA, checking that it is a CA and that the key is its key. */
async function loadCa(certFile: string, keyFile: string): Promise<Pem> {
  let pem: Pem;
  try {
    pem = { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } catch (err) {
    throw usageError(`cannot read the CA: ${messageOf(err)}`);
  }
  let x: X509Certificate;
  try {
    x = new X509Certificate(pem.cert);
  } catch (err) {
    throw usageError(`${certFile} is not a PEM certificate: ${messageOf(err)}`);
  }
  if (!x.ca) throw usageError(`${certFile} is not a CA certificate`);
  let matches = false;
  try {
    matches = x.checkPrivateKey(createPrivateKey(pem.key));
  } catch (err) {
    throw usageError(`${keyFile} is not a PEM private key: ${messageOf(err)}`);
  }
  if (!matches) throw usageError(`${keyFile} is not the key of ${certFile}`);
  return pem;
}

/** What node:crypto reads in a certificate, after checking it is signed by `ca`. */
function inspect(cluster: string, leaf: Pem, ca: X509Certificate, writtenTo: string): CertInfo {
  const x = new X509Certificate(leaf.cert);
  if (!x.checkIssued(ca) || !x.verify(ca.publicKey)) {
    throw new OperatorError(
      'CONFIG_INVALID',
      'never',
      `the certificate of ${cluster} does not verify against the CA`,
    );
  }
  if (!x.checkPrivateKey(createPrivateKey(leaf.key))) {
    throw new OperatorError(
      'CONFIG_INVALID',
      'never',
      `the key of ${cluster} does not match its certificate`,
    );
  }
  return {
    cluster,
    subject: x.subject.replace(/\n/g, ', '),
    dnsNames: (x.subjectAltName ?? '')
      .split(', ')
      .filter((s) => s.startsWith('DNS:'))
      .map((s) => s.slice(4)),
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    fingerprint256: x.fingerprint256,
    writtenTo,
  };
}

async function writeTlsSecret(
  flags: { kubeconfig?: string },
  context: string,
  name: string,
  pems: { leaf: Pem; caCert: string },
): Promise<void> {
  const { leaf, caCert } = pems;
  const core = loadTarget(flags, context).kubeConfig.makeApiClient(CoreV1Api);
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const body: V1Secret = {
    metadata: {
      name,
      namespace: AVI_SYSTEM,
      labels: { 'app.kubernetes.io/managed-by': 'kubectl-amko' },
    },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': b64(leaf.cert), 'tls.key': b64(leaf.key), 'ca.crt': b64(caCert) },
  };
  const what = `write Secret ${AVI_SYSTEM}/${name}`;
  try {
    await core.createNamespacedSecret({ namespace: AVI_SYSTEM, body });
  } catch (err) {
    if (kubeStatusOf(err) !== 409) {
      if (isKubeNotFound(err)) {
        throw classifyKubeError(err, `${context}: ${what} (is there a namespace ${AVI_SYSTEM}?)`);
      }
      throw classifyKubeError(err, `${context}: ${what}`);
    }
    try {
      const old = await core.readNamespacedSecret({ name, namespace: AVI_SYSTEM });
      if (old.type !== 'kubernetes.io/tls') {
        throw new OperatorError(
          'KUBE_REJECTED',
          'never',
          `${context}: Secret ${AVI_SYSTEM}/${name} exists with type ${old.type ?? 'Opaque'}, not kubernetes.io/tls`,
        );
      }
      if (body.metadata) body.metadata.resourceVersion = old.metadata?.resourceVersion ?? '';
      await core.replaceNamespacedSecret({ name, namespace: AVI_SYSTEM, body });
    } catch (e) {
      throw classifyKubeError(e, `${context}: ${what}`);
    }
  }
}

function print(io: CliIo, output: OutputFormat, result: CertsResult): void {
  if (output !== 'text') {
    io.out(output === 'json' ? `${JSON.stringify(result, null, 2)}\n` : stringify(result));
    return;
  }
  const ca = result.ca;
  io.out(
    `CA ${ca.subject}, valid until ${ca.notAfter}${ca.keptIn ? `, kept in ${ca.keptIn}` : ', key not kept'}\n`,
  );
  for (const c of result.certificates) {
    io.out(
      `${c.cluster}: ${c.subject}, DNS ${c.dnsNames.join(',')}, valid until ${c.notAfter} -> ${c.writtenTo}\n`,
    );
  }
}

function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw usageError(`--${flag} must be a positive whole number, got ${value}`);
  return Number(value);
}

interface CertsFlags {
  output: OutputFormat;
  clusters: string[];
  days: number;
  secretName: string;
  outDir: string | undefined;
  ca: { cert: string; key: string } | undefined;
}

function certsFlags(parsed: ParsedCommand): CertsFlags {
  const clusters = contextList(stringFlag(parsed, 'contexts'), 'contexts');
  clusters.forEach(checkName);
  const caCert = stringFlag(parsed, 'ca-cert');
  const caKey = stringFlag(parsed, 'ca-key');
  if ((caCert === undefined) !== (caKey === undefined)) {
    throw usageError('--ca-cert and --ca-key go together');
  }
  return {
    output: parseOutput(stringFlag(parsed, 'output')),
    clusters,
    days: positiveInt(stringFlag(parsed, 'days'), 'days', DEFAULT_DAYS),
    secretName: stringFlag(parsed, 'secret-name') ?? FEDERATION_TLS_SECRET,
    outDir: stringFlag(parsed, 'out-dir'),
    ca: caCert !== undefined && caKey !== undefined ? { cert: caCert, key: caKey } : undefined,
  };
}

/** Writes one leaf (files or Secret); returns where. */
async function writeLeaf(
  f: CertsFlags,
  kube: { kubeconfig?: string },
  cluster: string,
  pems: { leaf: Pem; caCert: string },
): Promise<string> {
  if (f.outDir === undefined) {
    await writeTlsSecret(kube, cluster, f.secretName, pems);
    return `Secret ${AVI_SYSTEM}/${f.secretName} on ${cluster}`;
  }
  const crt = path.join(f.outDir, `${cluster}.crt`);
  const key = path.join(f.outDir, `${cluster}.key`);
  await writeFile(crt, pems.leaf.cert);
  await writeFile(key, pems.leaf.key, { mode: 0o600 });
  return `${crt}, ${key}`;
}

/** With --out-dir: ca.crt, and ca.key when the CA is new. Returns where the CA key is kept. */
async function keepCa(f: CertsFlags, ca: Pem): Promise<string | undefined> {
  if (f.ca !== undefined) {
    if (f.outDir !== undefined) await writeFile(path.join(f.outDir, 'ca.crt'), ca.cert);
    return f.ca.key;
  }
  if (f.outDir === undefined) return undefined;
  await writeFile(path.join(f.outDir, 'ca.crt'), ca.cert);
  await writeFile(path.join(f.outDir, 'ca.key'), ca.key, { mode: 0o600 });
  return path.join(f.outDir, 'ca.key');
}

async function issueAll(
  f: CertsFlags,
  kube: { kubeconfig?: string },
  work: string,
): Promise<CertsResult> {
  const ca = f.ca !== undefined ? await loadCa(f.ca.cert, f.ca.key) : await makeCa(work, f.days);
  await writeFile(path.join(work, 'ca.crt'), ca.cert);
  await writeFile(path.join(work, 'ca.key'), ca.key, { mode: 0o600 });
  const caX = new X509Certificate(ca.cert);
  const leaves = new Map<string, Pem>();
  for (const c of f.clusters) leaves.set(c, await makeLeaf(work, c, f.days));
  if (f.outDir !== undefined) await mkdir(f.outDir, { recursive: true });
  const certificates: CertInfo[] = [];
  for (const [c, leaf] of leaves) {
    const where = await writeLeaf(f, kube, c, { leaf, caCert: ca.cert });
    certificates.push(inspect(c, leaf, caX, where));
  }
  const keptIn = await keepCa(f, ca);
  return {
    ca: {
      subject: caX.subject.replace(/\n/g, ', '),
      notAfter: new Date(caX.validTo).toISOString(),
      fingerprint256: caX.fingerprint256,
      ...(keptIn === undefined ? {} : { keptIn }),
    },
    certificates,
  };
}

export async function runCerts(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, OPTIONS);
  if (parsed.common.help) {
    io.out(CERTS_HELP);
    return 0;
  }
  const f = certsFlags(parsed);
  if (parsed.flags['print-cert-manager'] === true) {
    io.out(certManagerYaml(f.clusters, f.secretName, f.days));
    return 0;
  }
  if (f.outDir === undefined) for (const c of f.clusters) loadTarget(parsed.common, c);
  const work = await mkdtemp(path.join(tmpdir(), 'kubectl-amko-certs-'));
  try {
    print(io, f.output, await issueAll(f, parsed.common, work));
    return 0;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
