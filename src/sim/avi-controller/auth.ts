/**
 * Login, logout and per-request authentication as the controller enforces them
 * (avi-rest-api.md §2): session cookies, CSRF token on writes, Referer on HTTPS writes, optional
 * basic auth, 401 (or 419 with fresh cookies) for an expired session.
 */
import { createHash } from 'node:crypto';
import { CONTROLLER_BUILD } from './api-routes.js';
import type { Session, Sessions } from './sessions.js';
import {
  CSRF_FAILED,
  CSRF_NO_REFERER,
  INVALID_CREDENTIALS,
  NO_CREDENTIALS,
  SESSION_EXPIRED,
} from './sim-error.js';
import { headerOf, jsonError, type SimReply, type SimRequest } from './sim-request.js';

export interface AuthOptions {
  version: string;
  allowBasicAuth: boolean;
  /** Status for a request on an expired session: 401, or 419 with new cookies. */
  expiredSessionStatus: 401 | 419;
}

export type AuthResult = { ok: true } | { ok: false; reply: SimReply };

const MUTATING: readonly string[] = Object.freeze(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Cookies of a `Cookie` header. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

/** `Set-Cookie` values for a session; `Secure` only when serving HTTPS. */
export function sessionCookies(session: Session, secure: boolean): string[] {
  const tail = secure ? '; Secure' : '';
  return [
    `csrftoken=${session.csrf}; Path=/${tail}`,
    `sessionid=${session.id}; Path=/; HttpOnly${tail}`,
    `avi-sessionid=${session.id}; Path=/; HttpOnly${tail}`,
  ];
}

function userUuid(username: string): string {
  const h = createHash('sha1').update(username).digest('hex');
  return `user-${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class Auth {
  readonly #sessions: Sessions;
  readonly #opts: AuthOptions;

  constructor(deps: { sessions: Sessions; options: AuthOptions }) {
    this.#sessions = deps.sessions;
    this.#opts = deps.options;
  }

  /** `POST /login` with `{username, password}` or `{username, token}`. */
  login(req: SimRequest): SimReply {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const user = this.#sessions.authenticate(body['username'], {
      password: body['password'],
      token: body['token'],
    });
    if (user === undefined) return jsonError(401, INVALID_CREDENTIALS);
    const session = this.#sessions.create(user.username);
    return {
      status: 200,
      cookies: sessionCookies(session, req.secure),
      body: {
        user: { username: user.username, name: user.username, uuid: userUuid(user.username) },
        version: { Version: this.#opts.version, build: CONTROLLER_BUILD },
      },
    };
  }

  /** `POST /logout` ends the session. */
  logout(req: SimRequest): SimReply {
    const id = this.#sessionId(req);
    if (id !== undefined) this.#sessions.remove(id);
    return { status: 200, body: {} };
  }

  /** Decides whether an API request may proceed. */
  authorize(req: SimRequest): AuthResult {
    const basic = this.#basic(req);
    if (basic !== undefined) return basic;
    const found = this.#sessions.lookup(this.#sessionId(req));
    if (found.state === 'unknown') return { ok: false, reply: jsonError(401, NO_CREDENTIALS) };
    if (found.state === 'expired') return { ok: false, reply: this.#expired(req, found.username) };
    if (!MUTATING.includes(req.method)) return { ok: true };
    if (headerOf(req.headers, 'x-csrftoken') !== found.session.csrf) {
      return { ok: false, reply: jsonError(403, CSRF_FAILED) };
    }
    if (req.secure && headerOf(req.headers, 'referer') === undefined) {
      return { ok: false, reply: jsonError(403, CSRF_NO_REFERER) };
    }
    return { ok: true };
  }

  #sessionId(req: SimRequest): string | undefined {
    const cookies = parseCookies(headerOf(req.headers, 'cookie'));
    return cookies.get('avi-sessionid') ?? cookies.get('sessionid');
  }

  #expired(req: SimRequest, username: string): SimReply {
    if (this.#opts.expiredSessionStatus === 401) return jsonError(401, NO_CREDENTIALS);
    const session = this.#sessions.create(username);
    return { ...jsonError(419, SESSION_EXPIRED), cookies: sessionCookies(session, req.secure) };
  }

  /** Basic auth: accepted only when enabled; no cookies, no CSRF. */
  #basic(req: SimRequest): AuthResult | undefined {
    const header = headerOf(req.headers, 'authorization');
    if (!this.#opts.allowBasicAuth || header?.startsWith('Basic ') !== true) return undefined;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = this.#sessions.authenticate(decoded.slice(0, colon), {
      password: decoded.slice(colon + 1),
    });
    return user === undefined
      ? { ok: false, reply: jsonError(401, INVALID_CREDENTIALS) }
      : { ok: true };
  }
}
