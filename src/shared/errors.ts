/**
 * One error type for the whole operator. Each boundary (Avi client, kube client wrapper,
 * gRPC client) classifies a failure once into a stable code and a retry disposition; nothing
 * downstream inspects message text. Only worker loops turn `retry` into requeue, backoff or drop.
 */
export type ErrorCode =
  /** Avi controller unreachable, 5xx, timeout or connection reset. */
  | 'AVI_UNAVAILABLE'
  /** Avi login refused (`Invalid credentials`): retried only with a long backoff. */
  | 'AVI_AUTH'
  /** Avi site is not the GSLB leader (`Config Operations can be done ONLY on leader`). */
  | 'AVI_NOT_LEADER'
  /** Avi GSLB is in maintenance mode. */
  | 'AVI_MAINTENANCE'
  /** A domain name is already used by another GslbService. */
  | 'AVI_DOMAIN_CONFLICT'
  /** 404 from the controller. */
  | 'AVI_NOT_FOUND'
  /** 409: an object with that name exists (the error carries it when known). */
  | 'AVI_CONFLICT'
  /** 412: the object changed since it was read. */
  | 'AVI_PRECONDITION'
  /** A write refused before it was sent: this process may not write (fenced, not leading). */
  | 'AVI_FENCED'
  /** Other 400s and 403: the request itself is wrong; retrying will not help. */
  | 'AVI_REJECTED'
  /**
   * A 2xx reply the client cannot use: not JSON (an HTML login or proxy page, a cut-off body),
   * not the shape the API promises (no `results`, an object without `uuid`), or a collection
   * whose `next` links loop or never end. A write that met it may have been carried out, so it is
   * never repeated blindly: the caller re-reads (a repeated create meets 409 and reads back).
   */
  | 'AVI_BAD_REPLY'
  /** A reply body above the client's `maxResponseBytes`: cut off unread, connection closed. */
  | 'AVI_REPLY_TOO_LARGE'
  /** Kubernetes API unreachable or 5xx. */
  | 'KUBE_UNAVAILABLE'
  /** Kubernetes API conflict (409) on update. */
  | 'KUBE_CONFLICT'
  /** Kubernetes API refused the request (4xx other than 409). */
  | 'KUBE_REJECTED'
  /** A custom resource failed semantic validation. */
  | 'SPEC_INVALID'
  /** A federation peer is behind our compacted log and needs a snapshot. */
  | 'PEER_BEHIND_LOG'
  /** A federation peer refused us because it has seen a higher epoch. */
  | 'EPOCH_STALE'
  /** A federation peer is unreachable or the stream broke. */
  | 'PEER_UNAVAILABLE'
  /** A federation peer refused us for a reason that retrying will not fix. */
  | 'PEER_REJECTED'
  /** A federation peer's certificate names a cluster that is not a member. */
  | 'PEER_NOT_MEMBER'
  /** A federation message decoded but makes no sense (bad hash or JSON, unknown kind, order). */
  | 'FEDERATION_BAD_MESSAGE'
  /** Invalid configuration (flags, files) detected at start-up. */
  | 'CONFIG_INVALID'
  /** A requested role change (promote, demote) was not reported in status before the deadline. */
  | 'ROLE_CHANGE_TIMEOUT'
  /** A promotion ended fenced: another leader holds a higher epoch. */
  | 'ROLE_FENCED';

export type Retry = 'backoff' | 'slow' | 'never';

export class OperatorError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly retry: Retry,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'OperatorError';
  }
}

/** The retry disposition of any thrown value: unknown errors are retried with backoff. */
export function retryOf(err: unknown): Retry {
  return err instanceof OperatorError ? err.retry : 'backoff';
}

/** A message for logs and status fields from any thrown value. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
