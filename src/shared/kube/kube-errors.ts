import { OperatorError } from '../errors.js';

/** The HTTP status of a client-node error, when it carries one. */
export function kubeStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const rec = err as { code?: unknown; statusCode?: unknown };
  if (typeof rec.code === 'number') return rec.code;
  if (typeof rec.statusCode === 'number') return rec.statusCode;
  return undefined;
}

/** A short message from a client-node error: the Status message when the server sent one. */
function kubeMessageOf(err: unknown): string {
  if (typeof err !== 'object' || err === null)
    return typeof err === 'string' ? err : 'unknown error';
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      return body;
    }
  }
  if (typeof body === 'object' && body !== null) {
    const msg = (body as { message?: unknown }).message;
    if (typeof msg === 'string') return msg;
  }
  return err instanceof Error ? err.message : 'unknown error';
}

/**
 * Classifies a Kubernetes API failure once, at the boundary: 409 is a conflict (retry after a
 * fresh read), other 4xx are refusals that retrying will not fix, everything else (network,
 * 5xx, 429) is unavailability.
 */
export function classifyKubeError(err: unknown, what: string): OperatorError {
  if (err instanceof OperatorError) return err;
  const status = kubeStatusOf(err);
  const msg = `${what}: ${kubeMessageOf(err)}`;
  if (status === 409) return new OperatorError('KUBE_CONFLICT', 'backoff', msg, { cause: err });
  if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
    return new OperatorError('KUBE_REJECTED', 'never', msg, { cause: err });
  }
  return new OperatorError('KUBE_UNAVAILABLE', 'backoff', msg, { cause: err });
}

/** True when a client-node error is a 404. */
export function isKubeNotFound(err: unknown): boolean {
  return kubeStatusOf(err) === 404;
}
