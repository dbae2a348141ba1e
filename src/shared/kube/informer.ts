import {
  ListWatch,
  Watch,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import { Backoff, doubling, ranStably, type Random } from '../backoff.js';
import type { Clock } from '../clock.js';
import { messageOf } from '../errors.js';
import { kubeStatusOf } from './kube-errors.js';
import type { Logger } from '../telemetry/logger.js';

export type InformerEvent = 'add' | 'update' | 'delete';
export type InformerHandler<T> = (event: InformerEvent, obj: T) => void;

export interface InformerDeps<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** Watch path, e.g. `/apis/networking.k8s.io/v1/ingresses`. */
  path: string;
  /**
   * Lists one page of the same collection: at most `limit` objects, from `continue` on (absent:
   * the first page; `limit` absent: the whole collection at once).
   */
  list: (page: ListPage) => Promise<KubernetesListObject<T>>;
  /** Objects per page of the initial list (default 500, as client-go's reflector). */
  pageSize?: number;
  clock: Clock;
  log: Logger;
  /** Name for logs, e.g. `cluster1/ingresses`. */
  name: string;
  /** First restart delay (default 500 ms), doubled per restart in a row up to `maxBackoffMs`. */
  minBackoffMs?: number;
  /** Cap of the restart delay (default 30 s). */
  maxBackoffMs?: number;
  /** How long a run must stay up before its end no longer counts as a failure in a row. */
  stableMs?: number;
  /** Random source of the restart delay's equal jitter (default `Math.random`; 0 = none). */
  random?: Random;
  /**
   * Applied to every listed or watched object before it is cached and handed to handlers, e.g.
   * to keep only the fields the consumers read. Must keep metadata name, namespace and
   * resourceVersion.
   */
  transform?: (obj: T) => T;
}

/** One page request of a list. */
export interface ListPage {
  limit?: number;
  _continue?: string;
}

type WatchCallback = Parameters<Watch['watch']>[2];

const DEFAULT_PAGE_SIZE = 500;

/** The continue token of a page: `_continue` once deserialized, `continue` in raw JSON. */
function continueOf(page: KubernetesListObject<KubernetesObject>): string | undefined {
  const meta = page.metadata as { _continue?: string; continue?: string } | undefined;
  return meta?._continue || meta?.continue || undefined;
}

/**
 * The whole collection, read a page at a time so that only one page of full objects is held at
 * once, each page's objects reduced by `transform` before the next is read. All pages come from
 * one snapshot (the list's resourceVersion, from which the watch starts). A continue token that
 * expired (410 Gone: the snapshot was compacted away) restarts with one unpaged list, as
 * client-go's pager does.
 */
export async function listAllPages<T extends KubernetesObject>(
  list: (page: ListPage) => Promise<KubernetesListObject<T>>,
  pageSize: number,
  transform: (obj: T) => T = (o) => o,
): Promise<KubernetesListObject<T>> {
  const items: T[] = [];
  let first: KubernetesListObject<T> | undefined;
  let cont: string | undefined;
  do {
    let page: KubernetesListObject<T>;
    try {
      page = await list({ limit: pageSize, ...(cont ? { _continue: cont } : {}) });
    } catch (err) {
      if (cont === undefined || kubeStatusOf(err) !== 410) throw err;
      const whole = await list({});
      return { ...whole, items: whole.items.map(transform) };
    }
    first ??= page;
    for (const o of page.items) items.push(transform(o));
    cont = continueOf(page);
  } while (cont);
  // The watch starts from the snapshot's resourceVersion, the only list metadata it reads.
  const rv = first.metadata?.resourceVersion;
  return { ...first, metadata: rv === undefined ? {} : { resourceVersion: rv }, items };
}

/** A watch whose added, modified and deleted objects pass through `transform` first. */
class TransformingWatch<T extends KubernetesObject> extends Watch {
  readonly #transform: (obj: T) => T;

  constructor(kubeConfig: KubeConfig, transform: (obj: T) => T) {
    super(kubeConfig);
    this.#transform = transform;
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: WatchCallback,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const transform = this.#transform;
    return super.watch(
      path,
      queryParams,
      (phase: string, apiObj: unknown, watchObj?: unknown) => {
        const keep = phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED';
        callback(phase, keep ? transform(apiObj as T) : apiObj, watchObj);
      },
      done,
    );
  }
}

