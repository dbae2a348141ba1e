/**
 * A federation on real clusters for integration tests: per cluster an AMKOCluster, a federation
 * server (mutual TLS, real certificates, loopback port 0) and either a follower or a replicator,
 * started and stopped by the test. Objects are read and written through the clusters' own
 * kube-apiservers.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  V1Namespace,
  V1ObjectMeta,
} from '@kubernetes/client-node';
import { systemClock, type Clock } from '../../src/shared/clock.js';
import { AMKO_CLUSTER, type AmkoCluster } from '../../src/shared/crd/amko-cluster.js';
import { AMKO_CLUSTER_NAME, AVI_SYSTEM, type CrdResource } from '../../src/shared/crd/common.js';
import { AmkoClusterEpochStore } from '../../src/shared/federation/epoch-store.js';
import type { EpochClaim } from '../../src/shared/federation/epoch-rules.js';
import {
  startFederationServer,
  type FederationServer,
} from '../../src/shared/federation/federation-server.js';
import type { Membership } from '../../src/shared/federation/membership.js';
import { loadFederationProto, type FederationProto } from '../../src/shared/federation/proto.js';
import { replicatedResource } from '../../src/shared/federation/replicated-kinds.js';
import { SubresourceStatusWriter } from '../../src/shared/kube/status-writer.js';
import { silentLogger, type Logger } from '../../src/shared/telemetry/logger.js';
import { startFollower, type FollowerHandle } from '../../src/follower/follower.js';
import type { AppliedPosition } from '../../src/follower/replication-session.js';
import { startReplicator, type ReplicatorHandle } from '../../src/leader/replicator/replicator.js';
import type { ReplicationStatus } from '../../src/leader/replicator/member-status.js';
import { makeFederationCerts, type FederationCerts } from './certs.js';
import { startClusters, type ClusterSet } from './clusters.js';

export const VERSION = '1.13.1-test';

/** A plain object of a replicated kind. */
export interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
}

export interface Node {
  readonly cluster: string;
  readonly server: FederationServer;
  follower?: FollowerHandle;
  replicator?: ReplicatorHandle;
  fencedBy?: EpochClaim;
  statuses: ReplicationStatus[];
}

export class FederationFixture {
  readonly proto: FederationProto = loadFederationProto();
  readonly nodes = new Map<string, Node>();
  /** The logger of the nodes started from now on. */
  log: Logger = silentLogger();

  private constructor(
    readonly clusters: ClusterSet,
    readonly certs: FederationCerts,
  ) {}

  /** Starts `n` clusters (cluster1..N) with an AMKOCluster each, and makes their certificates. */
  static async start(n: number, extraCerts: readonly string[] = []): Promise<FederationFixture> {
    const clusters = await startClusters({ n });
    try {
      const certs = await makeFederationCerts([...clusters.contexts, ...extraCerts]);
      const f = new FederationFixture(clusters, certs);
      for (const c of clusters.contexts) await f.createAmkoCluster(c);
      return f;
    } catch (err) {
      await clusters.stop();
      throw err;
    }
  }

  get contexts(): readonly string[] {
    return this.clusters.contexts;
  }

  membership(cluster: string): Membership {
    return { self: cluster, clusters: this.contexts, version: VERSION };
  }

  api(cluster: string): CustomObjectsApi {
    return this.clusters.kubeConfig(cluster).makeApiClient(CustomObjectsApi);
  }

  async createAmkoCluster(cluster: string): Promise<void> {
    const { group, version, plural } = AMKO_CLUSTER;
    await this.api(cluster).createNamespacedCustomObject({
      group,
      version,
      plural,
      namespace: AVI_SYSTEM,
      body: {
        apiVersion: AMKO_CLUSTER.apiVersion,
        kind: AMKO_CLUSTER.kind,
        metadata: { name: AMKO_CLUSTER_NAME, namespace: AVI_SYSTEM },
        spec: {
          isLeader: false,
          clusterContext: cluster,
          version: VERSION,
          clusters: [...this.contexts],
        },
      },
    });
  }

  async amkoCluster(cluster: string): Promise<AmkoCluster> {
    const { group, version, plural } = AMKO_CLUSTER;
    return (await this.api(cluster).getNamespacedCustomObject({
      group,
      version,
      plural,
      namespace: AVI_SYSTEM,
      name: AMKO_CLUSTER_NAME,
    })) as AmkoCluster;
  }

  async epochStore(cluster: string): Promise<AmkoClusterEpochStore> {
    const kubeConfig = this.clusters.kubeConfig(cluster);
    return AmkoClusterEpochStore.load({
      kubeConfig,
      status: new SubresourceStatusWriter(kubeConfig),
      namespace: AVI_SYSTEM,
      name: AMKO_CLUSTER_NAME,
    });
  }

