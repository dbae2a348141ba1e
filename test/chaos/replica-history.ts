/**
 * Records, through real kube watches on a follower's API server, every version of every replica
 * (GSLBConfig, GDP, GSLBHostRule carrying `amko.vmware.com/replica-of`) the follower stored while
 * an experiment ran, and checks the order in which revisions were applied.
 *
 * The invariants (`historyViolations`), for one leader's log (same replica-of and epoch):
 * - per object, in storage order (resourceVersion), the `replica-revision` annotation strictly
 *   increases: never backwards (out of order) and never the same revision written twice
 *   (a change applied twice, or different content under one revision);
 * - per follower, over all objects in storage order, revisions never decrease: deltas are applied
 *   one at a time in log order, and a snapshot writes the objects it changes under one revision
 *   (the snapshot's), which is at least every revision applied before it; objects a snapshot does
 *   not change keep their older revision and are not rewritten, so they show no event.
 */
import { Watch, type KubeConfig, CustomObjectsApi } from '@kubernetes/client-node';
import {
  REPLICA_EPOCH_ANNOTATION,
  REPLICA_OF_ANNOTATION,
  REPLICA_REVISION_ANNOTATION,
} from '../../src/shared/federation/federation-names.js';
import { REPLICATED_KINDS } from '../../src/shared/federation/replicated-kinds.js';
import { contentHash, contentOf } from '../../src/shared/federation/replicated-object.js';
import type { Obj } from '../support/e2e-federation.js';

/** One stored version of a replica, as a watch (or the first list) reported it. */
export interface SeenVersion {
  readonly type: 'LISTED' | 'ADDED' | 'MODIFIED' | 'DELETED';
  /** kind/namespace/name */
  readonly key: string;
  readonly leader: string;
  readonly epoch: number;
  readonly revision: number;
  /** The object's resourceVersion (its position in the follower's storage order). */
  readonly resourceVersion: number;
  readonly hash: string;
  /** Milliseconds since the epoch when the test saw it. */
  readonly seenAt: number;
}

type Meta = NonNullable<Obj['metadata']> & { resourceVersion?: string };

export class ReplicaHistory {
  readonly versions: SeenVersion[] = [];
  /** Watches restarted after they ended, and relists after a 410 (history may have a gap). */
  restarts = 0;
  relists = 0;
  readonly #aborts = new Set<AbortController>();
  #stopped = false;

  private constructor(
    readonly cluster: string,
    private readonly kc: KubeConfig,
  ) {}

  /** Lists every replicated kind, then watches each from the list's resourceVersion. */
  static async start(cluster: string, kc: KubeConfig): Promise<ReplicaHistory> {
    const h = new ReplicaHistory(cluster, kc);
    for (const r of REPLICATED_KINDS) await h.#listAndWatch(r);
    return h;
  }

