import type { KubernetesObject } from '@kubernetes/client-node';

/** The fields of AKO's HostRule (ako.vmware.com/v1beta1) the leader reads. */
export interface AkoHostRule extends KubernetesObject {
  spec?: {
    virtualhost?: {
      fqdn?: string;
      aliases?: string[];
      gslb?: { fqdn?: string; includeAliases?: boolean };
      tls?: { sslKeyCertificate?: { name?: string } };
    };
  };
  status?: { status?: string; error?: string };
}

/** An accepted HostRule, reduced to what GSLB needs. */
export interface HostRuleInfo {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  /** Local FQDN. */
  readonly fqdn: string;
  readonly aliases: readonly string[];
  /** Global FQDN (custom FQDN mode); '' when not set. */
  readonly gslbFqdn: string;
  readonly includeAliases: boolean;
  /** True when it names an SSL key/certificate (objects with its FQDN in its namespace are TLS). */
  readonly tlsCert: boolean;
  /** Creation time in ms (0 when unknown): the older rule wins an alias two GslbServices claim. */
  readonly created: number;
}

/** The HostRule's GSLB facts, or undefined when it is not accepted or has no FQDN. */
export function parseHostRule(hr: AkoHostRule, cluster: string): HostRuleInfo | undefined {
  const vh = hr.spec?.virtualhost;
  const fqdn = vh?.fqdn ?? '';
  if (hr.status?.status !== 'Accepted' || !fqdn) return undefined;
  return Object.freeze({
    cluster,
    namespace: hr.metadata?.namespace ?? '',
    name: hr.metadata?.name ?? '',
    fqdn,
    aliases: Object.freeze([...new Set(vh?.aliases ?? [])].filter((a) => a)),
    gslbFqdn: vh?.gslb?.fqdn ?? '',
    includeAliases: vh?.gslb?.includeAliases === true,
    tlsCert: (vh?.tls?.sslKeyCertificate?.name ?? '') !== '',
    created: new Date(hr.metadata?.creationTimestamp ?? 0).getTime() || 0,
  });
}
