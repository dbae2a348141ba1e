/**
 * The only code of the follower that writes to its kube-apiserver: creates, replaces and deletes
 * replicas (GSLBConfig, GlobalDeploymentPolicy, GSLBHostRule), and says what it did.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  V1Namespace,
  V1ObjectMeta,
  type KubeConfig,
} from '@kubernetes/client-node';
import { OperatorError } from '../shared/errors.js';
import { classifyKubeError, isKubeNotFound, kubeStatusOf } from '../shared/kube/kube-errors.js';
import {
  REPLICATED_KINDS,
  replicatedResource,
  type ReplicatedKind,
} from '../shared/federation/replicated-kinds.js';
import {
  parseReplicaKey,
  replicaKey,
  type HashedContent,
  type ReplicaKey,
} from '../shared/federation/replicated-object.js';
import type { AppliedPosition } from '../shared/federation/log-position.js';
import {
  desiredReplica,
  highestWitness,
  isUpToDate,
  marksOf,
  observedHash,
  type ReplicaMarks,
  type ReplicaObject,
} from './replica-plan.js';

export type PutOutcome = 'created' | 'updated' | 'unchanged';

/** What the API server holds after a write: its version and the hash of what it would send. */
export interface Written {
  readonly resourceVersion: string;
  readonly observedHash: string;
}

const MAX_ATTEMPTS = 5;

function resourceOf(kind: string): { group: string; version: string; plural: string } {
  const r = replicatedResource(kind);
  if (!r)
    throw new OperatorError('FEDERATION_BAD_MESSAGE', 'never', `not a replicated kind: ${kind}`);
  return { group: r.group, version: r.version, plural: r.plural };
}

function writtenOf(kind: ReplicatedKind, obj: ReplicaObject): Written {
  return {
    resourceVersion: obj.metadata?.resourceVersion ?? '',
    observedHash: observedHash(kind, obj),
  };
}

