/**
 * One page of a collection read as plain JSON.
 *
 * The generated API clients of @kubernetes/client-node turn every listed object into a typed
 * model (ObjectSerializer: a walk over each field against its declared type, dates parsed) before
 * returning it. The informers read the same fields as plain JSON, as their watch events already
 * come (client-node's Watch parses each line with JSON.parse only), and reduce each object at
 * once. So lists are read here the way the watch reads its events: the same URL scheme,
 * authentication and shared connection (KubeConfig.applySecurityAuthentication), one JSON.parse.
 */
import { fetch } from 'undici';
import {
  ApiException,
  HttpMethod,
  RequestContext,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { ListPage } from './informer.js';

/** How long one page may take before the list fails (and the informer restarts it). */
const LIST_TIMEOUT_MS = 60_000;

/**
 * A list function for `path` (e.g. `/apis/networking.k8s.io/v1/ingresses`) on the current
 * cluster of `kubeConfig`. A reply other than 200 rejects with client-node's ApiException (its
 * `code` the HTTP status, its `body` the text), as the generated clients do.
 */
export function rawList<T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  path: string,
): (page: ListPage) => Promise<KubernetesListObject<T>> {
  return async (page) => {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('no current cluster in the kubeconfig');
    const url = new URL(cluster.server + path);
    if (page.limit !== undefined) url.searchParams.set('limit', String(page.limit));
    if (page._continue !== undefined) url.searchParams.set('continue', page._continue);
    const ctx = new RequestContext(url.toString(), HttpMethod.GET);
    ctx.setHeaderParam('Accept', 'application/json');
    await kubeConfig.applySecurityAuthentication(ctx);
    const dispatcher = ctx.getDispatcher();
    const res = await fetch(url, {
      method: 'GET',
      headers: ctx.getHeaders(),
      ...(dispatcher === undefined ? {} : { dispatcher }),
      signal: AbortSignal.timeout(LIST_TIMEOUT_MS),
    });
    const text = await res.text();
    if (res.status !== 200) {
      throw new ApiException<string>(
        res.status,
        `HTTP-Code: ${res.status}\nMessage: list ${path}\nBody: ${text}`,
        text,
        Object.fromEntries(res.headers),
      );
    }
    return JSON.parse(text) as KubernetesListObject<T>;
  };
}
