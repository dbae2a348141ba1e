/**
 * A federation for the scale benchmark: `clusters` real kube-apiservers (all GSLB member
 * clusters), one Avi simulator, and amko on cluster1 (leader) and on cluster2..cluster(F+1)
 * (hot-standby followers), with real federation certificates and fixed loopback ports. Unlike
 * test/support/e2e-federation.ts (three sites, every cluster a site) the member clusters and the
 * federation sites differ: every site watches all member clusters.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import { AMKO_CLUSTER, type AmkoClusterStatus } from '../../src/shared/crd/amko-cluster.js';
import {
  AMKO_CLUSTER_NAME,
  AMKO_UUID_ANNOTATION,
  AVI_SYSTEM,
  type CrdResource,
} from '../../src/shared/crd/common.js';
import { replicatedResource } from '../../src/shared/federation/replicated-kinds.js';
import { startAviSim, type AviSimHandle } from '../../test/support/avi-sim.js';
import { makeFederationCerts, type FederationCerts } from '../../test/support/certs.js';
import { startClusters, type ClusterSet } from '../../test/support/clusters.js';
import { AMKO_NODE_ARGS } from '../../test/support/leader-fixture.js';
import { MemberObjects } from '../../test/support/leader-objects.js';
import { freePort } from '../../test/support/managed-process.js';
import { VERSION } from '../../src/shared/version.js';
import { installSite } from '../../test/support/site-install.js';

const UUID = '5c5c5c5c-1111-4222-8333-444444444444';

function crd(kind: 'GSLBConfig' | 'GlobalDeploymentPolicy' | 'GSLBHostRule'): CrdResource {
  const r = replicatedResource(kind);
  if (!r) throw new Error(`not a replicated kind: ${kind}`);
  return r;
}

const ref = (r: CrdResource) => ({ group: r.group, version: r.version, plural: r.plural });

export interface LogLine {
  readonly time: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** The ttl of one GSLBHostRule as each watched site's apiserver last stored it. */
export interface HostRuleWatch {
  ttlOf(site: string): unknown;
  stop(): void;
}

export interface SiteRun {
  readonly site: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  lines(): LogLine[];
  kill(signal: NodeJS.Signals): Promise<void>;
}

interface Ports {
  federation: number;
  health: number;
  metrics: number;
}

export class ScaleFederation {
  readonly objects: MemberObjects;
  readonly #runs = new Map<string, SiteRun>();
  #starts = 0;

  readonly clusters: ClusterSet;
  readonly sites: readonly string[];
  readonly sim: AviSimHandle;
  readonly certs: FederationCerts;
  readonly ports: ReadonlyMap<string, Ports>;
  readonly dir: string;

  private constructor(parts: {
    clusters: ClusterSet;
    sites: readonly string[];
    sim: AviSimHandle;
    certs: FederationCerts;
    ports: ReadonlyMap<string, Ports>;
    dir: string;
  }) {
    ({
      clusters: this.clusters,
      sites: this.sites,
      sim: this.sim,
      certs: this.certs,
      ports: this.ports,
      dir: this.dir,
    } = parts);
    this.objects = new MemberObjects((c) => parts.clusters.kubeConfig(c));
  }

  static async start(opts: { clusters: number; followers: number }): Promise<ScaleFederation> {
    if (opts.followers < 1 || opts.followers >= opts.clusters) {
      throw new Error(`followers must be 1..${opts.clusters - 1}, got ${opts.followers}`);
    }
    const clusters = await startClustersRetrying(opts.clusters);
    const sites = clusters.contexts.slice(0, opts.followers + 1);
    let sim: AviSimHandle | undefined;
    let certs: FederationCerts | undefined;
    try {
      sim = await startAviSim({ autoCreateTenants: true });
      certs = await makeFederationCerts(sites);
      const ports = new Map<string, Ports>();
      for (const s of sites) {
        ports.set(s, {
          federation: await freePort(),
          health: await freePort(),
          metrics: await freePort(),
        });
      }
      const dir = mkdtempSync(path.join(tmpdir(), 'amko-scale-'));
      const f = new ScaleFederation({ clusters, sites, sim, certs, ports, dir });
      for (const s of sites) await f.#installSite(s);
      return f;
    } catch (err) {
      await certs?.remove();
      await sim?.stop();
      await clusters.stop();
      throw err;
    }
  }

  get leader(): string {
    return this.sites[0] as string;
  }

  get followers(): readonly string[] {
    return this.sites.slice(1);
  }

