/**
 * Typed operations on one object type: get by name or uuid, list (all pages, following `next`),
 * create, full update (PUT), patch and delete, each in a tenant.
 */
import { AviError } from './avi-error.js';
import { badReply, type ReplyShape } from './reply-body.js';
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
  /** The shape a 2xx body must have (default `any`); otherwise the call fails AVI_BAD_REPLY. */
  expect?: ReplyShape;
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
  /**
   * `list` only: pages read at once (default 1, each page in turn). Above 1, the first page's
   * `count` says how many pages there are and the rest are read concurrently by number.
   */
  pagesInFlight?: number;
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

/**
 * Most pages one list follows by default: 500,000 objects at amko's page size of 100, ten times
 * the largest deployment we size for; a longer `next` chain is treated as a controller fault.
 */
export const DEFAULT_MAX_PAGES = 5_000;

/** One page's query in a canonical form (sorted, `page` 1 when absent), to recognise a revisit. */
export function pageKey(query: Readonly<Record<string, QueryValue>>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) params.set(key, String(value));
  if (!params.has('page')) params.set('page', '1');
  params.sort();
  return params.toString();
}

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

function uniqueByUuid<T extends { uuid: string }>(all: T[]): T[] {
  const seen = new Set<string>();
  return all.filter((o) => {
    if (seen.has(o.uuid)) return false;
    seen.add(o.uuid);
    return true;
  });
}

function withoutUrl<T extends AviObjectBase>(obj: T): Omit<T, 'url'> {
  const copy = { ...obj };
  delete copy.url;
  return copy;
}

export class AviResource<T extends AviObjectBase> implements AviWriter<T> {
  readonly type: AviObjectType;
  readonly #request: RequestFn;
  readonly #maxPages: number;

  /** `maxPages`: most pages one list follows (default `DEFAULT_MAX_PAGES`). */
  constructor(deps: { type: AviObjectType; request: RequestFn; maxPages?: number }) {
    this.type = deps.type;
    this.#request = deps.request;
    this.#maxPages = deps.maxPages ?? DEFAULT_MAX_PAGES;
  }

  /**
   * Each page in turn, following `next`. A `next` that leads back to a page already read (a loop)
   * or a chain longer than `maxPages` fails with AVI_BAD_REPLY before any page is read twice.
   */
  pages(opts: ListOptions = {}): AsyncGenerator<Stored<T>[], void, undefined> {
    return this.#follow(listQuery(opts), opts, new Map(), 1);
  }

  async *#follow(
    start: Record<string, QueryValue>,
    opts: ListOptions,
    seen: Map<string, number>,
    firstPage: number,
  ): AsyncGenerator<Stored<T>[], void, undefined> {
    let query = start;
    for (let page = firstPage; ; page++) {
      const key = pageKey(query);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        throw this.#badList(
          `pagination loop: the next link of page ${page - 1} leads back to page ${earlier} (${key})`,
        );
      }
      if (page > this.#maxPages) {
        throw this.#badList(`pagination did not end within ${this.#maxPages} pages (maxPages)`);
      }
      seen.set(key, page);
      const body = await this.#page(query, opts);
      yield body.results;
      const next = body.next;
      if (typeof next !== 'string' || next === '') return;
      query = nextQuery(next, this.type);
    }
  }

  async #page(
    query: Record<string, QueryValue>,
    opts: ListOptions,
  ): Promise<AviCollection<Stored<T>>> {
    const res = await this.#request<AviCollection<Stored<T>>>({
      method: 'GET',
      path: `/api/${this.type}`,
      query,
      tenant: opts.tenant,
      signal: opts.signal,
      expect: 'collection',
    });
    return res.body;
  }

  #badList(detail: string): AviError {
    return badReply({ method: 'GET', path: `/api/${this.type}` }, detail, { retry: 'slow' });
  }

  /** Every object of the collection: page by page in turn, or by number (`pagesInFlight`). */
  async list(opts: ListOptions = {}): Promise<Stored<T>[]> {
    const inFlight = Math.floor(opts.pagesInFlight ?? 1);
    if (inFlight > 1) return this.#listByNumber(opts, inFlight);
    const all: Stored<T>[] = [];
    for await (const page of this.pages(opts)) all.push(...page);
    return all;
  }

  /** Page 2's query and the page count, when page 1's `next` is page 2 of a known size. */
  #numbered(first: AviCollection<unknown>): {
    second?: Record<string, string> | undefined;
    total: number;
  } {
    const next = first.next;
    if (typeof next !== 'string' || next === '') return { total: 1 };
    const second = nextQuery(next, this.type);
    const size = Number(second['page_size']);
    if (second['page'] !== '2' || !Number.isInteger(size) || size <= 0) return { total: 1 };
    const total = Math.ceil(first.count / size);
    return total > 1 ? { second, total } : { total: 1 };
  }

  /**
   * Reads page 1, then pages 2..⌈count / size⌉ with up to `inFlight` requests at once, each the
   * query of page 1's `next` with its page number. A collection that grew meanwhile (the last page
   * still has a `next`) is followed on in turn; one whose first `next` is not page 2 of a known
   * size is followed in turn from there. An object seen on two pages (the collection shifted under
   * a delete) is kept once.
   */
  async #listByNumber(opts: ListOptions, inFlight: number): Promise<Stored<T>[]> {
    const firstQuery = listQuery(opts);
    const first = await this.#page(firstQuery, opts);
    const pages: Stored<T>[][] = [first.results];
    const seen = new Map<string, number>([[pageKey(firstQuery), 1]]);
    let next = first.next;
    const { second, total } = this.#numbered(first);
    if (second !== undefined) {
      if (total > this.#maxPages) {
        throw this.#badList(`count ${first.count} needs more than ${this.#maxPages} pages`);
      }
      let taken = 1;
      let lastNext: string | undefined;
      const worker = async (): Promise<void> => {
        while (taken < total) {
          const n = ++taken;
          const query = { ...second, page: String(n) };
          seen.set(pageKey(query), n);
          const body = await this.#page(query, opts);
          pages[n - 1] = body.results;
          if (n === total) lastNext = body.next;
        }
      };
      await Promise.all(Array.from({ length: Math.min(inFlight, total - 1) }, worker));
      next = lastNext;
    }
    if (typeof next === 'string' && next !== '') {
      const rest = this.#follow(nextQuery(next, this.type), opts, seen, pages.length + 1);
      for await (const page of rest) pages.push(page);
    }
    return uniqueByUuid(pages.flat());
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
      expect: 'object',
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
      expect: 'object',
    });
    return res.body;
  }
}