  async #listAndWatch(r: (typeof REPLICATED_KINDS)[number]): Promise<void> {
    const api = this.kc.makeApiClient(CustomObjectsApi);
    const list = (await api.listClusterCustomObject({
      group: r.group,
      version: r.version,
      plural: r.plural,
    })) as { items: Obj[]; metadata?: { resourceVersion?: string } };
    for (const o of list.items) this.#record('LISTED', r.kind, o);
    await this.#watch(r, list.metadata?.resourceVersion ?? '');
  }

  async #watch(r: (typeof REPLICATED_KINDS)[number], from: string): Promise<void> {
    let last = from;
    let gone = false;
    const path = `/apis/${r.group}/${r.version}/${r.plural}`;
    const abort = await new Watch(this.kc).watch(
      path,
      { resourceVersion: last, allowWatchBookmarks: true },
      (type: string, obj: Obj & { code?: number }) => {
        if (type === 'ERROR') {
          gone = obj.code === 410;
          return;
        }
        last = (obj.metadata as Meta | undefined)?.resourceVersion ?? last;
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')
          this.#record(type, r.kind, obj);
      },
      () => {
        this.#aborts.delete(abort);
        if (this.#stopped) return;
        this.restarts += 1;
        void this.#resume(r, last, gone);
      },
    );
    this.#aborts.add(abort);
  }

  /** Watches again from `last` (relists after a 410), retrying while the API server is down. */
  async #resume(r: (typeof REPLICATED_KINDS)[number], last: string, gone: boolean): Promise<void> {
    while (!this.#stopped) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (this.#stopped) return;
      try {
        if (gone) {
          this.relists += 1;
          await this.#listAndWatch(r);
        } else {
          await this.#watch(r, last);
        }
        return;
      } catch {
        // The API server is not answering (its etcd may be down): try again.
      }
    }
  }

  #record(type: SeenVersion['type'], kind: string, o: Obj): void {
    const m = o.metadata as Meta | undefined;
    const a = m?.annotations ?? {};
    const leader = a[REPLICA_OF_ANNOTATION];
    if (leader === undefined) return;
    this.versions.push({
      type,
      key: `${kind}/${m?.namespace}/${m?.name}`,
      leader,
      epoch: Number(a[REPLICA_EPOCH_ANNOTATION] ?? 0),
      revision: Number(a[REPLICA_REVISION_ANNOTATION] ?? 0),
      resourceVersion: Number(m?.resourceVersion ?? 0),
      hash: contentHash(contentOf(kind as never, o)),
      seenAt: Date.now(),
    });
  }

  /** The revisions stored by writes (not deletes) after the first list. */
  storedRevisions(): number[] {
    return this.versions
      .filter((v) => v.type === 'ADDED' || v.type === 'MODIFIED')
      .map((v) => v.revision);
  }

  stop(): void {
    this.#stopped = true;
    for (const a of this.#aborts) a.abort();
    this.#aborts.clear();
  }
}

/** Violations of the ordering invariants (see the top of the file), at most `max` of them. */
export function historyViolations(
  cluster: string,
  versions: readonly SeenVersion[],
  max = 20,
): string[] {
  const writes = [...versions]
    .filter((v) => v.type !== 'DELETED')
    .sort((a, b) => a.resourceVersion - b.resourceVersion);
  return [...perObject(cluster, writes), ...overall(cluster, writes)].slice(0, max);
}

/** Per object: each stored version has a greater revision than the one before. */
function perObject(cluster: string, writes: readonly SeenVersion[]): string[] {
  const out: string[] = [];
  const last = new Map<string, SeenVersion>();
  for (const v of writes) {
    const prev = last.get(v.key);
    last.set(v.key, v);
    if (!prev || !sameLog(prev, v) || prev.resourceVersion === v.resourceVersion) continue;
    if (v.revision < prev.revision)
      out.push(`${cluster} ${v.key}: revision ${v.revision} stored after ${prev.revision}`);
    else if (v.revision === prev.revision)
      out.push(
        `${cluster} ${v.key}: revision ${v.revision} written twice` +
          (v.hash === prev.hash ? ' (same content)' : ' (different content)'),
      );
  }
  return out;
}

/** Over all objects: writes after the first list never go back to a lower revision. */
function overall(cluster: string, writes: readonly SeenVersion[]): string[] {
  const out: string[] = [];
  let high: SeenVersion | undefined;
  for (const v of writes) {
    if (high === undefined || !sameLog(high, v)) {
      high = v;
      continue;
    }
    if (v.type !== 'LISTED' && v.revision < high.revision)
      out.push(
        `${cluster}: revision ${v.revision} (${v.key}) stored after revision ` +
          `${high.revision} (${high.key})`,
      );
    if (v.revision > high.revision) high = v;
  }
  return out;
}

function sameLog(a: SeenVersion, b: SeenVersion): boolean {
  return a.leader === b.leader && a.epoch === b.epoch;
}
