/** A controller error reply: the status and the `{"error": text}` body (avi-rest-api.md §4). */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
  ) {
    super(text);
    this.name = 'SimError';
  }
}

export const NOT_FOUND_OBJECT = 'object not found';
export const NOT_FOUND_RESOURCE = 'resource not found';
export const NOT_LEADER = 'Config Operations can be done ONLY on leader';
export const MAINTENANCE = 'GSLB system is in maintenance mode.';
export const NO_CREDENTIALS = 'Authentication credentials were not provided.';
export const INVALID_CREDENTIALS = 'Invalid credentials';
export const CSRF_FAILED = 'CSRF Failed: CSRF token missing or incorrect.';
export const CSRF_NO_REFERER = 'CSRF Failed: Referer checking failed - no Referer.';
export const SESSION_EXPIRED = 'Session expired';
