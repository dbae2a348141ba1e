/**
 * A three-site federation for end-to-end tests: three real clusters, one Avi simulator, real
 * federation certificates and one real `amko` process per cluster (node with the flags the image gives amko, `dist/src/main.js`), each
 * on fixed loopback ports so a restarted process is found where its peers expect it. cluster1
 * starts as the leader; every cluster's AMKOCluster names the others' federation endpoints.
 *
 * With `{ proxied: true }` every ordered pair of clusters (from → to) gets its own TCP proxy to
 * `to`'s federation port, and `from`'s AMKOCluster names that proxy as `to`'s endpoint: what
 * `from` dials to reach `to` goes through `link(from, to)`, which a test can cut, stall or reset
 * (`partition`, `heal`).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import {
  AMKO_CLUSTER,
  type AmkoCluster,
  type AmkoClusterStatus,
} from '../../src/shared/crd/amko-cluster.js';
import {
  AMKO_CLUSTER_NAME,
  AMKO_UUID_ANNOTATION,
  AVI_SYSTEM,
  type CrdResource,
} from '../../src/shared/crd/common.js';
import {
  REPLICATED_KINDS,
  replicatedResource,
  type ReplicatedKind,
} from '../../src/shared/federation/replicated-kinds.js';
import { contentHash, contentOf } from '../../src/shared/federation/replicated-object.js';
import type { JournalEntry } from '../../src/sim/avi-controller/journal.js';
import { startAviSim, type AviSimHandle, type StartAviSimOptions } from './avi-sim.js';
import { makeFederationCerts, type FederationCerts } from './certs.js';
import { startClusters, type ClusterSet } from './clusters.js';
import { eventually } from './eventually.js';
import { healthProbe } from './grpc.js';
import { AMKO_NODE_ARGS } from './leader-fixture.js';
import { MemberObjects } from './leader-objects.js';
import { installSite } from './site-install.js';
import { VERSION } from '../../src/shared/version.js';
import { freePort } from './managed-process.js';
import { startTcpProxy, type TcpProxy, type TcpProxyMode } from './tcp-proxy.js';

const execFileP = promisify(execFile);

export const E2E_VERSION = VERSION;
export const E2E_UUID = '5e5e5e5e-1111-4222-8333-444444444444';
/** A cluster with a valid certificate from the federation CA that no AMKOCluster lists. */
export const INTRUDER = 'intruder';
const WRITES = Object.freeze(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A write the controller accepted (2xx); a refused one (a conflict, a reset) changed nothing. */
export const acceptedWrite = (e: JournalEntry): boolean => e.status >= 200 && e.status < 300;
/** Logging in and out changes no configuration. */
const SESSION_CALLS = Object.freeze(['login', 'logout']);

/** A plain object of a replicated kind. */
export interface Obj {
  metadata?: {
    name?: string;
    namespace?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
}

export interface ObjKey {
  readonly namespace: string;
  readonly name: string;
}

/** One running `amko`. */
export interface AmkoRun {
  readonly cluster: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  log(): string;
  waitForLog(re: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `signal` and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

interface Ports {
  readonly federation: number;
  readonly health: number;
  readonly metrics: number;
}

export class E2eFederation {
  readonly objects: MemberObjects;
  readonly #runs = new Map<string, AmkoRun>();
  #starts = 0;

  readonly clusters: ClusterSet;
  readonly sim: AviSimHandle;
  readonly certs: FederationCerts;
  readonly ports: ReadonlyMap<string, Ports>;
  readonly dir: string;
  /** One proxy per ordered pair `from→to` when proxied; empty otherwise. */
  readonly #links: ReadonlyMap<string, TcpProxy>;

  private constructor(parts: {
    clusters: ClusterSet;
    sim: AviSimHandle;
    certs: FederationCerts;
    ports: ReadonlyMap<string, Ports>;
    dir: string;
    links: ReadonlyMap<string, TcpProxy>;
  }) {
    ({
      clusters: this.clusters,
      sim: this.sim,
      certs: this.certs,
      ports: this.ports,
      dir: this.dir,
    } = parts);
    this.#links = parts.links;
    this.objects = new MemberObjects((c) => parts.clusters.kubeConfig(c));
  }

  /**
   * Clusters, simulator, certificates and the avi-system objects of every site; no amko yet.
   * `proxied`: every federation link goes through its own TCP proxy (see `link`). `simState`:
   * the simulator keeps its configuration in a state file, so `sim.restart` / `sim.down` and
   * `sim.up` are a controller going down and coming back with its objects.
   */
  static async start(opts: { proxied?: boolean; simState?: boolean } = {}): Promise<E2eFederation> {
    const clusters = await startClusters({ n: 3 });
    let sim: AviSimHandle | undefined;
    let certs: FederationCerts | undefined;
    const links = new Map<string, TcpProxy>();
    const dir = mkdtempSync(path.join(tmpdir(), 'amko-e2e-'));
    try {
      sim = await startAviSim(simOptions(dir, opts.simState === true));
      certs = await makeFederationCerts([...clusters.contexts, INTRUDER]);
      const ports = new Map<string, Ports>();
      for (const c of clusters.contexts) {
        ports.set(c, {
          federation: await freePort(),
          health: await freePort(),
          metrics: await freePort(),
        });
      }
      if (opts.proxied) await startLinks(ports, links);
      const f = new E2eFederation({ clusters, sim, certs, ports, dir, links });
      for (const c of clusters.contexts) await f.#installSite(c);
      return f;
    } catch (err) {
      for (const l of links.values()) await l.stop();
      await certs?.remove();
      await sim?.stop();
      await clusters.stop();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  get contexts(): readonly string[] {
    return this.clusters.contexts;
  }

  #ports(cluster: string): Ports {
    const p = this.ports.get(cluster);
    if (!p) throw new Error(`no ports for ${cluster}`);
    return p;
  }

  federationAddress(cluster: string): string {
    return `127.0.0.1:${this.#ports(cluster).federation}`;
  }

  /** The address `from` dials to reach `to`'s federation port: its link's proxy, or direct. */
  endpointAddress(from: string, to: string): string {
    return this.#links.get(linkName(from, to))?.address ?? this.federationAddress(to);
  }

  get proxied(): boolean {
    return this.#links.size > 0;
  }

  /** The proxy on the link from `from` to `to` (only with `{ proxied: true }`). */
  link(from: string, to: string): TcpProxy {
    const l = this.#links.get(linkName(from, to));
    if (!l) throw new Error(`no proxied link ${linkName(from, to)}`);
    return l;
  }

  /** Cuts both directions between `a` and `b` (`drop` by default; see TcpProxyMode). */
  partition(a: string, b: string, mode: TcpProxyMode = 'drop'): void {
    this.link(a, b).setMode(mode);
    this.link(b, a).setMode(mode);
  }

  /** Lets both directions between `a` and `b` pass again. */
  heal(a: string, b: string): void {
    this.partition(a, b, 'pass');
  }

  healthAddress(cluster: string): string {
    return `127.0.0.1:${this.#ports(cluster).health}`;
  }

  /** The Prometheus text amko on `cluster` serves on /metrics. */
  async metrics(cluster: string): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.#ports(cluster).metrics}/metrics`);
    if (!res.ok) throw new Error(`${cluster} /metrics: HTTP ${res.status}`);
    return res.text();
  }

  api(cluster: string): CustomObjectsApi {
    return this.clusters.kubeConfig(cluster).makeApiClient(CustomObjectsApi);
  }

  #installSite(cluster: string): Promise<void> {
    return installSite(
      {
        clusters: this.clusters,
        sim: this.sim,
        sites: this.contexts,
        leader: 'cluster1',
        version: E2E_VERSION,
        endpoint: (site, peer) => this.endpointAddress(site, peer),
      },
      cluster,
    );
  }

  /** The GSLBConfig every site will hold, created on `cluster` (the leader). */
  async createGslbConfig(cluster: string): Promise<void> {
    await this.create(cluster, 'GSLBConfig', {
      metadata: {
        name: 'gc-1',
        namespace: AVI_SYSTEM,
        annotations: { [AMKO_UUID_ANNOTATION]: E2E_UUID },
      },
      spec: {
        gslbLeader: {
          credentials: 'gslb-avi-secret',
          controllerIP: this.sim.url,
          controllerVersion: '22.1.3',
        },
        memberClusters: this.contexts.map((c) => ({ clusterContext: c })),
        refreshInterval: 3600,
      },
    });
  }

  // amko processes.

  /** Starts amko on `cluster` (mutual TLS with its own certificate, its fixed ports). */
  startAmko(cluster: string, extraArgs: readonly string[] = []): AmkoRun {
    if (this.#runs.has(cluster)) throw new Error(`amko already runs on ${cluster}`);
    const leaf = this.certs.leaf(cluster);
    const ports = this.#ports(cluster);
    const logFile = path.join(this.dir, `amko-${cluster}-${++this.#starts}.log`);
    const out = createWriteStream(logFile);
    const child = spawn(
      process.execPath,
      [
        ...AMKO_NODE_ARGS,
        ...['--kubeconfig', this.clusters.kubeconfigPath, '--context', cluster],
        ...['--federation-listen', `127.0.0.1:${ports.federation}`],
        ...['--health-listen', `127.0.0.1:${ports.health}`],
        ...['--metrics-listen', `127.0.0.1:${ports.metrics}`],
        ...['--tls-cert', leaf.certFile, '--tls-key', leaf.keyFile, '--tls-ca', leaf.caFile],
        ...['--log-level', 'debug'],
        ...extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        out.end();
        resolve();
      });
    });
    const run: AmkoRun = {
      cluster,
      child,
      logFile,
      log: () => readFileSync(logFile, 'utf8'),
      waitForLog: async (re, timeoutMs = 60_000) => {
        await eventually(() => re.test(run.log()), {
          timeoutMs,
          intervalMs: 100,
          what: `${cluster} amko log ${re.source}`,
        });
      },
      kill: async (signal) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        await exited;
        if (this.#runs.get(cluster) === run) this.#runs.delete(cluster);
      },
    };
    this.#runs.set(cluster, run);
    return run;
  }

  run(cluster: string): AmkoRun | undefined {
    return this.#runs.get(cluster);
  }

  /** Every amko log written so far (running or not), by file name. */
  allLogs(): Map<string, string> {
    return new Map(
      readdirSync(this.dir)
        .filter((n) => n.endsWith('.log'))
        .map((n) => [n, readFileSync(path.join(this.dir, n), 'utf8')]),
    );
  }

  /** The tail of every running amko's log (for failed tests). */
  logTails(chars = 6000): string {
    return [...this.#runs.values()]
      .map((r) => `==== ${r.cluster} (${r.logFile})\n${r.log().slice(-chars)}`)
      .join('\n');
  }

  async stop(): Promise<void> {
    for (const r of [...this.#runs.values()]) await r.kill('SIGTERM');
    for (const l of this.#links.values()) await l.stop();
    await this.certs.remove();
    await this.sim.stop();
    await this.clusters.stop();
    // AMKO_E2E_KEEP_LOGS=DIR keeps every amko log of the run (for a failure's study).
    const keep = process.env['AMKO_E2E_KEEP_LOGS'];
    if (keep) cpSync(this.dir, path.join(keep, path.basename(this.dir)), { recursive: true });
    rmSync(this.dir, { recursive: true, force: true });
  }

  // What an operator looks at.

  async amkoCluster(cluster: string): Promise<AmkoCluster> {
    return (await this.api(cluster).getNamespacedCustomObject({
      ...ref(AMKO_CLUSTER),
      namespace: AVI_SYSTEM,
      name: AMKO_CLUSTER_NAME,
    })) as AmkoCluster;
  }

  async status(cluster: string): Promise<AmkoClusterStatus> {
    return (await this.amkoCluster(cluster)).status ?? {};
  }

  /** Runs kubectl against `cluster`; resolves with its standard output. */
  async kubectl(cluster: string, args: readonly string[]): Promise<string> {
    const { stdout } = await execFileP('kubectl', [
      '--kubeconfig',
      this.clusters.kubeconfigPath,
      '--context',
      cluster,
      ...args,
    ]);
    return stdout;
  }

  /** `kubectl get amkocluster -n avi-system` as rows of named columns. */
  async amkoClusterTable(cluster: string): Promise<Record<string, string>[]> {
    const out = await this.kubectl(cluster, ['get', 'amkocluster', '-n', AVI_SYSTEM]);
    return parseTable(out);
  }

  /** grpc-health-probe exit code of `service` on the plaintext health port. */
  async probe(cluster: string, service: string): Promise<number> {
    return (await healthProbe(this.healthAddress(cluster), service)).exitCode;
  }

  /** grpc-health-probe exit code of `service` on the mutual-TLS port, presenting `as`'s leaf. */
  async probeTls(cluster: string, service: string, as: string): Promise<number> {
    const leaf = this.certs.leaf(as);
    const r = await healthProbe(this.federationAddress(cluster), service, {
      ...leaf,
      serverName: cluster,
    });
    return r.exitCode;
  }

  /** Every replica on `cluster` (kind/namespace/name@resourceVersion) and its epoch record. */
  async replicaState(cluster: string): Promise<string> {
    const objs: string[] = [];
    for (const r of REPLICATED_KINDS) {
      const out = (await this.api(cluster).listClusterCustomObject(ref(r))) as { items: Obj[] };
      for (const o of out.items) {
        const m = o.metadata as (Obj['metadata'] & { resourceVersion?: string }) | undefined;
        objs.push(`${r.kind}/${m?.namespace}/${m?.name}@${m?.resourceVersion}`);
      }
    }
    const s = await this.status(cluster);
    return JSON.stringify({ objs: objs.sort(), epoch: s.highestEpochSeen, leader: s.leader });
  }

  /** Configuration writes journalled from `cluster` (its User-Agent), after journal entry `since`. */
  async writesFrom(cluster: string, since = 0): Promise<JournalEntry[]> {
    const entries = await this.sim.control.journal({ since });
    const ua = new RegExp(`cluster/${cluster}$`);
    return entries.filter(
      (e) =>
        WRITES.includes(e.method) &&
        !SESSION_CALLS.includes(e.objectType) &&
        ua.test(e.userAgent ?? ''),
    );
  }

  // Objects.

  async create(cluster: string, kind: string | CrdResource, obj: Obj): Promise<Obj> {
    const r = resource(kind);
    return (await this.api(cluster).createNamespacedCustomObject({
      ...ref(r),
      namespace: obj.metadata?.namespace ?? AVI_SYSTEM,
      body: { apiVersion: r.apiVersion, kind: r.kind, ...obj },
    })) as Obj;
  }

  async patch(cluster: string, kind: string, key: ObjKey, patch: Obj): Promise<Obj> {
    return (await this.api(cluster).patchNamespacedCustomObject(
      { ...ref(resource(kind)), ...key, body: patch },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Obj;
  }

  async remove(cluster: string, kind: string, key: ObjKey): Promise<void> {
    await this.api(cluster).deleteNamespacedCustomObject({ ...ref(resource(kind)), ...key });
  }

  async get(cluster: string, kind: string, key: ObjKey): Promise<Obj | undefined> {
    try {
      return (await this.api(cluster).getNamespacedCustomObject({
        ...ref(resource(kind)),
        ...key,
      })) as Obj;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  /** The content hash of `cluster`'s object (what travels), or undefined when it is absent. */
  async hash(cluster: string, kind: ReplicatedKind, key: ObjKey): Promise<string | undefined> {
    const o = await this.get(cluster, kind, key);
    return o ? contentHash(contentOf(kind, o)) : undefined;
  }
}

/** The simulator's options: with `state`, its configuration kept in a file under `dir`. */
function simOptions(dir: string, state: boolean): StartAviSimOptions {
  const statePath = path.join(dir, 'avi-sim-state.json');
  return { autoCreateTenants: true, ...(state ? { statePath } : {}) };
}

/** One proxy per ordered pair of clusters, to the second one's federation port, into `links`. */
async function startLinks(
  ports: ReadonlyMap<string, Ports>,
  links: Map<string, TcpProxy>,
): Promise<void> {
  const clusters = [...ports.keys()];
  const pairs = clusters.flatMap((from) =>
    clusters.filter((to) => to !== from).map((to) => [from, to] as const),
  );
  for (const [from, to] of pairs) {
    const target = `127.0.0.1:${ports.get(to)?.federation}`;
    links.set(linkName(from, to), await startTcpProxy({ target }));
  }
}

function linkName(from: string, to: string): string {
  return `${from}->${to}`;
}

function resource(kind: string | CrdResource): CrdResource {
  if (typeof kind !== 'string') return kind;
  const r = replicatedResource(kind);
  if (!r) throw new Error(`not a replicated kind: ${kind}`);
  return r;
}

function ref(r: CrdResource): { group: string; version: string; plural: string } {
  return { group: r.group, version: r.version, plural: r.plural };
}

/** Parses kubectl's table output (columns separated by two or more spaces). */
export function parseTable(out: string): Record<string, string>[] {
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0] ?? '';
  const starts = [...header.matchAll(/\S+/g)].map((m) => m.index);
  const names = [...header.matchAll(/\S+/g)].map((m) => m[0]);
  return lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    names.forEach((n, i) => {
      const from = starts[i] ?? 0;
      const to = starts[i + 1] ?? line.length;
      row[n] = line.slice(from, i + 1 < names.length ? to : undefined).trim();
    });
    return row;
  });
}
