/**
 * What one exchange with the Avi Controller came to, for metrics: its duration and, when it
 * failed, a small fixed class (a label value with bounded cardinality). Pure.
 */

/** Failure classes of one exchange with the controller. */
export type AviErrorClass =
  /** 5xx or 429: the controller is busy or failing. */
  | 'server'
  /** 401 or 419 on an API call: the session expired or was dropped. */
  | 'session'
  /** A login that was refused. */
  | 'login'
  /** 409: the object already exists. */
  | 'conflict'
  /** 412: the object changed since it was read. */
  | 'precondition'
  /** 404. */
  | 'not_found'
  /** Any other 4xx. */
  | 'rejected'
  /** No reply: connection refused or reset. */
  | 'network'
  /** No reply within the request timeout. */
  | 'timeout';

export interface AviRequestOutcome {
  readonly method: string;
  readonly seconds: number;
  /** Undefined when the exchange succeeded (2xx/3xx). */
  readonly errorClass: AviErrorClass | undefined;
}

/** Told about every exchange (logins included). */
export type AviRequestObserver = (outcome: AviRequestOutcome) => void;

const CLASS_OF_4XX: Readonly<Record<number, AviErrorClass>> = Object.freeze({
  401: 'session',
  419: 'session',
  404: 'not_found',
  409: 'conflict',
  412: 'precondition',
});

/** The class of a reply status; undefined for a success. `login` marks replies to /login. */
export function errorClassOfStatus(status: number, login = false): AviErrorClass | undefined {
  if (status < 400) return undefined;
  if (status >= 500 || status === 429) return 'server';
  if (login) return 'login';
  return CLASS_OF_4XX[status] ?? 'rejected';
}
