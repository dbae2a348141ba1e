/**
 * Fault injection rules (avi-rest-api.md §7.5): a match on method, object type, path pattern,
 * tenant or body text; an effect of a status and body, added latency, a connection reset or a
 * request that never gets an answer; limited by a count or a probability. Bad answers (a raw
 * body such as an HTML page or broken JSON, an object without a field, a `next` link that loops,
 * an oversized body) either replace the request or, with `apply`, mangle the real reply of a
 * request the controller did carry out.
 */
import { SimError } from './sim-error.js';

export interface FaultMatch {
  method?: string;
  objectType?: string;
  /** A regular expression tested against the normalised path. */
  path?: string;
  /** Tenant header value (`*` included). */
  tenant?: string;
  bodyContains?: string;
  /** A regular expression tested against the User-Agent header (one client's requests only). */
  userAgent?: string;
}

export interface FaultEffect {
  status?: number;
  /** Reply body; a string becomes `{"error": text}`. Default `{"error": "injected fault"}`. */
  body?: unknown;
  latencyMs?: number;
  /** Destroy the connection without a reply. */
  reset?: boolean;
  /** Never reply; the client's own timeout ends the request. */
  timeout?: boolean;
  /** Reply with this text verbatim (an HTML page, truncated JSON); status default 200. */
  rawBody?: string;
  /** Content-Type of a `rawBody` reply (default `text/html; charset=utf-8`). */
  contentType?: string;
  /**
   * Carry the request out first; the effect then changes the real reply (the status defaults to
   * the real one). Implied by `dropField`, `nextLoop` and `bodyBytes`.
   */
  apply?: boolean;
  /** Remove this field from the reply object, or from every object of a collection's results. */
  dropField?: string;
  /**
   * A collection page without `next` gets one anyway: to itself (`self`) or to page 1 (`first`),
   * so a client following `next` would go round for ever.
   */
  nextLoop?: NextLoop;
  /** Pad the JSON reply (a `_padding` string field) to this many bytes, streamed in chunks. */
  bodyBytes?: number;
  /** With `bodyBytes`: announce the size in `Content-Length` (default: chunked, no length). */
  declareLength?: boolean;
}

export type NextLoop = 'self' | 'first';

/** Largest `bodyBytes` the simulator streams. */
export const MAX_FAULT_BODY_BYTES = 1024 * 1024 * 1024;

/** True when the effect changes the reply of a request the controller carries out. */
export function mangles(effect: FaultEffect): boolean {
  return (
    effect.apply === true ||
    effect.dropField !== undefined ||
    effect.nextLoop !== undefined ||
    effect.bodyBytes !== undefined
  );
}

export interface FaultRule {
  id: string;
  match: FaultMatch;
  effect: FaultEffect;
  /** Applications left; absent means unlimited. */
  remaining?: number;
  probability: number;
  hits: number;
}

/** What a rule is matched against. */
export interface FaultTarget {
  method: string;
  path: string;
  objectType: string;
  tenant: string | undefined;
  bodyText: string;
  userAgent?: string | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function optionalString(
  obj: Record<string, unknown>,
  key: string,
  part: 'match' | 'effect' = 'match',
): string | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new SimError(400, `fault ${part}.${key} must be a string`);
  return value;
}

function parseMatch(raw: unknown): FaultMatch {
  if (raw === undefined) return {};
  if (!isObject(raw)) throw new SimError(400, 'fault match must be an object');
  const match: FaultMatch = {};
  for (const key of [
    'method',
    'objectType',
    'path',
    'tenant',
    'bodyContains',
    'userAgent',
  ] as const) {
    const value = optionalString(raw, key);
    if (value !== undefined) match[key] = key === 'method' ? value.toUpperCase() : value;
  }
  for (const key of ['path', 'userAgent'] as const) {
    const re = match[key];
    if (re === undefined) continue;
    try {
      new RegExp(re);
    } catch {
      throw new SimError(400, `fault match.${key} is not a regular expression: ${re}`);
    }
  }
  return match;
}

function httpStatus(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || Number(value) < 100 || Number(value) > 599) {
    throw new SimError(400, 'fault effect.status must be an HTTP status');
  }
  return Number(value);
}

function latency(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || value < 0) {
    throw new SimError(400, 'fault effect.latencyMs must be a non-negative number');
  }
  return value;
}

function bodyBytes(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || Number(value) < 0 || Number(value) > MAX_FAULT_BODY_BYTES) {
    throw new SimError(
      400,
      `fault effect.bodyBytes must be an integer within 0-${MAX_FAULT_BODY_BYTES}`,
    );
  }
  return Number(value);
}

function nextLoop(value: unknown): NextLoop | undefined {
  if (value === undefined) return undefined;
  if (value !== 'self' && value !== 'first') {
    throw new SimError(400, 'fault effect.nextLoop must be "self" or "first"');
  }
  return value;
}

