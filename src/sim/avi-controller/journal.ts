/**
 * Request accounting (avi-rest-api.md §7.4): every API request with its headers of interest,
 * body, status and latency, plus counters per (method, object type, status).
 */

import { headerOf, objectTypeOf, type SimRequest } from './sim-request.js';

export interface JournalEntry {
  /** 1-based position, for `?since=` reads. */
  seq: number;
  /** ISO-8601 time the request arrived. */
  time: string;
  method: string;
  /** Normalised path. */
  path: string;
  query: Record<string, string>;
  objectType: string;
  tenant: string | null;
  version: string | null;
  aviUserAgent: string | null;
  userAgent: string | null;
  body?: unknown;
  /** HTTP status; 0 when the connection was reset or never answered. */
  status: number;
  /**
   * When the request arrived on the simulator's monotonic clock (ms since it started, to the
   * microsecond). `latencyMs` runs on the same clock: [arrivedMs, arrivedMs + latencyMs] is when
   * the simulator was serving it (`time`, on the wall clock, is read a moment apart).
   */
  arrivedMs: number;
  latencyMs: number;
  /** Id of the fault rule that shaped the reply. */
  fault?: string;
}

export interface StatsCount {
  method: string;
  objectType: string;
  status: number;
  count: number;
}

export interface SimStats {
  total: number;
  byMethod: Record<string, number>;
  byObjectType: Record<string, number>;
  byStatus: Record<string, number>;
  counts: StatsCount[];
}

export interface JournalFilter {
  since?: number;
  method?: string;
  objectType?: string;
}

const bump = (map: Record<string, number>, key: string, n: number): void => {
  map[key] = (map[key] ?? 0) + n;
};

export class Journal {
  readonly #limit: number;
  readonly #entries: JournalEntry[] = [];
  readonly #counts = new Map<string, StatsCount>();
  #seq = 0;

  constructor(deps: { limit: number }) {
    this.#limit = deps.limit;
  }

  record(entry: Omit<JournalEntry, 'seq'>): JournalEntry {
    const full: JournalEntry = { seq: ++this.#seq, ...entry };
    this.#entries.push(full);
    if (this.#entries.length > this.#limit)
      this.#entries.splice(0, this.#entries.length - this.#limit);
    const key = `${entry.method} ${entry.objectType} ${entry.status}`;
    const count = this.#counts.get(key);
    if (count === undefined) {
      this.#counts.set(key, {
        method: entry.method,
        objectType: entry.objectType,
        status: entry.status,
        count: 1,
      });
    } else {
      count.count++;
    }
    return full;
  }

  entries(filter: JournalFilter = {}): JournalEntry[] {
    return this.#entries.filter(
      (e) =>
        (filter.since === undefined || e.seq > filter.since) &&
        (filter.method === undefined || e.method === filter.method.toUpperCase()) &&
        (filter.objectType === undefined || e.objectType === filter.objectType),
    );
  }

  stats(): SimStats {
    const stats: SimStats = { total: 0, byMethod: {}, byObjectType: {}, byStatus: {}, counts: [] };
    for (const count of this.#counts.values()) {
      stats.counts.push({ ...count });
      stats.total += count.count;
      bump(stats.byMethod, count.method, count.count);
      bump(stats.byObjectType, count.objectType, count.count);
      bump(stats.byStatus, String(count.status), count.count);
    }
    return stats;
  }

  clear(): void {
    this.#entries.length = 0;
    this.#counts.clear();
    this.#seq = 0;
  }
}

function redactBody(path: string, body: unknown): unknown {
  if (path !== '/login' || body === null || typeof body !== 'object') return body;
  const copy = { ...(body as Record<string, unknown>) };
  for (const key of ['password', 'token']) if (key in copy) copy[key] = '[redacted]';
  return copy;
}

/** The journal entry of a request (login secrets redacted). */
export function journalEntry(
  req: SimRequest,
  outcome: {
    time: string;
    status: number;
    arrivedMs: number;
    latencyMs: number;
    fault: string | undefined;
  },
): Omit<JournalEntry, 'seq'> {
  const header = (name: string): string | null => headerOf(req.headers, name) ?? null;
  const entry: Omit<JournalEntry, 'seq'> = {
    time: outcome.time,
    method: req.method,
    path: req.path,
    query: Object.fromEntries(req.query),
    objectType: objectTypeOf(req.path),
    tenant: header('x-avi-tenant'),
    version: header('x-avi-version'),
    aviUserAgent: header('x-avi-useragent'),
    userAgent: header('user-agent'),
    status: outcome.status,
    arrivedMs: outcome.arrivedMs,
    latencyMs: outcome.latencyMs,
  };
  if (req.body !== undefined) entry.body = redactBody(req.path, req.body);
  if (outcome.fault !== undefined) entry.fault = outcome.fault;
  return entry;
}