export class ReplicaWriter {
  readonly #api: CustomObjectsApi;
  readonly #core: CoreV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.#api = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
  }

  /** Reads one object, undefined when absent. */
  async get(key: ReplicaKey): Promise<ReplicaObject | undefined> {
    const { kind, namespace, name } = parseReplicaKey(key);
    try {
      return (await this.#api.getNamespacedCustomObject({
        ...resourceOf(kind),
        namespace,
        name,
      })) as ReplicaObject;
    } catch (err) {
      if (isKubeNotFound(err)) return undefined;
      throw classifyKubeError(err, `get ${key}`);
    }
  }

  /** The keys of every replica (object with a replica-of mark) of every replicated kind. */
  async listReplicas(): Promise<ReplicaKey[]> {
    return (await this.listReplicaObjects()).map(({ kind, obj }) =>
      replicaKey(kind, obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''),
    );
  }

  /** Every replica (object with a replica-of mark) of every replicated kind, as stored. */
  async listReplicaObjects(): Promise<{ kind: ReplicatedKind; obj: ReplicaObject }[]> {
    const out: { kind: ReplicatedKind; obj: ReplicaObject }[] = [];
    for (const r of REPLICATED_KINDS) {
      let list: { items?: ReplicaObject[] };
      try {
        list = (await this.#api.listClusterCustomObject({
          group: r.group,
          version: r.version,
          plural: r.plural,
        })) as {
          items?: ReplicaObject[];
        };
      } catch (err) {
        throw classifyKubeError(err, `list ${r.plural}`);
      }
      const kind = r.kind as ReplicatedKind;
      for (const obj of list.items ?? []) if (marksOf(obj)) out.push({ kind, obj });
    }
    return out;
  }

  /** The highest position the replicas held here witness (replica-plan.ts witnessOf). */
  async witnessedPosition(): Promise<AppliedPosition> {
    return highestWitness((await this.listReplicaObjects()).map((r) => r.obj));
  }

  /**
   * Makes the object of `h` carry its content and `marks`. With `knownVersion` (the version of our
   * last write) it replaces at once; otherwise, or on a conflict, it reads first and writes only
   * when the object differs.
   */
  async put(
    h: HashedContent,
    marks: ReplicaMarks,
    knownVersion?: string,
  ): Promise<{ outcome: PutOutcome; written: Written }> {
    if (knownVersion) {
      const replaced = await this.#replace(h, marks, knownVersion);
      if (replaced) return { outcome: 'updated', written: replaced };
    }
    for (let attempt = 1; ; attempt++) {
      const key = replicaKey(h.content.kind, h.content.namespace, h.content.name);
      const current = await this.get(key);
      const done = current ? await this.#update(h, marks, current) : await this.#create(h, marks);
      if (done) return done;
      if (attempt >= MAX_ATTEMPTS) {
        throw new OperatorError(
          'KUBE_CONFLICT',
          'backoff',
          `${key}: still conflicting after ${attempt} attempts`,
        );
      }
    }
  }

  /** Deletes a replica; an absent object or one that is not a replica is left alone. */
  async remove(key: ReplicaKey): Promise<'deleted' | 'unchanged'> {
    const current = await this.get(key);
    if (!current || !marksOf(current)) return 'unchanged';
    const { kind, namespace, name } = parseReplicaKey(key);
    try {
      await this.#api.deleteNamespacedCustomObject({ ...resourceOf(kind), namespace, name });
      return 'deleted';
    } catch (err) {
      if (isKubeNotFound(err)) return 'unchanged';
      throw classifyKubeError(err, `delete ${key}`);
    }
  }

  async #update(
    h: HashedContent,
    marks: ReplicaMarks,
    current: ReplicaObject,
  ): Promise<{ outcome: PutOutcome; written: Written } | undefined> {
    if (isUpToDate(current, h, marks))
      return { outcome: 'unchanged', written: writtenOf(h.content.kind, current) };
    const replaced = await this.#replace(h, marks, current.metadata?.resourceVersion ?? '');
    return replaced ? { outcome: 'updated', written: replaced } : undefined;
  }

  /** Replaces at a version; undefined on a conflict or when the object is gone. */
  async #replace(
    h: HashedContent,
    marks: ReplicaMarks,
    resourceVersion: string,
  ): Promise<Written | undefined> {
    const c = h.content;
    try {
      const body = desiredReplica(h, marks, resourceVersion);
      const out = (await this.#api.replaceNamespacedCustomObject({
        ...resourceOf(c.kind),
        namespace: c.namespace,
        name: c.name,
        body,
      })) as ReplicaObject;
      return writtenOf(c.kind, out);
    } catch (err) {
      const status = kubeStatusOf(err);
      if (status === 409 || status === 404) return undefined;
      throw classifyKubeError(err, `replace ${c.kind}/${c.namespace}/${c.name}`);
    }
  }

  /** Creates; undefined when someone created it first. A missing namespace is created. */
  async #create(
    h: HashedContent,
    marks: ReplicaMarks,
  ): Promise<{ outcome: PutOutcome; written: Written } | undefined> {
    const first = await this.#tryCreate(h, marks);
    if (first !== 'no-namespace') return first;
    await this.#ensureNamespace(h.content.namespace);
    const second = await this.#tryCreate(h, marks);
    if (second !== 'no-namespace') return second;
    throw new OperatorError(
      'KUBE_UNAVAILABLE',
      'backoff',
      `namespace ${h.content.namespace} not found`,
    );
  }

  async #tryCreate(
    h: HashedContent,
    marks: ReplicaMarks,
  ): Promise<{ outcome: PutOutcome; written: Written } | undefined | 'no-namespace'> {
    const c = h.content;
    try {
      const body = desiredReplica(h, marks);
      const out = (await this.#api.createNamespacedCustomObject({
        ...resourceOf(c.kind),
        namespace: c.namespace,
        body,
      })) as ReplicaObject;
      return { outcome: 'created', written: writtenOf(c.kind, out) };
    } catch (err) {
      if (kubeStatusOf(err) === 409) return undefined;
      if (isKubeNotFound(err)) return 'no-namespace';
      throw classifyKubeError(err, `create ${c.kind}/${c.namespace}/${c.name}`);
    }
  }

  async #ensureNamespace(name: string): Promise<void> {
    try {
      const body = new V1Namespace();
      body.metadata = new V1ObjectMeta();
      body.metadata.name = name;
      await this.#core.createNamespace({ body });
    } catch (err) {
      if (kubeStatusOf(err) !== 409) throw classifyKubeError(err, `create namespace ${name}`);
    }
  }
}
