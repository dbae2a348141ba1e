/**
 * The watchers of one member cluster: Routes when the Route API answers (else Ingresses),
 * LoadBalancer Services, Namespaces and AKO HostRules. Handlers only compute a key and hand it
 * on. The caches keep only the fields the parsers read (trim.ts). A cluster whose API server cannot be reached at start is reported as failed and started
 * again later by its owner; once started, informers restart themselves after errors.
 */
import {
  ApisApi,
  type KubeConfig,
  type KubernetesObject,
  type V1Ingress,
  type V1Namespace,
  type V1Service,
} from '@kubernetes/client-node';
import type { Clock } from '../../shared/clock.js';
import type { ResilientInformer } from '../../shared/kube/informer.js';
import {
  customInformer,
  ingressInformer,
  namespaceInformer,
  serviceInformer,
  type InformerContext,
} from '../../shared/kube/resource-informers.js';
import { memberObjectKey, type MemberKind, type MemberObjectKey } from '../../shared/keys.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { AkoHostRule } from './parse-host-rule.js';
import type { Route } from './parse-route.js';
import { trimHostRule, trimIngress, trimNamespace, trimRoute, trimService } from './trim.js';

export const ROUTE_GROUP = 'route.openshift.io';
const ROUTES = { group: ROUTE_GROUP, version: 'v1', plural: 'routes' };
const HOST_RULES = { group: 'ako.vmware.com', version: 'v1beta1', plural: 'hostrules' };

export interface MemberClusterDeps {
  readonly cluster: string;
  readonly kubeConfig: KubeConfig;
  readonly clock: Clock;
  readonly log: Logger;
  /** Receives the key of every object that was added, changed or deleted. */
  readonly onKey: (key: MemberObjectKey) => void;
}

interface Informers {
  readonly ingresses?: ResilientInformer<V1Ingress>;
  readonly routes?: ResilientInformer<Route>;
  readonly services: ResilientInformer<V1Service>;
  readonly namespaces: ResilientInformer<V1Namespace>;
  readonly hostRules: ResilientInformer<AkoHostRule>;
}

export class MemberCluster {
  readonly cluster: string;
  readonly #deps: MemberClusterDeps;
  #informers: Informers | undefined;
  #routes = false;

  constructor(deps: MemberClusterDeps) {
    this.cluster = deps.cluster;
    this.#deps = deps;
  }

  /** True when the cluster serves OpenShift Routes (then Ingresses are not watched). */
  get routes(): boolean {
    return this.#routes;
  }

  get started(): boolean {
    return this.#informers !== undefined;
  }

  /** Discovers the APIs and starts the informers; throws when the API server cannot be reached. */
  async start(): Promise<void> {
    if (this.#informers) return;
    const groups = await this.#deps.kubeConfig.makeApiClient(ApisApi).getAPIVersions();
    this.#routes = groups.groups.some((g) => g.name === ROUTE_GROUP);
    const ctx: InformerContext = { ...this.#deps, name: this.cluster };
    const informers: Informers = {
      ...(this.#routes
        ? { routes: customInformer<Route>(ctx, ROUTES, undefined, trimRoute) }
        : { ingresses: ingressInformer(ctx, trimIngress) }),
      services: serviceInformer(ctx, trimService),
      namespaces: namespaceInformer(ctx, trimNamespace),
      hostRules: customInformer<AkoHostRule>(ctx, HOST_RULES, undefined, trimHostRule),
    };
    if (informers.routes) this.#wire(informers.routes, 'ROUTE');
    if (informers.ingresses) this.#wire(informers.ingresses, 'INGRESS');
    this.#wire(informers.services, 'LBSVC');
    this.#wire(informers.namespaces, 'NAMESPACE');
    this.#wire(informers.hostRules, 'HOSTRULE');
    this.#informers = informers;
    for (const inf of this.#all()) inf.start();
  }

  get synced(): boolean {
    return this.#informers !== undefined && this.#all().every((i) => i.synced);
  }

  get healthy(): boolean {
    return this.#informers !== undefined && this.#all().every((i) => i.healthy);
  }

  /** The first error of an unhealthy informer, if any. */
  get lastError(): string | undefined {
    return this.#all().find((i) => i.lastError !== undefined)?.lastError;
  }

  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all(this.#all().map((i) => i.waitForSync(signal)));
  }

  ingress(namespace: string, name: string): V1Ingress | undefined {
    return this.#informers?.ingresses?.get(name, namespace);
  }

  route(namespace: string, name: string): Route | undefined {
    return this.#informers?.routes?.get(name, namespace);
  }

  service(namespace: string, name: string): V1Service | undefined {
    return this.#informers?.services.get(name, namespace);
  }

  namespace(name: string): V1Namespace | undefined {
    return this.#informers?.namespaces.get(name);
  }

  hostRule(namespace: string, name: string): AkoHostRule | undefined {
    return this.#informers?.hostRules.get(name, namespace);
  }

  /** Keys of every object in the caches (for a full pass). */
  keys(): MemberObjectKey[] {
    const inf = this.#informers;
    if (!inf) return [];
    const out: MemberObjectKey[] = [];
    const add = (kind: MemberKind, list: readonly KubernetesObject[]): void => {
      for (const o of list) out.push(this.#key(kind, o));
    };
    add('NAMESPACE', inf.namespaces.list());
    add('HOSTRULE', inf.hostRules.list());
    add('ROUTE', inf.routes?.list() ?? []);
    add('INGRESS', inf.ingresses?.list() ?? []);
    add('LBSVC', inf.services.list());
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#all().map((i) => i.stop()));
  }

  #all(): ResilientInformer<KubernetesObject>[] {
    const inf = this.#informers;
    if (!inf) return [];
    const all = [inf.ingresses, inf.routes, inf.services, inf.namespaces, inf.hostRules];
    return all.filter((i) => i !== undefined);
  }

  #key(kind: MemberKind, o: KubernetesObject): MemberObjectKey {
    return memberObjectKey(kind, this.cluster, o.metadata?.namespace ?? '', o.metadata?.name ?? '');
  }

  #wire<T extends KubernetesObject>(inf: ResilientInformer<T>, kind: MemberKind): void {
    inf.on((_event, obj) => {
      this.#deps.onKey(this.#key(kind, obj));
    });
  }
}
