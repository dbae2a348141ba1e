/**
 * Everything a leader integration test needs: real member clusters from the harness, the Avi
 * simulator, the avi-system objects (secrets, AMKOCluster, GSLBConfig, GDP) in the leader
 * cluster, and the real `amko` binary as a child process. Scenarios restart amko and reset the
 * simulator between them, and keep their Kubernetes objects apart by namespace and label.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { GdpSpec } from '../../src/shared/crd/global-deployment-policy.js';
import type { GslbConfigSpec } from '../../src/shared/crd/gslb-config.js';
import { AMKO_NODE_FLAGS } from '../../src/start-tuning.js';
import { startAviSim, type AviSimHandle, type StartAviSimOptions } from './avi-sim.js';
import { startClusters, type ClusterSet } from './clusters.js';
import { eventually } from './eventually.js';
import { MemberObjects } from './leader-objects.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const AMKO_MAIN = path.resolve(here, '../../src/main.js');
/** Node's arguments before amko's own: the node flags the image and chart give amko, then the entry. */
export const AMKO_NODE_ARGS: readonly string[] = [...AMKO_NODE_FLAGS, AMKO_MAIN];
const AMKO = { group: 'amko.vmware.com', version: 'v1alpha1' };

type Obj = Record<string, unknown>;

/** How to run amko with its flags: the executable and its arguments. */
export type AmkoCommand = (amkoArgs: readonly string[]) => { file: string; args: string[] };

const nodeAmko: AmkoCommand = (amkoArgs) => ({
  file: process.execPath,
  args: [...AMKO_NODE_ARGS, ...amkoArgs],
});

export interface AmkoProcess {
  readonly logFile: string;
  readonly child: ChildProcess;
  log(): string;
  waitForLog(re: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export class LeaderFixture {
  readonly objects: MemberObjects;
  #amko: AmkoProcess | undefined;
  #runs = 0;

  private constructor(
    readonly clusters: ClusterSet,
    readonly sim: AviSimHandle,
    readonly dir: string,
    readonly command: AmkoCommand,
  ) {
    this.objects = new MemberObjects((c) => clusters.kubeConfig(c));
  }

  static async start(
    opts: {
      n?: number;
      openshift?: string[];
      sim?: StartAviSimOptions;
      /** Runs amko some other way than `node dist/src/main.js` (from a container image, say). */
      command?: AmkoCommand;
    } = {},
  ): Promise<LeaderFixture> {
    const clusters = await startClusters({ n: opts.n ?? 3, openshift: opts.openshift ?? [] });
    let sim: AviSimHandle | undefined;
    try {
      sim = await startAviSim({ autoCreateTenants: true, ...opts.sim });
      const dir = mkdtempSync(path.join(tmpdir(), 'amko-leader-'));
      const f = new LeaderFixture(clusters, sim, dir, opts.command ?? nodeAmko);
      await f.#installBase();
      return f;
    } catch (err) {
      await sim?.stop();
      await clusters.stop();
      throw err;
    }
  }

  /** The leader's cluster. */
  get leaderKube(): KubeConfig {
    return this.clusters.kubeConfig('cluster1');
  }

  get amko(): AmkoProcess | undefined {
    return this.#amko;
  }

  async #installBase(): Promise<void> {
    const core = this.leaderKube.makeApiClient(CoreV1Api);
    const secret = (name: string, data: Record<string, string>): Promise<unknown> =>
      core.createNamespacedSecret({
        namespace: 'avi-system',
        body: { metadata: { name }, stringData: data },
      });
    await secret('gslb-avi-secret', { username: this.sim.username, password: this.sim.password });
    await secret('gslb-config-secret', { 'gslb-members': this.clusters.kubeconfigYaml() });
    await this.putAmkoCluster({ isLeader: true });
  }

  async putAmkoCluster(spec: Obj | undefined): Promise<void> {
    const name = 'amkocluster-federation';
    if (spec === undefined) {
      await this.#delete('amkoclusters', 'avi-system', name);
      return;
    }
    const full = {
      clusterContext: 'cluster1',
      version: '0.1.0',
      clusters: [...this.clusters.contexts],
      ...spec,
    };
    await this.#put({ plural: 'amkoclusters', namespace: 'avi-system', name: name }, full);
  }

  /** Creates or replaces the GSLBConfig `gc-1`, pointing at the simulator. */
  async putGslbConfig(
    spec: GslbConfigSpec = {},
    annotations: Record<string, string | null> = {},
  ): Promise<void> {
    const full: GslbConfigSpec = {
      ...spec,
      gslbLeader: {
        credentials: 'gslb-avi-secret',
        controllerIP: this.sim.url,
        controllerVersion: '22.1.3',
        ...spec.gslbLeader,
      },
      memberClusters:
        spec.memberClusters ?? this.clusters.contexts.map((c) => ({ clusterContext: c })),
      refreshInterval: spec.refreshInterval ?? 3600,
    };
    await this.#put(
      { plural: 'gslbconfigs', namespace: 'avi-system', name: 'gc-1' },
      full,
      annotations,
    );
  }

