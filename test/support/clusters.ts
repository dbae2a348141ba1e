import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import https from 'node:https';
import http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { PooledKubeConfig } from '../../src/shared/kube/pooled-kube-config.js';
import { stringify } from 'yaml';
import { eventually } from './eventually.js';
import { makeKubePki, type KubePki } from './kube-pki.js';
import { freePort, ManagedProcess } from './managed-process.js';
import { repoRoot, toolPath } from './tools.js';
import { installClusterResources } from './cluster-crds.js';

export interface StartClustersOptions {
  /** Number of clusters; contexts are named cluster1..clusterN. */
  n: number;
  /** Contexts that play OpenShift: they get the Route CRD. */
  openshift?: readonly string[];
  /** Where to write the kubeconfig; defaults to `<dir>/kubeconfig`. */
  kubeconfigPath?: string;
  /** Progress messages. */
  log?: (msg: string) => void;
}

interface Member {
  name: string;
  apiPort: number;
  etcd: ManagedProcess;
  apiserver: ManagedProcess;
}

/** N real etcd + kube-apiserver pairs on loopback, with TLS, client-certificate auth and RBAC. */
export class ClusterSet {
  readonly contexts: readonly string[];
  readonly #members: Map<string, Member>;
  #stopped = false;
  readonly #onExit = (): void => {
    this.#killNow();
  };

  private constructor(
    readonly dir: string,
    readonly kubeconfigPath: string,
    readonly pki: KubePki,
    members: Member[],
  ) {
    this.#members = new Map(members.map((m) => [m.name, m]));
    this.contexts = members.map((m) => m.name);
    process.once('exit', this.#onExit);
  }

  /** Starts the clusters, installs the CRDs and `avi-system`, and waits until all are ready. */
  static async start(opts: StartClustersOptions): Promise<ClusterSet> {
    const log = opts.log ?? ((): void => undefined);
    const dir = mkdtempSync(path.join(tmpdir(), 'amko-clusters-'));
    startWatchdog(dir);
    let set: ClusterSet | undefined;
    try {
      const pki = await makeKubePki(dir);
      const members: Member[] = [];
      for (let i = 1; i <= opts.n; i++) members.push(await planMember(dir, pki, `cluster${i}`));
      const kubeconfigPath = opts.kubeconfigPath ?? path.join(dir, 'kubeconfig');
      set = new ClusterSet(dir, kubeconfigPath, pki, members);
      await set.#bringUp(opts, log);
      return set;
    } catch (err) {
      await set?.stop();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  async #bringUp(opts: StartClustersOptions, log: (msg: string) => void): Promise<void> {
    writeFileSync(this.kubeconfigPath, this.kubeconfigYaml(), { mode: 0o600 });
    await Promise.all(this.contexts.map((c) => this.#startMember(c, log)));
    const openshift = new Set(opts.openshift ?? []);
    await Promise.all(
      this.contexts.map((c) => installClusterResources(this.kubeConfig(c), openshift.has(c))),
    );
    log(`clusters ready: ${this.contexts.join(', ')}; kubeconfig ${this.kubeconfigPath}`);
  }

  /** A client-node KubeConfig whose current context is `context`. */
  kubeConfig(context: string): KubeConfig {
    const kc = new PooledKubeConfig();
    kc.loadFromString(this.kubeconfigYaml());
    kc.setCurrentContext(context);
    return kc;
  }

  /** A KubeConfig for `context` that authenticates as a user made with `makeUserCert`. */
  kubeConfigAs(context: string, user: { certFile: string; keyFile: string }): KubeConfig {
    const m = this.#member(context);
    const kc = new PooledKubeConfig();
    kc.loadFromOptions({
      clusters: [
        { name: m.name, server: `https://127.0.0.1:${m.apiPort}`, caFile: this.pki.caCert },
      ],
      users: [{ name: 'user', certFile: user.certFile, keyFile: user.keyFile }],
      contexts: [{ name: m.name, cluster: m.name, user: 'user' }],
      currentContext: m.name,
    });
    return kc;
  }

  /** The kubeconfig text, credentials embedded (usable as AMKO's member kubeconfig secret). */
  kubeconfigYaml(contexts: readonly string[] = this.contexts): string {
    const b64 = (f: string): string => readFileSync(f).toString('base64');
    const ms = contexts.map((c) => this.#member(c));
    return stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: ms.map((m) => ({
        name: m.name,
        cluster: {
          server: `https://127.0.0.1:${m.apiPort}`,
          'certificate-authority-data': b64(this.pki.caCert),
        },
      })),
      users: [
        {
          name: 'amko-admin',
          user: {
            'client-certificate-data': b64(this.pki.adminCert),
            'client-key-data': b64(this.pki.adminKey),
          },
        },
      ],
      contexts: ms.map((m) => ({ name: m.name, context: { cluster: m.name, user: 'amko-admin' } })),
      'current-context': ms[0]?.name ?? '',
    });
  }

  /** The pids of every etcd and kube-apiserver currently running. */
  pids(): number[] {
    const out: number[] = [];
    for (const m of this.#members.values()) {
      for (const p of [m.etcd, m.apiserver]) if (p.pid !== undefined) out.push(p.pid);
    }
    return out;
  }

  async stopApiServer(name: string): Promise<void> {
    await this.#member(name).apiserver.stop();
  }

  async startApiServer(name: string): Promise<void> {
    const m = this.#member(name);
    m.apiserver.start();
    await waitApiReady(m, this.pki);
  }

  /** Stops a cluster's etcd (its kube-apiserver keeps running, failing its requests). */
  async stopEtcd(name: string): Promise<void> {
    await this.#member(name).etcd.stop();
  }

  async startEtcd(name: string): Promise<void> {
    const m = this.#member(name);
    m.etcd.start();
    await waitEtcdReady(m);
  }

  /** Stops every process and removes the working directory. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    process.removeListener('exit', this.#onExit);
    const ms = [...this.#members.values()];
    await Promise.all(ms.map((m) => m.apiserver.stop()));
    await Promise.all(ms.map((m) => m.etcd.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  #killNow(): void {
    for (const m of this.#members.values()) {
      m.apiserver.killNow();
      m.etcd.killNow();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  #member(name: string): Member {
    const m = this.#members.get(name);
    if (!m) throw new Error(`no cluster named ${name} (have ${this.contexts.join(', ')})`);
    return m;
  }

  async #startMember(name: string, log: (msg: string) => void): Promise<void> {
    const m = this.#member(name);
    m.etcd.start();
    await waitEtcdReady(m);
    m.apiserver.start();
    try {
      await waitApiReady(m, this.pki);
    } catch (err) {
      if (m.apiserver.running) throw err;
      // An exit at first start is retried once, its log kept in the output.
      log(`${name}: ${(err as Error).message}\n${name}: starting kube-apiserver again`);
      m.apiserver.start();
      await waitApiReady(m, this.pki);
    }
    log(`${name}: kube-apiserver ready on https://127.0.0.1:${m.apiPort}`);
  }
}

/** Shorthand for `ClusterSet.start`. */
export function startClusters(opts: StartClustersOptions): Promise<ClusterSet> {
  return ClusterSet.start(opts);
}

function startWatchdog(dir: string): void {
  const script = path.join(repoRoot(), 'test', 'support', 'watchdog.sh');
  const child = spawn('bash', [script, String(process.pid), dir], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
}

async function planMember(dir: string, pki: KubePki, name: string): Promise<Member> {
  const own = path.join(dir, name);
  mkdirSync(own);
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const pgidFile = path.join(dir, 'pgids');
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const etcd = new ManagedProcess({
    name: `${name}-etcd`,
    command: toolPath('etcd'),
    args: [
      `--name=${name}`,
      `--data-dir=${path.join(own, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=${name}=${peerUrl}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    logFile: path.join(own, 'etcd.log'),
    pgidFile,
  });
  const apiserver = new ManagedProcess({
    name: `${name}-kube-apiserver`,
    command: toolPath('kube-apiserver'),
    args: apiServerArgs({ pki, own, apiPort, etcdUrl }),
    logFile: path.join(own, 'kube-apiserver.log'),
    pgidFile,
  });
  return { name, apiPort, etcd, apiserver };
}

function apiServerArgs(o: {
  pki: KubePki;
  own: string;
  apiPort: number;
  etcdUrl: string;
}): string[] {
  return [
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${o.apiPort}`,
    `--cert-dir=${path.join(o.own, 'certs')}`,
    `--tls-cert-file=${o.pki.serverCert}`,
    `--tls-private-key-file=${o.pki.serverKey}`,
    `--client-ca-file=${o.pki.caCert}`,
    `--etcd-servers=${o.etcdUrl}`,
    `--service-account-issuer=https://127.0.0.1:${o.apiPort}`,
    `--service-account-key-file=${o.pki.saPub}`,
    `--service-account-signing-key-file=${o.pki.saKey}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    '--authorization-mode=RBAC',
    '--anonymous-auth=false',
    '--disable-admission-plugins=ServiceAccount',
    '--enable-priority-and-fairness=false',
    '--endpoint-reconciler-type=none',
    '--profiling=false',
    '--allow-privileged=true',
  ];
}

/** The last lines of a process log, for an error message. */
function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(no log at ${file}: ${(err as Error).message})`;
  }
}

async function waitEtcdReady(m: Member): Promise<void> {
  const url = m.etcd.spec.args.find((a) => a.startsWith('--listen-client-urls='))?.split('=')[1];
  const ready = await eventually(
    () =>
      new Promise<boolean | 'exited'>((resolve, reject) => {
        if (!m.etcd.running) {
          resolve('exited');
          return;
        }
        http
          .get(`${url ?? ''}/health`, (res) => {
            res.resume();
            resolve(res.statusCode === 200);
          })
          .on('error', reject);
      }),
    { timeoutMs: 60_000, intervalMs: 100, what: `${m.name} etcd health` },
  );
  if (ready === 'exited') {
    throw new Error(`${m.name} etcd exited:\n${logTail(m.etcd.spec.logFile)}`);
  }
}

async function waitApiReady(m: Member, pki: KubePki): Promise<void> {
  const agent = new https.Agent({
    ca: readFileSync(pki.caCert),
    cert: readFileSync(pki.adminCert),
    key: readFileSync(pki.adminKey),
  });
  try {
    const ready = await eventually(
      () =>
        new Promise<boolean | 'exited'>((resolve, reject) => {
          if (!m.apiserver.running) {
            resolve('exited');
            return;
          }
          https
            .get({ host: '127.0.0.1', port: m.apiPort, path: '/readyz', agent }, (res) => {
              res.resume();
              resolve(res.statusCode === 200);
            })
            .on('error', reject);
        }),
      { timeoutMs: 180_000, intervalMs: 200, what: `${m.name} kube-apiserver /readyz` },
    );
    if (ready === 'exited') {
      throw new Error(`${m.name} kube-apiserver exited:\n${logTail(m.apiserver.spec.logFile)}`);
    }
  } finally {
    agent.destroy();
  }
}
