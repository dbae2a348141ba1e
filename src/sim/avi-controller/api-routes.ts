/**
 * The `/api/…` endpoints (avi-rest-api.md §5): collections and single objects per type, writes,
 * and the fixed documents (`initial-data`, `cluster`, `cluster/status`).
 */
import { LRUCache } from 'lru-cache';
import {
  fieldsOf,
  filterCollection,
  filterKey,
  includeName,
  pageOfMatching,
  projectFields,
} from './collection.js';
import type { Controller } from './controller.js';
import { typeInfo } from './object-types.js';
import { renderObject } from './render.js';
import { NOT_FOUND_RESOURCE, SimError } from './sim-error.js';
import { headerOf, type SimReply, type SimRequest } from './sim-request.js';
import type { StoredObject } from './store.js';
import type { TenantScope } from './tenancy.js';

/** Build number reported next to the version. */
export const CONTROLLER_BUILD = 9021;

type Body = Record<string, unknown>;

function requireBody(req: SimRequest): Body {
  const body = req.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new SimError(400, 'Request body must be a JSON object');
  }
  return body as Body;
}

function notAllowed(method: string): never {
  throw new SimError(405, `Method "${method}" not allowed.`);
}

export class ApiRoutes {
  readonly #controller: Controller;
  readonly #now: () => number;
  /**
   * The filtered objects of recent list queries, for the store generation they were read at: the
   * pages of one list (read in turn or several at once) filter the collection once, not per page.
   */
  readonly #selections = new LRUCache<string, { generation: number; matching: StoredObject[] }>({
    max: 16,
  });

  constructor(deps: { controller: Controller; now: () => number }) {
    this.#controller = deps.controller;
    this.#now = deps.now;
  }

  handle(req: SimRequest): SimReply {
    const [type = '', id, extra] = req.path.split('/').slice(2);
    if (type === 'initial-data') return this.#initialData(req);
    if (type === 'cluster') return this.#cluster(req, id);
    if (typeInfo(type) === undefined || extra !== undefined) {
      throw new SimError(404, NOT_FOUND_RESOURCE);
    }
    const scope = this.#controller.tenancy.scopeOf({
      name: headerOf(req.headers, 'x-avi-tenant'),
      uuid: headerOf(req.headers, 'x-avi-tenant-uuid'),
    });
    if (req.method === 'GET')
      return id === undefined ? this.#list(req, type, scope) : this.#get(req, type, id, scope);
    return this.#write(req, { type, id, scope });
  }

  /** The wire form of `obj`; under `fields=` (reads only) just the fields asked for. */
  #render(req: SimRequest, obj: StoredObject, withName: boolean): Body {
    return renderObject(this.#controller.store, obj, {
      base: req.base,
      includeName: withName,
      fields: req.method === 'GET' ? fieldsOf(req.query) : undefined,
    });
  }

  #initialData(req: SimRequest): SimReply {
    if (req.method !== 'GET') notAllowed(req.method);
    const date = new Date(this.#now()).toISOString().replace(/\.\d+Z$/, '+00:00');
    return {
      status: 200,
      body: {
        version: { Version: this.#controller.version, build: CONTROLLER_BUILD, Date: date },
        user_initial_setup: false,
      },
    };
  }

  #cluster(req: SimRequest, id: string | undefined): SimReply {
    if (req.method !== 'GET') notAllowed(req.method);
    if (id === 'status')
      return { status: 200, body: { cluster_state: { state: 'CLUSTER_UP_NO_HA' } } };
    const cluster = this.#controller.cluster();
    if (id !== undefined || cluster === undefined) throw new SimError(404, NOT_FOUND_RESOURCE);
    const rendered = this.#render(req, cluster, includeName(req.query));
    return { status: 200, body: projectFields(rendered, req.query) };
  }

  #list(req: SimRequest, type: string, scope: TenantScope): SimReply {
    const name = req.query.get('name');
    const tenants = this.#controller.tenancy.visibleTenants(type, scope, name !== null);
    const withName = includeName(req.query);
    const page = pageOfMatching(
      this.#matching(req.query, type, tenants, name),
      req.query,
      { base: req.base, type },
      (obj) => this.#render(req, obj, withName),
    );
    return { status: 200, body: page };
  }

  #matching(
    query: URLSearchParams,
    type: string,
    tenants: ReadonlySet<string> | undefined,
    name: string | null,
  ): StoredObject[] {
    const store = this.#controller.store;
    const key = JSON.stringify([type, tenants && [...tenants].sort(), filterKey(query)]);
    const hit = this.#selections.get(key);
    if (hit?.generation === store.generation) return hit.matching;
    const matching = filterCollection(store.select(type, tenants, name), query);
    this.#selections.set(key, { generation: store.generation, matching });
    return matching;
  }

  #get(req: SimRequest, type: string, id: string, scope: TenantScope): SimReply {
    const obj = this.#controller.find(type, id, scope);
    return {
      status: 200,
      body: projectFields(this.#render(req, obj, includeName(req.query)), req.query),
    };
  }

  #write(
    req: SimRequest,
    target: { type: string; id: string | undefined; scope: TenantScope },
  ): SimReply {
    const { type, id, scope } = target;
    const method = req.method;
    const allowed = typeInfo(type)?.writes ?? [];
    if (!allowed.some((m) => m === method)) notAllowed(method);
    if (method === 'POST') {
      if (id !== undefined) notAllowed(method);
      const created = this.#controller.create(type, scope, requireBody(req));
      return { status: 201, body: this.#render(req, created, true) };
    }
    if (id === undefined) notAllowed(method);
    if (method === 'DELETE') {
      this.#controller.remove(type, id, scope);
      return { status: 204 };
    }
    const updated =
      method === 'PUT'
        ? this.#controller.update(type, id, scope, requireBody(req))
        : this.#controller.patch(type, id, scope, requireBody(req));
    return { status: 200, body: this.#render(req, updated, true) };
  }
}