  #port(site: string): Ports {
    const p = this.ports.get(site);
    if (!p) throw new Error(`${site} is not a federation site`);
    return p;
  }

  api(cluster: string): CustomObjectsApi {
    return this.clusters.kubeConfig(cluster).makeApiClient(CustomObjectsApi);
  }

  #installSite(site: string): Promise<void> {
    return installSite(
      {
        clusters: this.clusters,
        sim: this.sim,
        sites: this.sites,
        leader: this.leader,
        version: VERSION,
        endpoint: (_site, peer) => `127.0.0.1:${this.#port(peer).federation}`,
      },
      site,
    );
  }

  /** GSLBConfig (every cluster a member) and a GDP selecting `label` in every cluster, on the leader. */
  async installGslbObjects(label: Record<string, string>): Promise<void> {
    const create = (r: CrdResource, name: string, spec: object, annotations = {}) =>
      this.api(this.leader).createNamespacedCustomObject({
        ...ref(r),
        namespace: AVI_SYSTEM,
        body: {
          apiVersion: r.apiVersion,
          kind: r.kind,
          metadata: { name, namespace: AVI_SYSTEM, annotations },
          spec,
        },
      });
    await create(
      crd('GSLBConfig'),
      'gc-1',
      {
        gslbLeader: {
          credentials: 'gslb-avi-secret',
          controllerIP: this.sim.url,
          controllerVersion: '22.1.3',
        },
        memberClusters: this.clusters.contexts.map((c) => ({ clusterContext: c })),
        refreshInterval: 3600,
      },
      { [AMKO_UUID_ANNOTATION]: UUID },
    );
    await create(crd('GlobalDeploymentPolicy'), 'global-gdp', {
      matchRules: { appSelector: { label } },
      matchClusters: this.clusters.contexts.map((cluster) => ({ cluster })),
    });
  }

  /** A GSLBHostRule in avi-system on the leader for `fqdn` (which no GslbService has). */
  async createHostRule(name: string, fqdn: string, ttl: number): Promise<void> {
    const r = crd('GSLBHostRule');
    await this.api(this.leader).createNamespacedCustomObject({
      ...ref(r),
      namespace: AVI_SYSTEM,
      body: {
        apiVersion: r.apiVersion,
        kind: r.kind,
        metadata: { name, namespace: AVI_SYSTEM },
        spec: { fqdn, ttl },
      },
    });
  }

  /** Merge-patches the spec of the leader's GSLBHostRule `name`. */
  async patchHostRule(name: string, spec: object): Promise<void> {
    await this.api(this.leader).patchNamespacedCustomObject(
      { ...ref(crd('GSLBHostRule')), namespace: AVI_SYSTEM, name, body: { spec } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async setLeader(site: string, isLeader: boolean): Promise<void> {
    await this.api(site).patchNamespacedCustomObject(
      {
        group: AMKO_CLUSTER.group,
        version: AMKO_CLUSTER.version,
        plural: AMKO_CLUSTER.plural,
        namespace: AVI_SYSTEM,
        name: AMKO_CLUSTER_NAME,
        body: { spec: { isLeader } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async status(site: string): Promise<AmkoClusterStatus> {
    const o = (await this.api(site).getNamespacedCustomObject({
      group: AMKO_CLUSTER.group,
      version: AMKO_CLUSTER.version,
      plural: AMKO_CLUSTER.plural,
      namespace: AVI_SYSTEM,
      name: AMKO_CLUSTER_NAME,
    })) as { status?: AmkoClusterStatus };
    return o.status ?? {};
  }

  /** Back to a fresh install: no amko, cluster1 the leader, no recorded roles or epochs. */
  async reset(): Promise<void> {
    await this.stopAmkos();
    for (const s of this.sites) {
      await this.setLeader(s, s === this.leader);
      await this.api(s).patchNamespacedCustomObjectStatus(
        {
          group: AMKO_CLUSTER.group,
          version: AMKO_CLUSTER.version,
          plural: AMKO_CLUSTER.plural,
          namespace: AVI_SYSTEM,
          name: AMKO_CLUSTER_NAME,
          body: { status: null },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    }
    await this.sim.control.reset();
  }

  /**
   * Starts amko on `site` (its own certificate and ports; JSON log into a file), with `nodeArgs`
   * given to Node (a CPU profile, for example).
   */
  startAmko(site: string, logLevel: 'info' | 'debug', nodeArgs: readonly string[] = []): SiteRun {
    if (this.#runs.has(site)) throw new Error(`amko already runs on ${site}`);
    const leaf = this.certs.leaf(site);
    const ports = this.#port(site);
    const logFile = path.join(this.dir, `amko-${site}-${++this.#starts}.log`);
    const out = createWriteStream(logFile);
    const child = spawn(
      process.execPath,
      [
        ...nodeArgs,
        ...AMKO_NODE_ARGS,
        ...['--kubeconfig', this.clusters.kubeconfigPath, '--context', site],
        ...['--federation-listen', `127.0.0.1:${ports.federation}`],
        ...['--health-listen', `127.0.0.1:${ports.health}`],
        ...['--metrics-listen', `127.0.0.1:${ports.metrics}`],
        ...['--tls-cert', leaf.certFile, '--tls-key', leaf.keyFile, '--tls-ca', leaf.caFile],
        ...['--log-level', logLevel],
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
    const run: SiteRun = {
      site,
      child,
      logFile,
      lines: () => parseLines(readFileSync(logFile, 'utf8')),
      kill: async (signal) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        await exited;
        if (this.#runs.get(site) === run) this.#runs.delete(site);
      },
    };
    this.#runs.set(site, run);
    return run;
  }

  logTails(chars = 3000): string {
    return [...this.#runs.values()]
      .map((r) => `==== ${r.site} (${r.logFile})\n${readFileSync(r.logFile, 'utf8').slice(-chars)}`)
      .join('\n');
  }

  /**
   * Watches GSLBHostRule `name` in avi-system on every site in `sites` (a watch delivers each
   * stored version; nothing polls the apiservers). A watch that ends is opened again from the
   * last version seen (`ttlOf` throws if that fails); the first event of each is the object as
   * it stands.
   */
  async watchHostRule(sites: readonly string[], name: string): Promise<HostRuleWatch> {
    const r = crd('GSLBHostRule');
    const path = `/apis/${r.group}/${r.version}/namespaces/${AVI_SYSTEM}/${r.plural}`;
    const ttls = new Map<string, unknown>();
    const aborts = new Map<string, AbortController>();
    let stopped = false;
    let failed: string | undefined;
    const open = async (site: string, from?: string): Promise<void> => {
      let last = from;
      const abort = await new Watch(this.clusters.kubeConfig(site)).watch(
        path,
        {
          fieldSelector: `metadata.name=${name}`,
          ...(last !== undefined ? { resourceVersion: last } : {}),
        },
        (
          type: string,
          o: { metadata?: { resourceVersion?: string }; spec?: { ttl?: unknown } },
        ) => {
          if (type !== 'ADDED' && type !== 'MODIFIED') return;
          last = o.metadata?.resourceVersion ?? last;
          ttls.set(site, o.spec?.ttl);
        },
        () => {
          if (!stopped)
            open(site, last).catch((err: unknown) => {
              failed = `the watch on ${site} could not be opened again: ${String(err)}`;
            });
        },
      );
      aborts.set(site, abort);
    };
    await Promise.all(sites.map((s) => open(s)));
    return {
      ttlOf: (site) => {
        if (failed !== undefined) throw new Error(failed);
        return ttls.get(site);
      },
      stop: () => {
        stopped = true;
        for (const a of aborts.values()) a.abort();
      },
    };
  }

  /** Stops every amko this federation started (SIGTERM, and waits for each to exit). */
  async stopAmkos(): Promise<void> {
    for (const r of [...this.#runs.values()]) await r.kill('SIGTERM');
  }

  async stop(): Promise<void> {
    await this.stopAmkos();
    await this.certs.remove();
    await this.sim.stop();
    await this.clusters.stop();
    if (process.env['SCALE_KEEP_LOGS'] === '1') console.error(`amko logs kept in ${this.dir}`);
    else rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Starts `n` clusters, once more after a failure: with 20 etcd + kube-apiserver pairs coming up
 * at once on a busy machine one of them occasionally fails to start.
 */
async function startClustersRetrying(n: number): Promise<ClusterSet> {
  try {
    return await startClusters({ n });
  } catch (err) {
    console.error(`scale: starting ${n} clusters failed (${String(err)}); trying once more`);
    return startClusters({ n });
  }
}

export function parseLines(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const t of text.split('\n')) {
    if (!t.startsWith('{')) continue;
    try {
      const l = JSON.parse(t) as Partial<LogLine>;
      if (typeof l.time === 'number' && typeof l.msg === 'string') out.push(l as LogLine);
    } catch {
      // a line cut short by a kill
    }
  }
  return out;
}
