/**
 * Look-ups on the controller of the names a GDP or GSLBHostRule references, in the tenant the
 * spec prescribes, shaped for the CRD validators; plus the template facts the model needs.
 */
import type { HealthMonitor, Stored } from '../../shared/avi/types.js';
import type { AviHealthMonitorInfo, AviRefLookups } from '../../shared/crd/gslb-policy-rules.js';
import type { HmTemplateInfo } from '../policy/accepted-policy.js';
import type { ControllerReader } from '../sync/controller-reader.js';

export interface RefNames {
  readonly healthMonitors: readonly string[];
  readonly persistence: readonly string[];
  readonly pki: readonly string[];
  readonly thirdPartySites: boolean;
}

export interface Lookups {
  readonly refs: AviRefLookups;
  readonly monitors: ReadonlyMap<string, Stored<HealthMonitor>>;
}

function hmInfo(hm: Stored<HealthMonitor>): AviHealthMonitorInfo {
  const request = hm.http_monitor?.http_request ?? hm.https_monitor?.http_request;
  return {
    ...(hm.is_federated === undefined ? {} : { federated: hm.is_federated }),
    type: hm.type,
    ...(request === undefined ? {} : { httpRequest: request }),
  };
}

async function existing(
  names: readonly string[],
  check: (n: string) => Promise<boolean>,
): Promise<Set<string>> {
  const found = await Promise.all(names.map(async (n) => ((await check(n)) ? n : undefined)));
  return new Set(found.filter((n): n is string => n !== undefined));
}

/** Looks up every referenced name; a name absent from the result was not found. */
export async function lookupRefs(
  reader: ControllerReader,
  tenant: string,
  names: RefNames,
  signal?: AbortSignal,
): Promise<Lookups> {
  const monitors = new Map<string, Stored<HealthMonitor>>();
  await Promise.all(
    [...new Set(names.healthMonitors)].map(async (n) => {
      const hm = await reader.healthMonitor(tenant, n, signal);
      if (hm) monitors.set(n, hm);
    }),
  );
  const persistenceProfiles = await existing(names.persistence, (n) =>
    reader.profileExists('applicationpersistenceprofile', tenant, n, signal),
  );
  const pkiProfiles = await existing(names.pki, (n) =>
    reader.profileExists('pkiprofile', tenant, n, signal),
  );
  const thirdPartySites = names.thirdPartySites
    ? await reader.thirdPartySites(tenant, signal)
    : undefined;
  const healthMonitors = new Map([...monitors].map(([n, hm]) => [n, hmInfo(hm)]));
  return {
    refs: {
      healthMonitors,
      persistenceProfiles,
      pkiProfiles,
      ...(thirdPartySites ? { thirdPartySites } : {}),
    },
    monitors,
  };
}

/** The template facts of an accepted policy's health monitor template. */
export function templateInfo(
  name: string | undefined,
  lookups: Lookups,
): HmTemplateInfo | undefined {
  if (!name) return undefined;
  const hm = lookups.monitors.get(name);
  const m = hm?.http_monitor ?? hm?.https_monitor;
  if (!m?.http_request) return undefined;
  return { name, request: m.http_request, codes: [...(m.http_response_code ?? [])] };
}
