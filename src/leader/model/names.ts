/** Names, markers and fixed values of the Avi objects the leader writes (gslb-pipeline.md §7). */
import { hash } from 'node:crypto';
import type { Marker } from '../../shared/avi/types.js';

export const HM_PREFIX = 'amko--';
export const CREATED_BY_MARKER = 'created-by';
export const EPOCH_MARKER = 'amko-epoch';
export const LEGACY_CREATED_BY = 'amko-gslb';

function sha1(s: string): string {
  return hash('sha1', s, 'hex');
}

/** The created-by value of this AMKO instance. */
export function createdByValue(amkoUuid: string): string {
  return `amko-${amkoUuid}`;
}

/** Path health monitor: `amko--` + SHA-1 of `<protocol>--<gsName>--<path>`. */
export function pathHmName(protocol: 'http' | 'https', gsName: string, path: string): string {
  return HM_PREFIX + sha1(`${protocol}--${gsName}--${path}`);
}

/** Non-path (LoadBalancer Service) health monitor: `amko--` + SHA-1 of the GS name. */
export function nonPathHmName(gsName: string): string {
  return HM_PREFIX + sha1(gsName);
}

/** The one passthrough health monitor of an AMKO instance. */
export function passthroughHmName(amkoUuid: string): string {
  return `${HM_PREFIX}passthrough-hm-tcp-${amkoUuid}`;
}

export function poolName(priority: number): string {
  return `amko-gs-group-${priority}`;
}

/** `tenant_ref` as amko-ts sends it. */
export function tenantRef(tenant: string): string {
  return `/api/tenant/?name=${tenant}`;
}

/** A reference by name, e.g. `/api/healthmonitor?name=<n>`. */
export function refByName(type: string, name: string): string {
  return `/api/${type}?name=${name}`;
}

export function epochMarker(epoch: number): Marker {
  return { key: EPOCH_MARKER, values: [String(epoch)] };
}

/** The epoch stamped on an object, 0 when none. */
export function epochOf(markers: readonly Marker[] | undefined): number {
  const m = (markers ?? []).find((x) => x.key === EPOCH_MARKER);
  const n = Number(m?.values?.[0] ?? '0');
  return Number.isFinite(n) ? n : 0;
}

/** The created-by marker value of a health monitor, undefined when none. */
export function createdByMarkerOf(markers: readonly Marker[] | undefined): string | undefined {
  return (markers ?? []).find((x) => x.key === CREATED_BY_MARKER)?.values?.[0];
}

/** The GS name in an AMKO health monitor description (`..., gsname: <gs>[, ...]`). */
export function gsNameFromHmDescription(description: string | undefined): string | undefined {
  const m = /gsname: ([^,]+)/.exec(description ?? '');
  return m?.[1]?.trim();
}
