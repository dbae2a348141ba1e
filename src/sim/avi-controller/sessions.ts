/**
 * Users and login sessions (avi-rest-api.md §2): session id plus CSRF token per login, idle
 * expiry, forced expiry, rejected logins and password changes for tests.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';

export interface Session {
  readonly id: string;
  readonly csrf: string;
  readonly username: string;
  lastUsed: number;
  expired: boolean;
}

export interface SimUser {
  username: string;
  password?: string;
  token?: string;
}

export type SessionLookup =
  | { state: 'valid'; session: Session }
  | { state: 'expired'; username: string }
  | { state: 'unknown' };

/** Sessions forgotten entirely after this many idle periods (memory bound). */
const FORGET_AFTER_IDLE_PERIODS = 4;

export class Sessions {
  readonly #clock: Clock;
  readonly #idleMs: number;
  readonly #sessions = new Map<string, Session>();
  readonly #users = new Map<string, SimUser>();
  #rejectLogins = 0;

  constructor(deps: { clock: Clock; idleMs: number }) {
    this.#clock = deps.clock;
    this.#idleMs = deps.idleMs;
  }

  setUser(user: SimUser): void {
    this.#users.set(user.username, { ...user });
  }

  /** Changes a user's password (existing sessions stay valid, as on a controller). */
  setPassword(username: string, password: string): boolean {
    const user = this.#users.get(username);
    if (user === undefined) return false;
    user.password = password;
    return true;
  }

  /** Makes the next `count` logins fail with `Invalid credentials`. */
  rejectNextLogins(count: number): void {
    this.#rejectLogins = count;
  }

  /** Checks credentials (password or API token); undefined when refused. */
  authenticate(
    username: unknown,
    secret: { password?: unknown; token?: unknown },
  ): SimUser | undefined {
    if (this.#rejectLogins > 0) {
      this.#rejectLogins--;
      return undefined;
    }
    const user = typeof username === 'string' ? this.#users.get(username) : undefined;
    if (user === undefined) return undefined;
    const byPassword = user.password !== undefined && secret.password === user.password;
    const byToken = user.token !== undefined && secret.token === user.token;
    return byPassword || byToken ? user : undefined;
  }

  create(username: string): Session {
    this.#prune();
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      csrf: randomBytes(24).toString('base64url'),
      username,
      lastUsed: this.#clock.now(),
      expired: false,
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** Looks a session up and, when valid, marks it used. */
  lookup(id: string | undefined): SessionLookup {
    const session = id === undefined ? undefined : this.#sessions.get(id);
    if (session === undefined) return { state: 'unknown' };
    const now = this.#clock.now();
    if (session.expired || now - session.lastUsed > this.#idleMs) {
      session.expired = true;
      return { state: 'expired', username: session.username };
    }
    session.lastUsed = now;
    return { state: 'valid', session };
  }

  remove(id: string): void {
    this.#sessions.delete(id);
  }

  /** Expires every session now; returns how many were live. */
  expireAll(): number {
    let live = 0;
    for (const session of this.#sessions.values()) {
      if (!session.expired) live++;
      session.expired = true;
    }
    return live;
  }

  liveCount(): number {
    const now = this.#clock.now();
    return [...this.#sessions.values()].filter(
      (s) => !s.expired && now - s.lastUsed <= this.#idleMs,
    ).length;
  }

  #prune(): void {
    const horizon = this.#clock.now() - this.#idleMs * FORGET_AFTER_IDLE_PERIODS;
    for (const [id, session] of this.#sessions) {
      if (session.lastUsed < horizon) this.#sessions.delete(id);
    }
  }
}
