/**
 * Accepted AKO HostRules of every member cluster, indexed by local FQDN and by global FQDN:
 * the source of global FQDN mappings (custom FQDN mode), aliases and HostRule TLS
 * (gslb-pipeline.md §6). Updated only by the ingestion worker.
 */
import type { HostRuleInfo } from './parse-host-rule.js';

function byName(a: HostRuleInfo, b: HostRuleInfo): number {
  const ka = `${a.namespace}/${a.name}`;
  const kb = `${b.namespace}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export class HostRuleIndex {
  readonly #bySource = new Map<string, HostRuleInfo>();
  readonly #byLocal = new Map<string, Set<string>>();
  readonly #byGlobal = new Map<string, Set<string>>();
  readonly #byAlias = new Map<string, Set<string>>();

  /** Sets (or, with undefined, removes) one HostRule; returns the local FQDNs it concerned. */
  set(cluster: string, namespace: string, name: string, info: HostRuleInfo | undefined): string[] {
    const source = `${cluster}/${namespace}/${name}`;
    const old = this.#bySource.get(source);
    const hosts = new Set<string>();
    if (old) {
      hosts.add(old.fqdn);
      this.#unindex(source, old);
    }
    if (info) {
      hosts.add(info.fqdn);
      this.#bySource.set(source, info);
      this.#index(source, info);
    }
    return [...hosts];
  }

  /** The global FQDN of (cluster, local FQDN); the first rule by namespace/name wins. */
  globalFqdn(cluster: string, host: string): string | undefined {
    return this.#rules(cluster, host).find((r) => r.gslbFqdn)?.gslbFqdn;
  }

  /** True when a rule for (cluster, namespace, host) names an SSL certificate. */
  tlsCert(cluster: string, namespace: string, host: string): boolean {
    return this.#rules(cluster, host).some((r) => r.namespace === namespace && r.tlsCert);
  }

  /**
   * Extra domain names of a GS. Default mode: the aliases of the rules whose FQDN is one of
   * the members' hosts in the members' clusters. Custom mode: the aliases of the rules mapping
   * to the GS name with `includeAliases`.
   */
  aliases(
    gsName: string,
    members: readonly { cluster: string; hostname: string }[],
    customFqdn: boolean,
  ): string[] {
    const rules = customFqdn
      ? [...(this.#byGlobal.get(gsName) ?? [])]
          .map((s) => this.#bySource.get(s))
          .filter((r): r is HostRuleInfo => r !== undefined && r.includeAliases)
      : [...new Set(members.map((m) => `${m.cluster}/${m.hostname}`))].flatMap((k) => {
          const [cluster = '', host = ''] = k.split('/');
          return this.#rules(cluster, host);
        });
    const out = new Set<string>();
    for (const r of rules.sort(byName)) for (const a of r.aliases) out.add(a);
    out.delete(gsName);
    return [...out].sort();
  }

  /** Every accepted rule that lists `alias`, in any cluster. */
  rulesWithAlias(alias: string): HostRuleInfo[] {
    return [...(this.#byAlias.get(alias) ?? [])]
      .map((s) => this.#bySource.get(s))
      .filter((r): r is HostRuleInfo => r !== undefined);
  }

  #rules(cluster: string, host: string): HostRuleInfo[] {
    return [...(this.#byLocal.get(`${cluster}/${host}`) ?? [])]
      .map((s) => this.#bySource.get(s))
      .filter((r): r is HostRuleInfo => r !== undefined)
      .sort(byName);
  }

  #index(source: string, info: HostRuleInfo): void {
    for (const a of info.aliases)
      this.#byAlias.set(a, (this.#byAlias.get(a) ?? new Set()).add(source));
    const local = `${info.cluster}/${info.fqdn}`;
    this.#byLocal.set(local, (this.#byLocal.get(local) ?? new Set()).add(source));
    if (info.gslbFqdn) {
      this.#byGlobal.set(
        info.gslbFqdn,
        (this.#byGlobal.get(info.gslbFqdn) ?? new Set()).add(source),
      );
    }
  }

  #unindex(source: string, info: HostRuleInfo): void {
    this.#bySource.delete(source);
    this.#byLocal.get(`${info.cluster}/${info.fqdn}`)?.delete(source);
    for (const a of info.aliases) this.#byAlias.get(a)?.delete(source);
    if (info.gslbFqdn) this.#byGlobal.get(info.gslbFqdn)?.delete(source);
  }
}
