/**
 * Every tracked object read from the member clusters, with the GslbService each one currently
 * belongs to (or none). Updated only by the ingestion worker; each update returns the GS keys
 * whose inputs changed, for the sync queue. Indexed by GS, by namespace and by host so that a
 * namespace or HostRule change re-selects only the objects it can affect.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  gslbKey,
  isGslbKeySegment,
  type GslbKey,
  type MemberObjectKey,
} from '../../shared/keys.js';
import { trackedId, type TrackedObject } from './tracked-object.js';

/** The GS an object belongs to, or undefined when it is not selected. */
export type Selector = (o: TrackedObject) => GslbKey | undefined;

interface Entry {
  obj: TrackedObject;
  key: GslbKey | undefined;
}

function addTo<K, V>(index: Map<K, Set<V>>, k: K, v: V): void {
  const set = index.get(k) ?? new Set<V>();
  set.add(v);
  index.set(k, set);
}

function removeFrom<K, V>(index: Map<K, Set<V>>, k: K, v: V): void {
  const set = index.get(k);
  if (!set) return;
  set.delete(v);
  if (set.size === 0) index.delete(k);
}

export class MemberStore {
  readonly #select: Selector;
  readonly #bySource = new Map<MemberObjectKey, string[]>();
  readonly #entries = new Map<string, Entry>();
  readonly #byGs = new Map<GslbKey, Set<string>>();
  readonly #byNamespace = new Map<string, Set<string>>();
  readonly #byHost = new Map<string, Set<string>>();
  /** Every tenant a key was ever selected in: a handful, kept so a name finds its keys. */
  readonly #tenants = new Set<string>();

  constructor(select: Selector) {
    this.#select = select;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Replaces the tracked objects read from one Kubernetes object (none = deleted). */
  setSource(source: MemberObjectKey, objs: readonly TrackedObject[]): Set<GslbKey> {
    const dirty = new Set<GslbKey>();
    const newIds = new Set(objs.map(trackedId));
    for (const id of this.#bySource.get(source) ?? []) {
      if (!newIds.has(id)) this.#remove(id, dirty);
    }
    for (const obj of objs) this.#upsert(obj, dirty);
    if (objs.length === 0) this.#bySource.delete(source);
    else this.#bySource.set(source, [...newIds]);
    return dirty;
  }

  /** Re-runs selection for some objects (all when omitted); returns keys whose members changed. */
  reselect(ids?: Iterable<string>): Set<GslbKey> {
    const dirty = new Set<GslbKey>();
    for (const id of ids ?? [...this.#entries.keys()]) {
      const e = this.#entries.get(id);
      if (!e) continue;
      const key = this.#select(e.obj);
      if (key === e.key) continue;
      this.#move(id, e, key, dirty);
    }
    return dirty;
  }

  idsInNamespace(cluster: string, namespace: string): string[] {
    return [...(this.#byNamespace.get(`${cluster}/${namespace}`) ?? [])];
  }

  idsWithHost(cluster: string, host: string): string[] {
    return [...(this.#byHost.get(`${cluster}/${host}`) ?? [])];
  }

  /** The GS keys some objects currently belong to. */
  keysOf(ids: Iterable<string>): Set<GslbKey> {
    const out = new Set<GslbKey>();
    for (const id of ids) {
      const key = this.#entries.get(id)?.key;
      if (key) out.add(key);
    }
    return out;
  }

  /** Members of a GS, sorted by identity. */
  members(key: GslbKey): TrackedObject[] {
    return [...(this.#byGs.get(key) ?? [])]
      .sort()
      .map((id) => this.#entries.get(id)?.obj)
      .filter((o): o is TrackedObject => o !== undefined);
  }

  /** Every GS key with at least one member. */
  keys(): GslbKey[] {
    return [...this.#byGs.keys()];
  }

  /** The keys, in every tenant, of the GS named `gsName` that has at least one member. */
  keysNamed(gsName: string): GslbKey[] {
    if (!isGslbKeySegment(gsName)) return [];
    const out: GslbKey[] = [];
    for (const tenant of this.#tenants) {
      const key = gslbKey(tenant, gsName);
      if (this.#byGs.has(key)) out.push(key);
    }
    return out;
  }

  #addToGs(key: GslbKey, id: string): void {
    if (!this.#byGs.has(key)) this.#tenants.add(key.slice(0, key.indexOf('/')));
    addTo(this.#byGs, key, id);
  }

  #upsert(obj: TrackedObject, dirty: Set<GslbKey>): void {
    const id = trackedId(obj);
    const old = this.#entries.get(id);
    if (old && isDeepStrictEqual(old.obj, obj)) return;
    if (old) this.#unindex(id, old);
    const entry: Entry = { obj, key: this.#select(obj) };
    this.#entries.set(id, entry);
    this.#index(id, entry);
    if (old?.key) dirty.add(old.key);
    if (entry.key) dirty.add(entry.key);
  }

  #remove(id: string, dirty: Set<GslbKey>): void {
    const e = this.#entries.get(id);
    if (!e) return;
    this.#unindex(id, e);
    this.#entries.delete(id);
    if (e.key) dirty.add(e.key);
  }

  #move(id: string, e: Entry, key: GslbKey | undefined, dirty: Set<GslbKey>): void {
    if (e.key) {
      removeFrom(this.#byGs, e.key, id);
      dirty.add(e.key);
    }
    e.key = key;
    if (key) {
      this.#addToGs(key, id);
      dirty.add(key);
    }
  }

  #index(id: string, e: Entry): void {
    if (e.key) this.#addToGs(e.key, id);
    addTo(this.#byNamespace, `${e.obj.cluster}/${e.obj.namespace}`, id);
    addTo(this.#byHost, `${e.obj.cluster}/${e.obj.hostname}`, id);
  }

  #unindex(id: string, e: Entry): void {
    if (e.key) removeFrom(this.#byGs, e.key, id);
    removeFrom(this.#byNamespace, `${e.obj.cluster}/${e.obj.namespace}`, id);
    removeFrom(this.#byHost, `${e.obj.cluster}/${e.obj.hostname}`, id);
  }
}
