/**
 * `kubectl amko kubeconfig` and `kubectl amko certs`, the built plugin run as a child process
 * against two real kube-apiservers: the member kubeconfig it writes is used as amko uses it
 * (reading allowed, writing forbidden), and the federation certificates are checked with
 * node:crypto and used for a mutual-TLS gRPC call with amko's own federation credentials.
 */
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { CoreV1Api, NetworkingV1Api, type V1Secret } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { CertsResult } from '../../src/cli/certs-command.js';
import type { KubeconfigResult } from '../../src/cli/kubeconfig-command.js';
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import {
  channelCredentials,
  loadFederationTls,
  serverCredentials,
} from '../../src/shared/federation/credentials.js';
import { kubeStatusOf } from '../../src/shared/kube/kube-errors.js';
import { memberKubeConfigs } from '../../src/shared/kube/member-clients.js';
import { startClusters, type ClusterSet } from '../support/clusters.js';
import { kubectlAmko } from '../support/kubectl-amko.js';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

const decode = (s: V1Secret, key: string): string =>
  Buffer.from(s.data?.[key] ?? '', 'base64').toString('utf8');

describe('kubectl amko kubeconfig / certs', function () {
  let clusters: ClusterSet;
  let dir: string;
  const kubeconfig = (): string[] => ['--kubeconfig', clusters.kubeconfigPath];
  const core = (c: string): CoreV1Api => clusters.kubeConfig(c).makeApiClient(CoreV1Api);
  const secret = (c: string, name: string): Promise<V1Secret> =>
    core(c).readNamespacedSecret({ name, namespace: AVI_SYSTEM });

  before(async () => {
    clusters = await startClusters({ n: 2 });
    dir = await mkdtemp(path.join(tmpdir(), 'amko-cli-credentials-'));
  });

  after(async () => {
    await clusters.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('kubeconfig', () => {
    it('writes a member kubeconfig whose tokens may read what amko reads and write nothing', async () => {
      // gslb-config-secret already exists on cluster2 with another key, which must be kept.
      await core('cluster2').createNamespacedSecret({
        namespace: AVI_SYSTEM,
        body: { metadata: { name: 'gslb-config-secret' }, stringData: { other: 'kept' } },
      });
      const r = await kubectlAmko([
        'kubeconfig',
        '--contexts',
        'cluster1,cluster2',
        '--amko-contexts',
        'cluster1,cluster2',
        '--duration',
        '2h',
        '-o',
        'json',
        ...kubeconfig(),
      ]);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as KubeconfigResult;
      assert.deepEqual(
        doc.members.map((m) => [m.context, m.serviceAccount, m.clusterRole]),
        [
          ['cluster1', 'avi-system/amko-member-reader', 'amko-member-reader'],
          ['cluster2', 'avi-system/amko-member-reader', 'amko-member-reader'],
        ],
      );
      const expires = Date.parse(doc.members[0]?.tokenExpires ?? '');
      assert.ok(expires > Date.now() + 3_600_000, `token expiry ${doc.members[0]?.tokenExpires}`);
      assert.deepEqual(doc.secret, {
        namespace: AVI_SYSTEM,
        name: 'gslb-config-secret',
        key: 'gslb-members',
      });
      assert.deepEqual(doc.writtenTo, ['cluster1', 'cluster2']);

      const text = decode(await secret('cluster1', 'gslb-config-secret'), 'gslb-members');
      assert.equal(decode(await secret('cluster2', 'gslb-config-secret'), 'gslb-members'), text);
      assert.equal(decode(await secret('cluster2', 'gslb-config-secret'), 'other'), 'kept');
      assert.doesNotMatch(text, /client-certificate|client-key/, 'token auth only');
      // Read as amko reads it.
      const parsed = memberKubeConfigs(text, ['cluster1', 'cluster2']);
      assert.deepEqual(parsed.problems, []);
      for (const c of ['cluster1', 'cluster2']) {
        const kc = parsed.configs.get(c);
        assert.ok(kc, c);
        assert.equal(
          kc.getCurrentCluster()?.server,
          clusters.kubeConfig(c).getCurrentCluster()?.server,
        );
        const net = kc.makeApiClient(NetworkingV1Api);
        const list = await net.listIngressForAllNamespaces();
        assert.ok(Array.isArray(list.items), `${c}: ingresses listed`);
        await kc.makeApiClient(CoreV1Api).listServiceForAllNamespaces();
        await kc.makeApiClient(CoreV1Api).listNamespace();
        const created = await rejection(
          net.createNamespacedIngress({
            namespace: 'default',
            body: {
              metadata: { name: 'not-allowed' },
              spec: { defaultBackend: { service: { name: 'x', port: { number: 80 } } } },
            },
          }),
        );
        assert.equal(kubeStatusOf(created), 403, `${c}: creating an ingress is forbidden`);
        const secrets = await rejection(kc.makeApiClient(CoreV1Api).listSecretForAllNamespaces());
        assert.equal(kubeStatusOf(secrets), 403, `${c}: reading secrets is forbidden`);
      }
    });

    it('runs again over what it made, and prints text by default', async () => {
      const r = await kubectlAmko([
        'kubeconfig',
        '--contexts',
        'cluster2',
        '--amko-contexts',
        'cluster1',
        ...kubeconfig(),
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /^cluster2: ServiceAccount avi-system\/amko-member-reader, ClusterRole amko-member-reader \(read-only\); token expires \S+\n/,
      );
      assert.match(
        r.stdout,
        /written to Secret avi-system\/gslb-config-secret key gslb-members on cluster1\n$/,
      );
      const text = decode(await secret('cluster1', 'gslb-config-secret'), 'gslb-members');
      assert.deepEqual([...memberKubeConfigs(text, ['cluster2']).configs.keys()], ['cluster2']);
    });

    it('exits 2 with one line when --contexts is missing or names an unknown context', async () => {
      const missing = await kubectlAmko([
        'kubeconfig',
        '--amko-contexts',
        'cluster1',
        ...kubeconfig(),
      ]);
      assert.equal(missing.code, 2);
      assert.equal(
        missing.stderr,
        'kubectl-amko kubeconfig: --contexts is required (comma-separated contexts)\n',
      );
      const unknown = await kubectlAmko([
        'kubeconfig',
        '--contexts',
        'cluster1,nowhere',
        '--amko-contexts',
        'cluster1',
        ...kubeconfig(),
      ]);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /^kubectl-amko kubeconfig: context "nowhere" not found/);
    });
  });

  describe('certs', () => {
    /** Checks a leaf with node:crypto: CN, DNS SAN, issuer, signature, validity, key. */
    function checkLeaf(cluster: string, certPem: string, keyPem: string, caPem: string): void {
      const ca = new X509Certificate(caPem);
      const x = new X509Certificate(certPem);
      assert.ok(ca.ca, 'the CA is a CA');
      assert.ok(!x.ca, 'the leaf is not a CA');
      assert.match(x.subject, new RegExp(`(^|\\n)CN=${cluster}($|\\n)`));
      assert.equal(x.subjectAltName, `DNS:${cluster}`);
      assert.equal(x.issuer, ca.subject);
      assert.ok(x.checkIssued(ca) && x.verify(ca.publicKey), 'signed by the CA');
      assert.ok(x.checkPrivateKey(createPrivateKey(keyPem)), 'the key is the certificate key');
      const now = Date.now();
      assert.ok(Date.parse(x.validFrom) <= now && now < Date.parse(x.validTo), 'valid now');
      assert.ok(x.keyUsage?.includes('1.3.6.1.5.5.7.3.1'), 'server auth');
      assert.ok(x.keyUsage?.includes('1.3.6.1.5.5.7.3.2'), 'client auth');
    }

    it('writes the chart TLS Secret in each cluster; amko federation credentials accept them', async () => {
      const r = await kubectlAmko([
        'certs',
        '--contexts',
        'cluster1,cluster2',
        '-o',
        'json',
        ...kubeconfig(),
      ]);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as CertsResult;
      assert.deepEqual(
        doc.certificates.map((c) => [c.cluster, c.dnsNames, c.writtenTo]),
        [
          ['cluster1', ['cluster1'], 'Secret avi-system/amko-federation-tls on cluster1'],
          ['cluster2', ['cluster2'], 'Secret avi-system/amko-federation-tls on cluster2'],
        ],
      );
      const files: Record<string, { cert: string; key: string; ca: string }> = {};
      for (const c of ['cluster1', 'cluster2']) {
        const s = await secret(c, 'amko-federation-tls');
        assert.equal(s.type, 'kubernetes.io/tls');
        const [cert, key, ca] = [decode(s, 'tls.crt'), decode(s, 'tls.key'), decode(s, 'ca.crt')];
        checkLeaf(c, cert, key, ca);
        assert.equal(new X509Certificate(ca).fingerprint256, doc.ca.fingerprint256);
        const f = {
          cert: path.join(dir, `${c}.crt`),
          key: path.join(dir, `${c}.key`),
          ca: path.join(dir, `${c}-ca.crt`),
        };
        await writeFile(f.cert, cert);
        await writeFile(f.key, key);
        await writeFile(f.ca, ca);
        files[c] = f;
      }
      // cluster2 serves with amko's server credentials; cluster1 dials it with amko's client
      // credentials, which require the server certificate to name cluster2.
      const load = (c: string): ReturnType<typeof loadFederationTls> => {
        const f = files[c];
        assert.ok(f);
        return loadFederationTls({ tlsCert: f.cert, tlsKey: f.key, tlsCa: f.ca });
      };
      const serverTls = await load('cluster2');
      const server = new grpc.Server();
      const port = await new Promise<number>((resolve, reject) => {
        server.bindAsync('127.0.0.1:0', serverCredentials(serverTls), (err, p) => {
          if (err) reject(err);
          else resolve(p);
        });
      });
      try {
        const client = new grpc.Client(
          `127.0.0.1:${port}`,
          channelCredentials(await load('cluster1'), 'cluster2'),
        );
        const status = await new Promise<grpc.ServiceError>((resolve) => {
          client.makeUnaryRequest(
            '/amko.test.NoSuchService/Call',
            (b: Buffer) => b,
            (b: Buffer) => b,
            Buffer.alloc(0),
            { deadline: Date.now() + 30_000 },
            (err) => {
              resolve(err as grpc.ServiceError);
            },
          );
        });
        client.close();
        // UNIMPLEMENTED comes from the server: the mutual-TLS handshake succeeded.
        assert.equal(status.code, grpc.status.UNIMPLEMENTED, status.message);
      } finally {
        server.forceShutdown();
      }
    });

    it('writes files with --out-dir, keeping the CA key, and signs more with --ca-cert/--ca-key', async () => {
      const out = path.join(dir, 'out');
      const r = await kubectlAmko([
        'certs',
        '--contexts',
        'site-a.example',
        '--out-dir',
        out,
        '--days',
        '30',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^CA .*CN=amko-federation-ca, valid until \S+, kept in .*ca\.key\n/);
      const read = (f: string): Promise<string> => readFile(path.join(out, f), 'utf8');
      const ca = await read('ca.crt');
      checkLeaf(
        'site-a.example',
        await read('site-a.example.crt'),
        await read('site-a.example.key'),
        ca,
      );
      assert.equal((await stat(path.join(out, 'site-a.example.key'))).mode & 0o777, 0o600);
      assert.equal((await stat(path.join(out, 'ca.key'))).mode & 0o777, 0o600);
      const days =
        (Date.parse(new X509Certificate(await read('site-a.example.crt')).validTo) - Date.now()) /
        86_400_000;
      assert.ok(days > 29 && days <= 30, `valid ${days} days`);

      const more = path.join(dir, 'more');
      const again = await kubectlAmko([
        'certs',
        '--contexts',
        'site-b',
        '--out-dir',
        more,
        '--ca-cert',
        path.join(out, 'ca.crt'),
        '--ca-key',
        path.join(out, 'ca.key'),
      ]);
      assert.equal(again.code, 0, again.stderr);
      checkLeaf(
        'site-b',
        await readFile(path.join(more, 'site-b.crt'), 'utf8'),
        await readFile(path.join(more, 'site-b.key'), 'utf8'),
        ca,
      );
    });

    it('prints cert-manager Issuer and Certificates with --print-cert-manager', async () => {
      const r = await kubectlAmko([
        'certs',
        '--contexts',
        'cluster1,cluster2',
        '--print-cert-manager',
      ]);
      assert.equal(r.code, 0, r.stderr);
      interface Doc {
        kind: string;
        metadata?: { name?: string };
        spec?: { commonName?: string; dnsNames?: string[]; secretName?: string; usages?: string[] };
      }
      const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Doc);
      assert.deepEqual(
        docs.map((d) => [d.kind, d.metadata?.name, d.spec?.commonName]),
        [
          ['Issuer', 'amko-federation-ca', undefined],
          ['Certificate', 'amko-federation-tls', 'cluster1'],
          ['Certificate', 'amko-federation-tls', 'cluster2'],
        ],
      );
      assert.deepEqual(docs[2]?.spec?.dnsNames, ['cluster2']);
      assert.equal(docs[2]?.spec?.secretName, 'amko-federation-tls');
      assert.deepEqual(docs[2]?.spec?.usages, [
        'digital signature',
        'key encipherment',
        'server auth',
        'client auth',
      ]);
    });

    it('exits 2 with one line for a context that cannot be a DNS name', async () => {
      const r = await kubectlAmko(['certs', '--contexts', 'arn:aws:eks/x', '--out-dir', dir]);
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /^kubectl-amko certs: context "arn:aws:eks\/x" cannot be a certificate's DNS name/,
      );
    });
  });
});
