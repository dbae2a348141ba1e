/**
 * One level-based pass over a member object key: read the object from its cluster's cache
 * (absent = deleted), turn it into tracked objects or index entries, and return the GslbService
 * keys whose inputs changed. Namespace and HostRule changes re-select only the objects they can
 * affect.
 */
import { parseMemberObjectKey, type GslbKey, type MemberObjectKey } from '../../shared/keys.js';
import type { HostRuleIndex } from './host-rule-index.js';
import type { MemberCluster } from './member-cluster.js';
import type { MemberStore } from './member-store.js';
import { parseHostRule } from './parse-host-rule.js';
import { parseIngress } from './parse-ingress.js';
import { parseRoute } from './parse-route.js';
import { parseLbService } from './parse-service.js';
import type { TrackedObject } from './tracked-object.js';

export interface IngestionDeps {
  cluster(name: string): MemberCluster | undefined;
  readonly store: MemberStore;
  readonly hostRules: HostRuleIndex;
  /** The accepted GDP's `defaultDomain` (Routes with only a subdomain). */
  defaultDomain(): string | undefined;
}

export class IngestionController {
  readonly #deps: IngestionDeps;

  constructor(deps: IngestionDeps) {
    this.#deps = deps;
  }

  /** Processes one key; returns the GS keys to reconcile. */
  process(key: MemberObjectKey): Set<GslbKey> {
    const k = parseMemberObjectKey(key);
    const mc = this.#deps.cluster(k.cluster);
    if (!mc) return new Set();
    switch (k.kind) {
      case 'INGRESS':
      case 'ROUTE':
      case 'LBSVC':
        return this.#deps.store.setSource(key, this.#tracked(mc, k.kind, k.namespace, k.name));
      case 'NAMESPACE':
        return this.#deps.store.reselect(this.#deps.store.idsInNamespace(k.cluster, k.name));
      case 'HOSTRULE':
        return this.#hostRule(mc, k.namespace, k.name);
    }
  }

  #tracked(
    mc: MemberCluster,
    kind: 'INGRESS' | 'ROUTE' | 'LBSVC',
    namespace: string,
    name: string,
  ): TrackedObject[] {
    if (kind === 'INGRESS') {
      const ing = mc.ingress(namespace, name);
      return ing ? parseIngress(ing, mc.cluster) : [];
    }
    if (kind === 'ROUTE') {
      const route = mc.route(namespace, name);
      const t = route ? parseRoute(route, mc.cluster, this.#deps.defaultDomain()) : undefined;
      return t ? [t] : [];
    }
    const svc = mc.service(namespace, name);
    const t = svc ? parseLbService(svc, mc.cluster) : undefined;
    return t ? [t] : [];
  }

  #hostRule(mc: MemberCluster, namespace: string, name: string): Set<GslbKey> {
    const hr = mc.hostRule(namespace, name);
    const info = hr ? parseHostRule(hr, mc.cluster) : undefined;
    const hosts = this.#deps.hostRules.set(mc.cluster, namespace, name, info);
    const ids = hosts.flatMap((h) => this.#deps.store.idsWithHost(mc.cluster, h));
    const dirty = this.#deps.store.reselect(ids);
    for (const key of this.#deps.store.keysOf(ids)) dirty.add(key);
    return dirty;
  }
}
