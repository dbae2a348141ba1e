/**
 * Member cluster objects as AKO would leave them: Ingresses, LoadBalancer Services and OpenShift
 * Routes with their status VIPs and AKO's annotations, Namespaces with labels and tenant
 * annotations, and accepted AKO HostRules. Writes go to real API servers, status through the
 * status subresource.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';

type Obj = Record<string, unknown>;
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface AkoFacts {
  /** host → VS uuid; default: `virtualservice-<host>` for every host. */
  vs?: Record<string, string> | false;
  /** Controller cluster uuid; default `cluster-<context>`. */
  controller?: string | false;
  tenant?: string;
}

export interface IngressSpec {
  hosts: { host: string; ip: string; paths?: string[] }[];
  labels?: Record<string, string>;
  tlsHosts?: string[];
  ako?: AkoFacts;
}

function akoAnnotations(
  cluster: string,
  hosts: string[],
  ako: AkoFacts = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  if (ako.vs !== false) {
    const map = ako.vs ?? Object.fromEntries(hosts.map((h) => [h, `virtualservice-${h}`]));
    out['ako.vmware.com/host-fqdn-vs-uuid-map'] = JSON.stringify(map);
  }
  if (ako.controller !== false)
    out['ako.vmware.com/controller-cluster-uuid'] = ako.controller ?? `cluster-${cluster}`;
  if (ako.tenant) out['ako.vmware.com/tenant-name'] = ako.tenant;
  return out;
}

function isConflict(err: unknown): boolean {
  return (err as { code?: number }).code === 409;
}

function isNotFound(err: unknown): boolean {
  return (err as { code?: number }).code === 404;
}

export class MemberObjects {
  constructor(private readonly kube: (cluster: string) => KubeConfig) {}

  async namespace(
    cluster: string,
    name: string,
    labels: Record<string, string> = {},
    tenant?: string,
  ): Promise<void> {
    const api = this.kube(cluster).makeApiClient(CoreV1Api);
    const metadata = {
      name,
      labels,
      annotations: tenant ? { 'ako.vmware.com/tenant-name': tenant } : {},
    };
    try {
      await api.createNamespace({ body: { metadata } });
    } catch (err) {
      if (!isConflict(err)) throw err;
      const labelsPatch = { metadata: { labels: labels, annotations: metadata.annotations } };
      await api.patchNamespace({ name, body: labelsPatch }, merge);
    }
  }

  /** Replaces a namespace's labels (keys absent from `labels` are removed). */
  async namespaceLabels(
    cluster: string,
    name: string,
    labels: Record<string, string>,
  ): Promise<void> {
    const api = this.kube(cluster).makeApiClient(CoreV1Api);
    const current = await api.readNamespace({ name });
    const old = current.metadata?.labels ?? {};
    const patch: Record<string, string | null> = {};
    for (const k of Object.keys(old))
      if (!(k in labels) && !k.startsWith('kubernetes.io/')) patch[k] = null;
    Object.assign(patch, labels);
    await api.patchNamespace({ name, body: { metadata: { labels: patch } } }, merge);
  }

  async ingress(
    cluster: string,
    namespace: string,
    name: string,
    spec: IngressSpec,
  ): Promise<void> {
    const api = this.kube(cluster).makeApiClient(NetworkingV1Api);
    const hosts = spec.hosts.map((h) => h.host);
    const body = {
      metadata: {
        name,
        namespace,
        labels: spec.labels ?? {},
        annotations: akoAnnotations(cluster, hosts, spec.ako),
      },
      spec: {
        rules: spec.hosts.map((h) => ({
          host: h.host,
          http: {
            paths: (h.paths ?? ['/']).map((p) => ({
              path: p,
              pathType: 'Prefix',
              backend: { service: { name: 'backend', port: { number: 80 } } },
            })),
          },
        })),
        ...(spec.tlsHosts ? { tls: [{ hosts: spec.tlsHosts, secretName: 'tls' }] } : {}),
      },
    };
    try {
      await api.createNamespacedIngress({ namespace, body });
    } catch (err) {
      if (!isConflict(err)) throw err;
      const current = await api.readNamespacedIngress({ name, namespace });
      await api.replaceNamespacedIngress({
        name,
        namespace,
        body: {
          ...body,
          metadata: { ...body.metadata, resourceVersion: current.metadata?.resourceVersion ?? '' },
        },
      });
    }
    const status = {
      loadBalancer: { ingress: spec.hosts.map((h) => ({ ip: h.ip, hostname: h.host })) },
    };
    await api.patchNamespacedIngressStatus({ name, namespace, body: { status } }, merge);
  }

