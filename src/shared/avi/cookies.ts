/** Session cookies of the controller (avi-rest-api.md §2.1). Pure. */

export interface SessionCookies {
  csrftoken: string;
  /** `sessionid` or `avi-sessionid` (newer controllers send both with one value). */
  sessionid: string;
  aviSessionid?: string;
}

/** Name → value of `Set-Cookie` headers (attributes dropped). */
export function parseSetCookie(
  headers: readonly string[] | string | undefined,
): Map<string, string> {
  const list = headers === undefined ? [] : Array.isArray(headers) ? headers : [headers];
  const cookies = new Map<string, string>();
  for (const header of list as readonly string[]) {
    const pair = header.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return cookies;
}

/** The session when both a CSRF token and a session id are present (as the Go SDK requires). */
export function sessionFrom(cookies: ReadonlyMap<string, string>): SessionCookies | undefined {
  const csrftoken = cookies.get('csrftoken');
  const sessionid = cookies.get('sessionid') ?? cookies.get('avi-sessionid');
  if (csrftoken === undefined || sessionid === undefined || csrftoken === '' || sessionid === '') {
    return undefined;
  }
  const avi = cookies.get('avi-sessionid');
  return avi === undefined ? { csrftoken, sessionid } : { csrftoken, sessionid, aviSessionid: avi };
}

/** The `Cookie` header for a session. */
export function cookieHeader(session: SessionCookies): string {
  const avi = session.aviSessionid ?? session.sessionid;
  return `csrftoken=${session.csrftoken}; sessionid=${session.sessionid}; avi-sessionid=${avi}`;
}