  /** Creates or replaces the GDP `global-gdp` (or another name). */
  async putGdp(spec: GdpSpec, name = 'global-gdp'): Promise<void> {
    await this.#put(
      {
        plural: 'globaldeploymentpolicies',
        namespace: 'avi-system',
        name: name,
        version: 'v1alpha2',
      },
      spec,
    );
  }

  async deleteGdp(name = 'global-gdp'): Promise<void> {
    await this.#delete('globaldeploymentpolicies', 'avi-system', name, 'v1alpha2');
  }

  async putGhr(namespace: string, name: string, spec: Obj): Promise<void> {
    await this.#put({ plural: 'gslbhostrules', namespace: namespace, name: name }, spec);
  }

  async deleteGhr(namespace: string, name: string): Promise<void> {
    await this.#delete('gslbhostrules', namespace, name);
  }

  /** The status of one of our custom resources in the leader cluster. */
  async status(
    plural: string,
    namespace: string,
    name: string,
    version = 'v1alpha1',
  ): Promise<Obj> {
    const api = this.leaderKube.makeApiClient(CustomObjectsApi);
    const obj = (await api.getNamespacedCustomObject({
      ...AMKO,
      version,
      plural,
      namespace,
      name,
    })) as Obj;
    return (obj['status'] as Obj | undefined) ?? {};
  }

  async gslbConfigAnnotations(): Promise<Record<string, string>> {
    const api = this.leaderKube.makeApiClient(CustomObjectsApi);
    const obj = (await api.getNamespacedCustomObject({
      ...AMKO,
      plural: 'gslbconfigs',
      namespace: 'avi-system',
      name: 'gc-1',
    })) as { metadata?: { annotations?: Record<string, string> } };
    return obj.metadata?.annotations ?? {};
  }

  /** Starts `amko` against the leader cluster; `nodeOptions` go into its NODE_OPTIONS. */
  startAmko(args: readonly string[] = [], nodeOptions?: string): AmkoProcess {
    if (this.#amko) throw new Error('amko is already running');
    const logFile = path.join(this.dir, `amko-${++this.#runs}.log`);
    const out = createWriteStream(logFile);
    const command = this.command([
      '--kubeconfig',
      this.clusters.kubeconfigPath,
      '--context',
      'cluster1',
      '--log-level',
      'debug',
      '--insecure',
      '--federation-listen',
      '127.0.0.1:0',
      '--health-listen',
      '127.0.0.1:0',
      ...args,
    ]);
    const child = spawn(command.file, command.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: nodeOptions === undefined ? process.env : { ...process.env, NODE_OPTIONS: nodeOptions },
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        resolve();
      });
    });
    const proc: AmkoProcess = {
      logFile,
      child,
      log: () => readFileSync(logFile, 'utf8'),
      waitForLog: (re, timeoutMs = 60_000) =>
        eventually(() => re.test(proc.log()), {
          timeoutMs,
          intervalMs: 100,
          what: `amko log ${re.source}`,
        }).then(() => undefined),
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.kill('SIGTERM');
          await exited;
          clearTimeout(kill);
        }
        out.end();
        if (this.#amko === proc) this.#amko = undefined;
      },
    };
    this.#amko = proc;
    return proc;
  }

  async stopAmko(): Promise<void> {
    await this.#amko?.stop();
  }

  /** Between scenarios: amko stopped, simulator back to its seed (journal emptied). */
  async resetScenario(): Promise<void> {
    await this.stopAmko();
    await this.sim.control.reset();
    await this.#clearAmkoClusterStatus();
  }

  /** Forgets the role and epochs amko recorded, so the next start is a fresh install (epoch 1). */
  async #clearAmkoClusterStatus(): Promise<void> {
    const api = this.leaderKube.makeApiClient(CustomObjectsApi);
    try {
      await api.patchNamespacedCustomObjectStatus(
        {
          ...AMKO,
          plural: 'amkoclusters',
          namespace: 'avi-system',
          name: 'amkocluster-federation',
          body: { status: null },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }

  /** GslbServices on the simulator, by name. */
  async gslbServices(tenant?: string): Promise<Map<string, Obj>> {
    const objs = await this.sim.control.objects({
      type: 'gslbservice',
      ...(tenant ? { tenant } : {}),
    });
    return new Map((objs['gslbservice'] ?? []).map((o) => [String(o['name']), o]));
  }

  /** Health monitors on the simulator whose name starts with `amko--`, by name. */
  async amkoMonitors(): Promise<Map<string, Obj>> {
    const objs = await this.sim.control.objects({ type: 'healthmonitor' });
    return new Map(
      (objs['healthmonitor'] ?? [])
        .filter((o) => String(o['name']).startsWith('amko--'))
        .map((o) => [String(o['name']), o]),
    );
  }

  /** POST/PUT/PATCH/DELETE calls on GslbServices and health monitors the simulator journalled. */
  async writeCount(): Promise<number> {
    const stats = await this.sim.control.stats();
    return stats.counts
      .filter((c) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(c.method))
      .filter((c) => c.objectType === 'gslbservice' || c.objectType === 'healthmonitor')
      .reduce((n, c) => n + c.count, 0);
  }

  async stop(): Promise<void> {
    await this.stopAmko();
    await this.sim.stop();
    await this.clusters.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Create or replace; a replace that races with a status write is retried. */
  async #put(
    target: { plural: string; namespace: string; name: string; version?: string },
    spec: unknown,
    annotations: Record<string, string | null> = {},
  ): Promise<void> {
    await eventually(
      async () => {
        await this.#putOnce(target, spec, annotations);
      },
      { timeoutMs: 10_000, what: `write ${target.plural} ${target.name}` },
    );
  }

  async #putOnce(
    target: { plural: string; namespace: string; name: string; version?: string },
    spec: unknown,
    annotations: Record<string, string | null>,
  ): Promise<void> {
    const { plural, namespace, name } = target;
    const version = target.version ?? 'v1alpha1';
    const api = this.leaderKube.makeApiClient(CustomObjectsApi);
    const ref = { ...AMKO, version, plural, namespace };
    const kind = {
      amkoclusters: 'AMKOCluster',
      gslbconfigs: 'GSLBConfig',
      globaldeploymentpolicies: 'GlobalDeploymentPolicy',
      gslbhostrules: 'GSLBHostRule',
    }[plural];
    try {
      const current = (await api.getNamespacedCustomObject({ ...ref, name })) as { metadata: Obj };
      const merged: Obj = Object.fromEntries(
        Object.entries({
          ...(current.metadata['annotations'] as Obj | undefined),
          ...annotations,
        }).filter(([, v]) => v !== null),
      );
      const meta = { ...current.metadata, annotations: merged };
      await api.replaceNamespacedCustomObject({
        ...ref,
        name,
        body: { ...current, metadata: meta, spec },
      });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      const clean = Object.fromEntries(Object.entries(annotations).filter(([, v]) => v !== null));
      const body = {
        apiVersion: `${AMKO.group}/${version}`,
        kind,
        metadata: { name, namespace, annotations: clean },
        spec,
      };
      await api.createNamespacedCustomObject({ ...ref, body });
    }
  }

  async #delete(
    plural: string,
    namespace: string,
    name: string,
    version = 'v1alpha1',
  ): Promise<void> {
    const api = this.leaderKube.makeApiClient(CustomObjectsApi);
    try {
      await api.deleteNamespacedCustomObject({ ...AMKO, version, plural, namespace, name });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
}