  /** Starts the cluster's federation and health servers (mutual TLS with its own certificate). */
  async startServer(cluster: string, port = 0): Promise<Node> {
    const server = await startFederationServer({
      federationListen: `127.0.0.1:${port}`,
      healthListen: '127.0.0.1:0',
      tls: await this.certs.tls(cluster),
      proto: this.proto,
      log: this.log,
    });
    const node: Node = { cluster, server, statuses: [] };
    this.nodes.set(cluster, node);
    return node;
  }

  node(cluster: string): Node {
    const n = this.nodes.get(cluster);
    if (!n) throw new Error(`${cluster} has no running node`);
    return n;
  }

  address(cluster: string): string {
    return `127.0.0.1:${this.node(cluster).server.federationPort}`;
  }

  /** Starts a server (if needed, on `port`) and a follower on it. */
  async startFollower(
    cluster: string,
    port = 0,
    onApplied?: (position: AppliedPosition) => void,
  ): Promise<Node> {
    const node = this.nodes.get(cluster) ?? (await this.startServer(cluster, port));
    const others = [...this.nodes.keys()].filter((c) => c !== cluster);
    node.follower = await startFollower({
      ...(onApplied ? { onApplied } : {}),
      announce: {
        proto: this.proto,
        tls: await this.certs.tls(cluster),
        endpoints: others.map((c) => ({ cluster: c, address: this.address(c) })),
      },
      server: node.server,
      kubeConfig: this.clusters.kubeConfig(cluster),
      epochs: await this.epochStore(cluster),
      membership: () => this.membership(cluster),
      clock: systemClock,
      log: this.log,
    });
    return node;
  }

  /** Starts a server (if needed) and a replicator at `epoch` dialling `followers`. */
  async startLeader(
    cluster: string,
    epoch: number,
    followers: readonly string[],
    clock: Clock = systemClock,
  ): Promise<Node> {
    const node = this.nodes.get(cluster) ?? (await this.startServer(cluster));
    node.replicator = await startReplicator({
      kubeConfig: this.clusters.kubeConfig(cluster),
      proto: this.proto,
      tls: await this.certs.tls(cluster),
      claim: { epoch, leader: cluster },
      membership: () => this.membership(cluster),
      endpoints: followers.map((f) => ({ cluster: f, address: this.address(f) })),
      server: node.server,
      clock,
      log: this.log,
      onStatus: (s) => node.statuses.push(s),
      onFenced: (by) => {
        node.fencedBy = by;
      },
    });
    return node;
  }

  /** Stops whatever runs on the cluster, server included. */
  async stopNode(cluster: string): Promise<void> {
    const node = this.nodes.get(cluster);
    if (!node) return;
    this.nodes.delete(cluster);
    await node.replicator?.stop();
    await node.follower?.stop();
    await node.server.stop();
  }

  async stop(): Promise<void> {
    for (const c of [...this.nodes.keys()]) await this.stopNode(c);
    await this.certs.remove();
    await this.clusters.stop();
  }

  async createNamespace(cluster: string, name: string): Promise<void> {
    const body = new V1Namespace();
    body.metadata = new V1ObjectMeta();
    body.metadata.name = name;
    await this.clusters.kubeConfig(cluster).makeApiClient(CoreV1Api).createNamespace({ body });
  }

  // Objects of the replicated kinds.

  async create(cluster: string, kind: string, obj: Obj): Promise<Obj> {
    const r = resource(kind);
    const body = { apiVersion: r.apiVersion, kind: r.kind, ...obj };
    const namespace = obj.metadata?.namespace ?? AVI_SYSTEM;
    return (await this.api(cluster).createNamespacedCustomObject({
      ...ref(r),
      namespace,
      body,
    })) as Obj;
  }

  /** Merge-patches an object (spec, labels, annotations). */
  async patch(
    cluster: string,
    kind: string,
    key: { namespace: string; name: string },
    patch: Obj,
  ): Promise<Obj> {
    return (await this.api(cluster).patchNamespacedCustomObject(
      { ...ref(resource(kind)), ...key, body: patch },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Obj;
  }

  async remove(
    cluster: string,
    kind: string,
    key: { namespace: string; name: string },
  ): Promise<void> {
    await this.api(cluster).deleteNamespacedCustomObject({ ...ref(resource(kind)), ...key });
  }

  async get(
    cluster: string,
    kind: string,
    key: { namespace: string; name: string },
  ): Promise<Obj | undefined> {
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

  async list(cluster: string, kind: string): Promise<Obj[]> {
    const r = resource(kind);
    const out = (await this.api(cluster).listClusterCustomObject(ref(r))) as { items: Obj[] };
    return out.items;
  }
}

function resource(kind: string): CrdResource {
  const r = replicatedResource(kind);
  if (!r) throw new Error(`not a replicated kind: ${kind}`);
  return r;
}

function ref(r: CrdResource): { group: string; version: string; plural: string } {
  return { group: r.group, version: r.version, plural: r.plural };
}
