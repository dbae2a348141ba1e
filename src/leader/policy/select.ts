/**
 * Which tracked objects become GslbService members (GDP matchRules and matchClusters), in
 * which tenant, and under which GslbService name. Pure.
 */
import type { GdpSpec, LabelSelector } from '../../shared/crd/global-deployment-policy.js';
import { isGslbKeySegment } from '../../shared/keys.js';
import type { TrackedObject } from '../ingestion/tracked-object.js';

export interface NamespaceInfo {
  readonly labels: Readonly<Record<string, string>>;
  /** The namespace's `ako.vmware.com/tenant-name` annotation; undefined when absent. */
  readonly tenant: string | undefined;
}

export interface SelectionContext {
  /** The accepted GDP's spec; undefined selects nothing. */
  readonly gdp: GdpSpec | undefined;
  readonly defaultTenant: string;
  readonly customFqdn: boolean;
  namespace(cluster: string, namespace: string): NamespaceInfo | undefined;
  /** Custom FQDN mode: the global FQDN an accepted HostRule maps (cluster, local FQDN) to. */
  globalFqdn(cluster: string, hostname: string): string | undefined;
}

export type Selection =
  | { readonly accepted: true; readonly tenant: string; readonly gsName: string }
  | { readonly accepted: false; readonly reason: string };

/** A selector's single label, or undefined unless the map has exactly one entry. */
export function singleLabel(sel: LabelSelector | undefined): [string, string] | undefined {
  const entries = Object.entries(sel?.label ?? {});
  return entries.length === 1 ? entries[0] : undefined;
}

function hasLabel(labels: Readonly<Record<string, string>>, label: [string, string]): boolean {
  return labels[label[0]] === label[1];
}

/** AMKO's filter (gslb-pipeline.md §5.2): a reason when rejected, undefined when selected. */
export function filterReason(
  o: TrackedObject,
  gdp: GdpSpec | undefined,
  ns: NamespaceInfo | undefined,
): string | undefined {
  if (!gdp) return 'no accepted GlobalDeploymentPolicy';
  if (!(gdp.matchClusters ?? []).some((m) => m.cluster === o.cluster)) {
    return `cluster ${o.cluster} not in matchClusters`;
  }
  const app = singleLabel(gdp.matchRules?.appSelector);
  const nsSel = singleLabel(gdp.matchRules?.namespaceSelector);
  if (!app && !nsSel) return 'no selector in the GlobalDeploymentPolicy';
  if (nsSel && !hasLabel(ns?.labels ?? {}, nsSel)) return 'namespace not selected';
  if (app && !hasLabel(o.labels, app)) return 'object not selected by appSelector';
  return undefined;
}

/** The object's tenant by AMKO's rules (§5.3), or undefined when the tenants disagree. */
export function tenantOf(
  o: TrackedObject,
  ns: NamespaceInfo | undefined,
  defaultTenant: string,
): string | undefined {
  const nsTenant = ns?.tenant;
  if (!nsTenant) return defaultTenant;
  return (o.tenant ?? defaultTenant) === nsTenant ? nsTenant : undefined;
}

/**
 * An accepted selection, unless the tenant or GS name cannot name a GslbService (both come from
 * user-written strings: a namespace annotation, a HostRule's global FQDN).
 */
function accepted(tenant: string, gsName: string): Selection {
  if (!isGslbKeySegment(tenant))
    return { accepted: false, reason: `invalid tenant name '${tenant}'` };
  if (!isGslbKeySegment(gsName)) {
    return { accepted: false, reason: `invalid GslbService name '${gsName}'` };
  }
  return { accepted: true, tenant, gsName };
}

/** Whether `o` is a member of a GslbService, and of which one. */
export function selectObject(o: TrackedObject, ctx: SelectionContext): Selection {
  const ns = ctx.namespace(o.cluster, o.namespace);
  const reason = filterReason(o, ctx.gdp, ns);
  if (reason) return { accepted: false, reason };
  const tenant = tenantOf(o, ns, ctx.defaultTenant);
  if (!tenant) return { accepted: false, reason: 'object tenant differs from namespace tenant' };
  if (!ctx.customFqdn) return accepted(tenant, o.hostname);
  if (o.passthrough) return { accepted: false, reason: 'passthrough in custom FQDN mode' };
  const gsName = ctx.globalFqdn(o.cluster, o.hostname);
  if (!gsName) return { accepted: false, reason: 'no HostRule maps the host to a global FQDN' };
  return accepted(tenant, gsName);
}

/** True when members from `cluster` carry only their IP. */
export function isSyncVipOnly(gdp: GdpSpec | undefined, cluster: string): boolean {
  return (gdp?.matchClusters ?? []).some((m) => m.cluster === cluster && m.syncVipOnly === true);
}