  async deleteIngress(cluster: string, namespace: string, name: string): Promise<void> {
    const api = this.kube(cluster).makeApiClient(NetworkingV1Api);
    await api.deleteNamespacedIngress({ name, namespace }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  async lbService(
    cluster: string,
    namespace: string,
    name: string,
    spec: {
      host: string;
      ip: string;
      ports?: { port: number; protocol?: 'TCP' | 'UDP' }[];
      labels?: Record<string, string>;
      ako?: AkoFacts;
    },
  ): Promise<void> {
    const api = this.kube(cluster).makeApiClient(CoreV1Api);
    const metadata = {
      name,
      namespace,
      labels: spec.labels ?? {},
      annotations: akoAnnotations(cluster, [spec.host], spec.ako),
    };
    const ports = (spec.ports ?? [{ port: 80 }]).map((p, i) => ({
      name: `p${i}`,
      port: p.port,
      protocol: p.protocol ?? 'TCP',
    }));
    try {
      await api.createNamespacedService({
        namespace,
        body: { metadata, spec: { type: 'LoadBalancer', ports } },
      });
    } catch (err) {
      if (!isConflict(err)) throw err;
      await api.patchNamespacedService(
        { name, namespace, body: { metadata, spec: { ports } } },
        merge,
      );
    }
    const status = { loadBalancer: { ingress: [{ ip: spec.ip, hostname: spec.host }] } };
    await api.patchNamespacedServiceStatus({ name, namespace, body: { status } }, merge);
  }

  async deleteService(cluster: string, namespace: string, name: string): Promise<void> {
    const api = this.kube(cluster).makeApiClient(CoreV1Api);
    await api.deleteNamespacedService({ name, namespace }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  async route(
    cluster: string,
    namespace: string,
    name: string,
    spec: {
      host: string;
      ip: string;
      path?: string;
      tls?: string;
      labels?: Record<string, string>;
      ako?: AkoFacts;
    },
  ): Promise<void> {
    const api = this.kube(cluster).makeApiClient(CustomObjectsApi);
    const ref = { group: 'route.openshift.io', version: 'v1', plural: 'routes', namespace };
    const body = {
      apiVersion: 'route.openshift.io/v1',
      kind: 'Route',
      metadata: {
        name,
        namespace,
        labels: spec.labels ?? {},
        annotations: akoAnnotations(cluster, [spec.host], spec.ako),
      },
      spec: {
        host: spec.host,
        ...(spec.path ? { path: spec.path } : {}),
        to: { kind: 'Service', name: 'backend' },
        ...(spec.tls ? { tls: { termination: spec.tls } } : {}),
      },
    };
    try {
      await api.createNamespacedCustomObject({ ...ref, body });
    } catch (err) {
      if (!isConflict(err)) throw err;
      await api.patchNamespacedCustomObject(
        { ...ref, name, body: { metadata: body.metadata, spec: body.spec } },
        merge,
      );
    }
    const status = {
      ingress: [
        {
          host: spec.host,
          routerName: 'ako-router',
          conditions: [{ type: 'Admitted', status: 'True', message: spec.ip }],
        },
      ],
    };
    await api.patchNamespacedCustomObjectStatus({ ...ref, name, body: { status } }, merge);
  }

  async deleteRoute(cluster: string, namespace: string, name: string): Promise<void> {
    const api = this.kube(cluster).makeApiClient(CustomObjectsApi);
    await api
      .deleteNamespacedCustomObject({
        group: 'route.openshift.io',
        version: 'v1',
        plural: 'routes',
        namespace,
        name,
      })
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
  }

  /** An AKO HostRule, marked Accepted as AKO would; returns its creation timestamp. */
  async hostRule(
    cluster: string,
    namespace: string,
    name: string,
    virtualhost: Obj,
  ): Promise<string | undefined> {
    const api = this.kube(cluster).makeApiClient(CustomObjectsApi);
    const ref = { group: 'ako.vmware.com', version: 'v1beta1', plural: 'hostrules', namespace };
    const body = {
      apiVersion: 'ako.vmware.com/v1beta1',
      kind: 'HostRule',
      metadata: { name, namespace },
      spec: { virtualhost },
    };
    try {
      await api.createNamespacedCustomObject({ ...ref, body });
    } catch (err) {
      if (!isConflict(err)) throw err;
      await api.patchNamespacedCustomObject({ ...ref, name, body: { spec: body.spec } }, merge);
    }
    const accepted = (await api.patchNamespacedCustomObjectStatus(
      { ...ref, name, body: { status: { status: 'Accepted' } } },
      merge,
    )) as { metadata?: { creationTimestamp?: string } };
    return accepted.metadata?.creationTimestamp;
  }

  async deleteHostRule(cluster: string, namespace: string, name: string): Promise<void> {
    const api = this.kube(cluster).makeApiClient(CustomObjectsApi);
    const ref = { group: 'ako.vmware.com', version: 'v1beta1', plural: 'hostrules', namespace };
    await api.deleteNamespacedCustomObject({ ...ref, name }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
}
