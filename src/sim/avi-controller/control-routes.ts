/**
 * The control API under `/_sim/` (not part of Avi's API; no session needed). Each route maps to
 * one `SimControl` method; see the simulator's README for examples.
 */
import type { SimControl } from './control.js';
import { parseSeed } from './seed.js';
import { NOT_FOUND_RESOURCE, SimError } from './sim-error.js';
import type { SimReply, SimRequest } from './sim-request.js';

type Body = Record<string, unknown>;
type Handler = (control: SimControl, req: SimRequest) => SimReply;

const ok = (body: unknown): SimReply => ({ status: 200, body });

function bodyOf(req: SimRequest): Body {
  const body = req.body ?? {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new SimError(400, 'body must be an object');
  return body as Body;
}

function boolField(req: SimRequest, key: string): boolean {
  const value = bodyOf(req)[key];
  if (typeof value !== 'boolean') throw new SimError(400, `body must hold {"${key}": true|false}`);
  return value;
}

function stringField(req: SimRequest, key: string): string {
  const value = bodyOf(req)[key];
  if (typeof value !== 'string' || value === '') throw new SimError(400, `body must hold "${key}"`);
  return value;
}

const optional = (q: URLSearchParams, key: string): Record<string, string> => {
  const value = q.get(key);
  return value === null ? {} : { [key]: value };
};

function addFaults(control: SimControl, req: SimRequest): SimReply {
  const rules = Array.isArray(req.body) ? (req.body as unknown[]) : [req.body];
  return ok({ faults: rules.map((rule) => control.addFault(rule)) });
}

function journal(control: SimControl, req: SimRequest): SimReply {
  const since = req.query.get('since');
  return ok({
    entries: control.journal({
      ...(since === null ? {} : { since: Number(since) }),
      ...optional(req.query, 'method'),
      ...optional(req.query, 'objectType'),
    }),
  });
}

const ROUTES: Readonly<Record<string, Handler>> = Object.freeze({
  'POST /_sim/reset': (c, r) => {
    c.reset({ empty: bodyOf(r)['empty'] === true });
    return ok({ reset: true });
  },
  'POST /_sim/seed': (c, r) => {
    c.seed(parseSeed(r.body));
    return ok({ seeded: true });
  },
  'GET /_sim/objects': (c, r) =>
    ok({ objects: c.objects({ ...optional(r.query, 'type'), ...optional(r.query, 'tenant') }) }),
  'POST /_sim/faults': addFaults,
  'GET /_sim/faults': (c) => ok({ faults: c.faults() }),
  'DELETE /_sim/faults': (c, r) => {
    const id = r.query.get('id');
    return ok({ removed: c.clearFaults(id ?? undefined) });
  },
  'POST /_sim/sessions/expire': (c) => ok({ expired: c.expireSessions() }),
  'POST /_sim/leader': (c, r) => {
    const leader = boolField(r, 'leader');
    c.setLeader(leader);
    return ok({ leader });
  },
  'POST /_sim/maintenance': (c, r) => {
    const maintenance = boolField(r, 'maintenance');
    c.setMaintenance(maintenance);
    return ok({ maintenance });
  },
  'GET /_sim/stats': (c) => ok(c.stats()),
  'GET /_sim/journal': journal,
  'DELETE /_sim/journal': (c) => {
    c.clearJournal();
    return ok({ cleared: true });
  },
  'POST /_sim/logins/reject': (c, r) => {
    const count = bodyOf(r)['count'];
    if (!Number.isInteger(count) || Number(count) < 0) throw new SimError(400, 'count must be ≥ 0');
    c.rejectNextLogins(Number(count));
    return ok({ rejectNext: count });
  },
  'POST /_sim/password': (c, r) => {
    c.setPassword(stringField(r, 'username'), stringField(r, 'password'));
    return ok({ changed: true });
  },
  'POST /_sim/touch': (c, r) =>
    ok({ _last_modified: c.touch(stringField(r, 'type'), stringField(r, 'uuid')) }),
});

/** Serves one `/_sim/` request; `certificate` is the PEM served by `GET /_sim/certificate`. */
export function handleControl(
  control: SimControl,
  req: SimRequest,
  certificate: string | undefined,
): SimReply {
  if (req.method === 'GET' && req.path === '/_sim/certificate') {
    if (certificate === undefined) throw new SimError(404, 'the simulator is not serving TLS');
    return { status: 200, body: certificate };
  }
  const handler = ROUTES[`${req.method} ${req.path}`];
  if (handler === undefined) throw new SimError(404, NOT_FOUND_RESOURCE);
  return handler(control, req);
}
