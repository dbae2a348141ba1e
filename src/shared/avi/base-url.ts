/** The controller address as configured (`host`, `host:port`, `http(s)://host[:port]`). Pure. */
import { OperatorError } from '../errors.js';

export interface ControllerAddress {
  /** `https://host[:port]` (no trailing slash). */
  origin: string;
  secure: boolean;
  /** `host[:port]` as it goes into `Host` and `Referer`. */
  host: string;
}

/** Parses a controller address; HTTPS unless a scheme says otherwise. */
export function parseControllerAddress(input: string): ControllerAddress {
  const trimmed = input.trim().replace(/\/+$/, '');
  if (trimmed === '')
    throw new OperatorError('CONFIG_INVALID', 'never', 'Avi controller address is empty');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (err) {
    throw new OperatorError('CONFIG_INVALID', 'never', `invalid Avi controller address ${input}`, {
      cause: err,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OperatorError('CONFIG_INVALID', 'never', `unsupported scheme in ${input}`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.username !== '') {
    throw new OperatorError(
      'CONFIG_INVALID',
      'never',
      `Avi controller address must be host[:port], got ${input}`,
    );
  }
  return { origin: url.origin, secure: url.protocol === 'https:', host: url.host };
}