/** client-node's list/watch cache, with an optional transform of every object it caches. */
function makeCache<T extends KubernetesObject>(
  deps: InformerDeps<T>,
): Informer<T> & ObjectCache<T> {
  const transform = deps.transform;
  const pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE;
  const list = (): Promise<KubernetesListObject<T>> => listAllPages(deps.list, pageSize, transform);
  if (!transform) return new ListWatch<T>(deps.path, new Watch(deps.kubeConfig), list, false);
  return new ListWatch<T>(
    deps.path,
    new TransformingWatch(deps.kubeConfig, transform),
    list,
    false,
  );
}

/**
 * A list/watch cache over client-node's informer that restarts itself: the library's informer
 * stops for good after a list or watch error, so this wrapper starts it again after an
 * exponential backoff with equal jitter (shared/backoff.ts; waits on the injected clock) until
 * stopped: the informers of a cluster fail together when its API server goes away, and restart
 * spread out when it comes back. It reports when the first full list has completed (`synced`)
 * and whether the last attempt worked (`healthy`).
 *
 * The backoff is reset only by a run that stayed up (listed, watch accepted, no error) for
 * `stableMs` (10 s by default) by the injected clock, never by a list or an accepted watch alone:
 * a watch that keeps failing, whether refused outright (list allowed, watch forbidden) or
 * accepted and dropped at once, is restarted ever more slowly up to `maxBackoffMs`.
 *
 * Objects handed out are the cache's own: callers must treat them as read-only. A delete event
 * may arrive after a relist with only the last-known object; handlers should use only its key.
 */
export class ResilientInformer<T extends KubernetesObject> {
  readonly #deps: InformerDeps<T>;
  readonly #informer: Informer<T> & ObjectCache<T>;
  readonly #handlers: InformerHandler<T>[] = [];
  readonly #stop = new AbortController();
  readonly #syncWaiters: (() => void)[] = [];
  #synced = false;
  #healthy = false;
  #lastError: string | undefined;
  readonly #restarts: Backoff;
  #upSince: number | undefined;
  #errored = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(deps: InformerDeps<T>) {
    this.#deps = deps;
    this.#informer = makeCache(deps);
    this.#restarts = new Backoff(
      doubling(deps.minBackoffMs ?? 500, deps.maxBackoffMs ?? 30_000, 'equal'),
      deps.random,
    );
    this.#informer.on('add', (o) => {
      this.#emit('add', o);
    });
    this.#informer.on('update', (o) => {
      this.#emit('update', o);
    });
    this.#informer.on('delete', (o) => {
      this.#emit('delete', o);
    });
    this.#informer.on('error', (err: unknown) => {
      this.#onError(err);
    });
  }

  /** Registers an event handler; handlers must only compute keys and enqueue. */
  on(handler: InformerHandler<T>): void {
    this.#handlers.push(handler);
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  get synced(): boolean {
    return this.#synced;
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Resolves once the first full list has completed, or rejects when `signal` aborts. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  list(namespace?: string): readonly T[] {
    return this.#informer.list(namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#informer.get(name, namespace);
  }

  async stop(): Promise<void> {
    this.#stop.abort(new Error('informer stopped'));
    this.#wake?.();
    await this.#informer.stop();
    await this.#loop;
  }

  #emit(event: InformerEvent, obj: T): void {
    for (const h of this.#handlers) {
      try {
        h(event, obj);
      } catch (err) {
        this.#deps.log.error({ informer: this.#deps.name, err: messageOf(err) }, 'handler threw');
      }
    }
  }

  #onError(err: unknown): void {
    this.#errored = true;
    this.#healthy = false;
    this.#lastError = messageOf(err);
    this.#wake?.();
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      this.#errored = false;
      const stopped = new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      try {
        await this.#informer.start();
      } catch (err) {
        this.#onError(err);
      }
      if (!this.#errored && !signal.aborted) this.#markUp();
      if (!this.#errored) await stopped;
      if (signal.aborted) return;
      await this.#backoff(signal);
    }
  }

  #markUp(): void {
    this.#healthy = true;
    this.#upSince = this.#deps.clock.now();
    this.#lastError = undefined;
    if (this.#synced) return;
    this.#synced = true;
    for (const w of this.#syncWaiters.splice(0)) w();
  }

  async #backoff(signal: AbortSignal): Promise<void> {
    if (ranStably(this.#upSince, this.#deps.clock.now(), this.#deps.stableMs ?? 10_000))
      this.#restarts.reset();
    const delay = this.#restarts.next();
    this.#upSince = undefined;
    this.#deps.log.warn(
      { informer: this.#deps.name, err: this.#lastError, retryInMs: delay },
      'list/watch failed, restarting',
    );
    await this.#deps.clock.sleep(delay, signal).catch(() => undefined);
  }
}