/** A copy of `obj` without its undefined values. */
function defined<T extends object>(obj: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** The bad-answer part of an effect (rawBody, contentType, apply, dropField, nextLoop, bodyBytes). */
function parseBadAnswer(raw: Record<string, unknown>): FaultEffect {
  const effect = defined<FaultEffect>({
    rawBody: optionalString(raw, 'rawBody', 'effect'),
    contentType: optionalString(raw, 'contentType', 'effect'),
    apply: raw['apply'] === true ? true : undefined,
    dropField: optionalString(raw, 'dropField', 'effect'),
    nextLoop: nextLoop(raw['nextLoop']),
    bodyBytes: bodyBytes(raw['bodyBytes']),
    declareLength: raw['declareLength'] === true ? true : undefined,
  });
  if (effect.contentType !== undefined && effect.rawBody === undefined) {
    throw new SimError(400, 'fault effect.contentType needs effect.rawBody');
  }
  if (effect.rawBody !== undefined && effect.bodyBytes !== undefined) {
    throw new SimError(400, 'fault effect.rawBody and effect.bodyBytes exclude each other');
  }
  return effect;
}

const NOT_AN_EFFECT_ALONE: readonly string[] = Object.freeze([
  'body',
  'contentType',
  'apply',
  'declareLength',
]);

function parseEffect(raw: unknown): FaultEffect {
  if (!isObject(raw)) throw new SimError(400, 'fault effect must be an object');
  const status = httpStatus(raw['status']);
  const latencyMs = latency(raw['latencyMs']);
  const effect: FaultEffect = {
    ...(status === undefined ? {} : { status }),
    ...(latencyMs === undefined ? {} : { latencyMs }),
    ...(raw['reset'] === true ? { reset: true } : {}),
    ...(raw['timeout'] === true ? { timeout: true } : {}),
    ...(raw['body'] === undefined ? {} : { body: raw['body'] }),
    ...parseBadAnswer(raw),
  };
  if (Object.keys(effect).filter((k) => !NOT_AN_EFFECT_ALONE.includes(k)).length === 0) {
    throw new SimError(
      400,
      'fault effect needs status, latencyMs, reset, timeout, rawBody, dropField, nextLoop or bodyBytes',
    );
  }
  return effect;
}

export class Faults {
  readonly #random: () => number;
  readonly #rules: FaultRule[] = [];
  #nextId = 1;

  constructor(deps: { random: () => number }) {
    this.#random = deps.random;
  }

  /** Validates and adds a rule given as JSON; returns it with its id. */
  add(input: unknown): FaultRule {
    if (!isObject(input)) throw new SimError(400, 'fault rule must be an object');
    const { count, probability } = input;
    if (count !== undefined && (!Number.isInteger(count) || Number(count) < 1)) {
      throw new SimError(400, 'fault count must be a positive integer');
    }
    if (
      probability !== undefined &&
      (typeof probability !== 'number' || probability < 0 || probability > 1)
    ) {
      throw new SimError(400, 'fault probability must be within 0-1');
    }
    const rule: FaultRule = {
      id: `fault-${this.#nextId++}`,
      match: parseMatch(input['match']),
      effect: parseEffect(input['effect']),
      probability: probability ?? 1,
      hits: 0,
    };
    if (count !== undefined) rule.remaining = Number(count);
    this.#rules.push(rule);
    return rule;
  }

  /** Removes one rule, or all of them; returns how many were removed. */
  clear(id?: string): number {
    const before = this.#rules.length;
    const keep = id === undefined ? [] : this.#rules.filter((r) => r.id !== id);
    this.#rules.splice(0, this.#rules.length, ...keep);
    return before - this.#rules.length;
  }

  list(): FaultRule[] {
    return this.#rules.map((r) => structuredClone(r));
  }

  /** The first rule that applies to the request, consuming one of its applications. */
  take(target: FaultTarget): FaultRule | undefined {
    for (const rule of this.#rules) {
      if (rule.remaining === 0 || !matches(rule.match, target)) continue;
      if (rule.probability < 1 && this.#random() >= rule.probability) continue;
      if (rule.remaining !== undefined) rule.remaining--;
      rule.hits++;
      return rule;
    }
    return undefined;
  }
}

function matches(match: FaultMatch, target: FaultTarget): boolean {
  if (match.method !== undefined && match.method !== target.method) return false;
  if (match.objectType !== undefined && match.objectType !== target.objectType) return false;
  if (match.path !== undefined && !new RegExp(match.path).test(target.path)) return false;
  if (match.tenant !== undefined && match.tenant !== (target.tenant ?? 'admin')) return false;
  if (match.bodyContains !== undefined && !target.bodyText.includes(match.bodyContains)) {
    return false;
  }
  if (match.userAgent !== undefined && !new RegExp(match.userAgent).test(target.userAgent ?? '')) {
    return false;
  }
  return true;
}
