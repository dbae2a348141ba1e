/**
 * Collection semantics (avi-rest-api.md §3): filters, `fields`, paging and the envelope.
 * Pure: the caller passes the candidate objects in creation order and the rendering base URL.
 */
import { flagSet } from './refs.js';
import { SimError } from './sim-error.js';

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 200;

/** Identity fields `fields=` always keeps. */
const ALWAYS_KEPT = Object.freeze(['uuid', 'url', 'name']);

export interface CollectionPage {
  count: number;
  results: Record<string, unknown>[];
  next?: string;
}

/**
 * The filter of a query: `name`, `uuid`, `created_by` and `is_federated` (missing field counts as
 * false). The query is read once, not once per object of the collection.
 */
export function queryFilter(query: URLSearchParams): (obj: Record<string, unknown>) => boolean {
  const name = query.get('name');
  const uuid = query.get('uuid');
  const createdBy = query.get('created_by');
  const federated = query.get('is_federated');
  const wantFederated = federated === null ? undefined : federated.toLowerCase() === 'true';
  return (obj) =>
    (name === null || obj['name'] === name) &&
    (uuid === null || obj['uuid'] === uuid) &&
    (createdBy === null || obj['created_by'] === createdBy) &&
    (wantFederated === undefined || (obj['is_federated'] === true) === wantFederated);
}

/** Whether one object passes the query's filter (`queryFilter`). */
export function matchesQuery(obj: Record<string, unknown>, query: URLSearchParams): boolean {
  return queryFilter(query)(obj);
}

/** The fields kept under `fields=a,b` (with uuid, url and name); undefined without `fields`. */
export function fieldsOf(query: URLSearchParams): ReadonlySet<string> | undefined {
  const fields = query.get('fields');
  if (fields === null || fields === '') return undefined;
  return new Set([...ALWAYS_KEPT, ...fields.split(',').map((f) => f.trim())]);
}

/** Keeps only the fields named in `fields=a,b` (plus uuid, url, name); no `fields` → unchanged. */
export function projectFields(
  obj: Record<string, unknown>,
  query: URLSearchParams,
): Record<string, unknown> {
  const keep = fieldsOf(query);
  if (keep === undefined) return obj;
  return Object.fromEntries(Object.entries(obj).filter(([key]) => keep.has(key)));
}

function positiveInt(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new SimError(400, `Invalid ${name} ${raw}: must be a positive integer`);
  }
  return value;
}

/** The `page` and effective `page_size` of a query (size capped at 200). */
export function pageOf(query: URLSearchParams): { page: number; size: number } {
  const size = Math.min(positiveInt(query, 'page_size', DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE);
  return { page: positiveInt(query, 'page', 1), size };
}

/** The absolute URL of the next page: same query, `page` incremented, parameters sorted. */
export function nextPageUrl(
  base: string,
  type: string,
  query: URLSearchParams,
  page: number,
): string {
  const next = new URLSearchParams(query);
  next.set('page', String(page + 1));
  next.sort();
  return `${base}/api/${type}?${next.toString()}`;
}

/**
 * One page of a collection. `all` are the visible stored objects in creation order; filters apply
 * to their stored bodies, and only the page is rendered (`view`) and projected.
 */
export function collectionPage<T extends { body: Record<string, unknown> }>(
  all: readonly T[],
  query: URLSearchParams,
  link: { base: string; type: string },
  view: (obj: T) => Record<string, unknown>,
): CollectionPage {
  return pageOfMatching(filterCollection(all, query), query, link, view);
}

/** The objects of `all` that pass the query's filter, in their order. */
export function filterCollection<T extends { body: Record<string, unknown> }>(
  all: readonly T[],
  query: URLSearchParams,
): T[] {
  const matches = queryFilter(query);
  return all.filter((obj) => matches(obj.body));
}

/** The filter parameters of a query, as a key: equal keys select the same objects. */
export function filterKey(query: URLSearchParams): string {
  return JSON.stringify(FILTERS.map((f) => query.get(f)));
}

const FILTERS = Object.freeze(['name', 'uuid', 'created_by', 'is_federated']);

/** One page of objects that already passed the query's filter (`filterCollection`). */
export function pageOfMatching<T>(
  matching: readonly T[],
  query: URLSearchParams,
  link: { base: string; type: string },
  view: (obj: T) => Record<string, unknown>,
): CollectionPage {
  const { page, size } = pageOf(query);
  const start = (page - 1) * size;
  const results = matching.slice(start, start + size).map((obj) => projectFields(view(obj), query));
  const body: CollectionPage = { count: matching.length, results };
  if (start + size < matching.length) body.next = nextPageUrl(link.base, link.type, query, page);
  return body;
}

/** True when the query asks for `#name` on urls and refs. */
export function includeName(query: URLSearchParams): boolean {
  return flagSet(query, 'include_name');
}
