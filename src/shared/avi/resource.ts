/**
 * Typed operations on one object type: get by name or uuid, list (all pages, following `next`),
 * create, full update (PUT), patch and delete, each in a tenant.
 */
import { AviError } from './avi-error.js';
import type { AviCollection, AviObjectBase, AviObjectType, AviPatch, Stored } from './types.js';

export type QueryValue = string | number | boolean;

export interface AviRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `/api/...` */
  path: string;
  query?: Readonly<Record<string, QueryValue | undefined>>;
  body?: unknown;
  /** Tenant name for `X-Avi-Tenant`; `*` for all tenants (reads only). Default: the client's. */
  tenant?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface AviResponse<T> {
  status: number;
  body: T;
}

export type RequestFn = <R>(req: AviRequest) => Promise<AviResponse<R>>;

export interface ReadOptions {
  tenant?: string;
  signal?: AbortSignal;
  /** Ask for `#name` on url and refs (default true, as AMKO's reads do). */
  includeName?: boolean;
  /** Only these fields (plus uuid, url, name). */
  fields?: readonly string[];
}

export interface ListOptions extends ReadOptions {
  name?: string;
  createdBy?: string;
  isFederated?: boolean;
  uuid?: string;
  /** Page length (default 100; the controller caps it at 200). */
  pageSize?: number;
  /** Further query parameters, passed through. */
  query?: Readonly<Record<string, QueryValue>>;
}

export interface WriteOptions {
  tenant?: string;
  signal?: AbortSignal;
}

/** Reads of one type (for read-only types such as virtualservice and cloud). */
export interface AviReader<T extends AviObjectBase> {
  readonly type: AviObjectType;
  list(opts?: ListOptions): Promise<Stored<T>[]>;
  pages(opts?: ListOptions): AsyncGenerator<Stored<T>[], void, undefined>;
  /** The object of that name in the tenant, or undefined. */
  getByName(name: string, opts?: ListOptions): Promise<Stored<T> | undefined>;
  /** The object; rejects with AVI_NOT_FOUND when it does not exist. */
  getByUuid(uuid: string, opts?: ReadOptions): Promise<Stored<T>>;
}

export interface AviWriter<T extends AviObjectBase> extends AviReader<T> {
  /** Rejects with AVI_CONFLICT carrying `existing` when the name is taken. */
  create(obj: T, opts?: WriteOptions): Promise<Stored<T>>;
  /**
   * Full replace of the object named by `obj.uuid`. A `_last_modified` in `obj` makes the update
   * conditional: the controller answers 412 (AVI_PRECONDITION) when the object changed since.
   */
  update(obj: T & { uuid: string }, opts?: WriteOptions): Promise<Stored<T>>;
  patch(uuid: string, patch: AviPatch<T>, opts?: WriteOptions): Promise<Stored<T>>;
  delete(uuid: string, opts?: WriteOptions): Promise<void>;
}

const DEFAULT_PAGE_SIZE = 100;
/** Guards against a controller whose `next` never ends. */
const MAX_PAGES = 100_000;

/** The query of a `next` link: the text after `/api/<type>` (as AMKO re-issues it). */
export function nextQuery(next: string, type: string): Record<string, string> {
  const marker = `/api/${type}`;
  const at = next.indexOf(marker);
  const rest = at >= 0 ? next.slice(at + marker.length) : next;
  const q = rest.indexOf('?');
  return Object.fromEntries(new URLSearchParams(q >= 0 ? rest.slice(q + 1) : ''));
}

function readQuery(opts: ReadOptions): Record<string, QueryValue> {
  const query: Record<string, QueryValue> = {};
  if (opts.includeName !== false) query['include_name'] = '';
  if (opts.fields !== undefined && opts.fields.length > 0) query['fields'] = opts.fields.join(',');
  return query;
}

