/**
 * The login session (avi-rest-api.md §2): `POST /login`, the session cookies and CSRF token,
 * and re-login. Logins are single-flight: concurrent requests that meet one expired session
 * cause one login, not one each.
 */
import type { Logger } from '../telemetry/logger.js';
import { controllerText, httpError, transportError } from './avi-error.js';
import type { ControllerAddress } from './base-url.js';
import { parseSetCookie, sessionFrom, type SessionCookies } from './cookies.js';
import { badReply, excerpt, tooLargeText } from './reply-body.js';
import { errorClassOfStatus, type AviRequestObserver } from './request-outcome.js';
import { type HttpTransport, TransportFailure } from './transport.js';

export interface Credentials {
  username: string;
  password?: string;
  /** API token; used instead of the password when set. */
  token?: string;
}

export interface SessionDeps {
  transport: HttpTransport;
  address: ControllerAddress;
  credentials: Credentials;
  /** Headers sent with every request (user agent, version, referer). */
  commonHeaders: () => Record<string, string>;
  timeoutMs: number;
  log: Logger;
  /** Milliseconds from any fixed origin (the client's clock), to time logins. */
  now: () => number;
  /** Told about every login exchange. */
  observe?: AviRequestObserver | undefined;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

export class AviSession {
  readonly #d: SessionDeps;
  #cookies: SessionCookies | undefined;
  #generation = 0;
  #logins = 0;
  #inFlight: Promise<void> | undefined;

  constructor(deps: SessionDeps) {
    this.#d = deps;
  }

  /** Bumped by every successful login; a request remembers the one it was sent with. */
  get generation(): number {
    return this.#generation;
  }

  /** Logins performed so far (successful or not). */
  get logins(): number {
    return this.#logins;
  }

  get cookies(): SessionCookies | undefined {
    return this.#cookies;
  }

  /** Logs in unless a session exists. */
  async ensure(): Promise<void> {
    if (this.#cookies === undefined) await this.#loginOnce();
  }

  /** Logs in again unless another request already did since `staleGeneration`. */
  async renew(staleGeneration: number): Promise<void> {
    if (this.#generation !== staleGeneration && this.#cookies !== undefined) return;
    this.#cookies = undefined;
    await this.#loginOnce();
  }

  /** Takes the fresh cookies a 419 reply carries; false when it carried none. */
  adopt(setCookie: readonly string[] | undefined): boolean {
    const session = sessionFrom(parseSetCookie(setCookie));
    if (session === undefined) return false;
    this.#cookies = session;
    this.#generation++;
    return true;
  }

  /** Ends the session on the controller (best effort) and forgets it. */
  async logout(): Promise<void> {
    const cookies = this.#cookies;
    this.#cookies = undefined;
    if (cookies === undefined) return;
    await this.#d.transport
      .send({
        method: 'POST',
        url: `${this.#d.address.origin}/logout`,
        headers: {
          ...this.#d.commonHeaders(),
          Cookie: `csrftoken=${cookies.csrftoken}; sessionid=${cookies.sessionid}`,
          'X-CSRFToken': cookies.csrftoken,
        },
        timeoutMs: this.#d.timeoutMs,
      })
      .catch(() => undefined);
  }

  #loginOnce(): Promise<void> {
    this.#inFlight ??= this.#login().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #login(): Promise<void> {
    const { username, password, token } = this.#d.credentials;
    const target = { method: 'POST', path: '/login' };
    const body = JSON.stringify(token === undefined ? { username, password } : { username, token });
    this.#logins++;
    const started = this.#d.now();
    const seconds = (): number => (this.#d.now() - started) / 1000;
    const res = await this.#d.transport
      .send({
        method: 'POST',
        url: `${this.#d.address.origin}/login`,
        headers: { ...this.#d.commonHeaders(), 'Content-Type': 'application/json' },
        body,
        timeoutMs: this.#d.timeoutMs,
      })
      .catch((err: unknown) => {
        const kind =
          err instanceof TransportFailure && err.kind === 'timeout' ? 'timeout' : 'network';
        this.#d.observe?.({ method: 'POST', seconds: seconds(), errorClass: kind });
        throw transportError(target, kind, err instanceof TransportFailure ? err.reason : err);
      });
    this.#d.observe?.({
      method: 'POST',
      seconds: seconds(),
      errorClass: errorClassOfStatus(res.status, true),
    });
    if (res.status < 200 || res.status >= 300) {
      const detail =
        res.tooLarge === undefined
          ? controllerText(parseJson(res.text), res.text)
          : tooLargeText(res.tooLarge.limit);
      const err = httpError(target, res.status, detail, true);
      this.#d.log.warn({ status: res.status, code: err.code, user: username }, 'Avi login failed');
      throw err;
    }
    const session = sessionFrom(parseSetCookie(res.headers['set-cookie']));
    if (session === undefined) {
      // A 2xx without the session cookies: a proxy's or portal's page rather than the controller.
      const type = res.headers['content-type'] ?? 'none';
      throw badReply(
        target,
        `login reply carried no csrftoken and session cookies (content-type ${type}): "${excerpt(res.text)}"`,
        { status: res.status, retry: 'slow' },
      );
    }
    this.#cookies = session;
    this.#generation++;
    this.#d.log.debug({ user: username, generation: this.#generation }, 'Avi session established');
  }
}