function listQuery(opts: ListOptions): Record<string, QueryValue> {
  const query: Record<string, QueryValue> = { ...readQuery(opts), ...opts.query };
  query['page_size'] = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  if (opts.name !== undefined) query['name'] = opts.name;
  if (opts.createdBy !== undefined) query['created_by'] = opts.createdBy;
  if (opts.isFederated !== undefined) query['is_federated'] = opts.isFederated;
  if (opts.uuid !== undefined) query['uuid'] = opts.uuid;
  return query;
}

function withoutUrl<T extends AviObjectBase>(obj: T): Omit<T, 'url'> {
  const copy = { ...obj };
  delete copy.url;
  return copy;
}

export class AviResource<T extends AviObjectBase> implements AviWriter<T> {
  readonly type: AviObjectType;
  readonly #request: RequestFn;

  constructor(deps: { type: AviObjectType; request: RequestFn }) {
    this.type = deps.type;
    this.#request = deps.request;
  }

  async *pages(opts: ListOptions = {}): AsyncGenerator<Stored<T>[], void, undefined> {
    let query: Record<string, QueryValue> = listQuery(opts);
    const seen = new Set<string>();
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await this.#request<AviCollection<Stored<T>>>({
        method: 'GET',
        path: `/api/${this.type}`,
        query,
        tenant: opts.tenant,
        signal: opts.signal,
      });
      yield res.body.results;
      const next = res.body.next;
      if (next === undefined || next === '') return;
      if (seen.has(next)) break;
      seen.add(next);
      query = nextQuery(next, this.type);
    }
    throw new AviError({
      code: 'AVI_UNAVAILABLE',
      retry: 'slow',
      method: 'GET',
      path: `/api/${this.type}`,
      detail: 'the controller returned a pagination loop',
    });
  }

  async list(opts: ListOptions = {}): Promise<Stored<T>[]> {
    const all: Stored<T>[] = [];
    for await (const page of this.pages(opts)) all.push(...page);
    return all;
  }

  async getByName(name: string, opts: ListOptions = {}): Promise<Stored<T> | undefined> {
    for await (const page of this.pages({ ...opts, name })) return page[0];
    return undefined;
  }

  async getByUuid(uuid: string, opts: ReadOptions = {}): Promise<Stored<T>> {
    const res = await this.#request<Stored<T>>({
      method: 'GET',
      path: `/api/${this.type}/${encodeURIComponent(uuid)}`,
      query: readQuery(opts),
      tenant: opts.tenant,
      signal: opts.signal,
    });
    return res.body;
  }

  async create(obj: T, opts: WriteOptions = {}): Promise<Stored<T>> {
    try {
      return await this.#write('POST', `/api/${this.type}`, withoutUrl(obj), opts);
    } catch (err) {
      if (!(err instanceof AviError) || err.code !== 'AVI_CONFLICT') throw err;
      const existing = await this.getByName(obj.name, { ...opts }).catch(() => undefined);
      throw existing === undefined ? err : err.withExisting(existing);
    }
  }

  update(obj: T & { uuid: string }, opts: WriteOptions = {}): Promise<Stored<T>> {
    return this.#write('PUT', this.#objectPath(obj.uuid), withoutUrl(obj), opts);
  }

  patch(uuid: string, patch: AviPatch<T>, opts: WriteOptions = {}): Promise<Stored<T>> {
    return this.#write('PATCH', this.#objectPath(uuid), patch, opts);
  }

  async delete(uuid: string, opts: WriteOptions = {}): Promise<void> {
    await this.#request<unknown>({
      method: 'DELETE',
      path: this.#objectPath(uuid),
      tenant: opts.tenant,
      signal: opts.signal,
    });
  }

  #objectPath(uuid: string): string {
    return `/api/${this.type}/${encodeURIComponent(uuid)}`;
  }

  async #write(
    method: 'POST' | 'PUT' | 'PATCH',
    path: string,
    body: unknown,
    opts: WriteOptions,
  ): Promise<Stored<T>> {
    const res = await this.#request<Stored<T>>({
      method,
      path,
      body,
      tenant: opts.tenant,
      signal: opts.signal,
    });
    return res.body;
  }
}
