/**
 * Desired GslbService and monitors vs the controller cache → an ordered plan of writes
 * (gslb-pipeline.md §10): monitors are created before the GS that references them, and deleted
 * only after the GS no longer references them. Objects stamped with a higher epoch than ours are
 * never overwritten: the plan says "fenced" instead. Equal content is left alone (a resync writes
 * nothing), except a GS read back after a conflict and stamped lower than our epoch. Pure.
 */
import type { GslbService, HealthMonitor } from '../../shared/avi/types.js';
import type { DesiredGs } from '../model/desired-gslb-service.js';
import {
  cachedGsChecksum,
  cachedGsMonitors,
  type CachedGs,
  type CachedHm,
} from './controller-cache.js';
import { gslbServiceChecksum, healthMonitorChecksum, type RefResolver } from './projection.js';

export type GsOp =
  | { readonly op: 'create-hm'; readonly tenant: string; readonly body: HealthMonitor }
  | {
      readonly op: 'update-hm';
      readonly tenant: string;
      readonly uuid: string;
      readonly lastModified: string;
      readonly body: HealthMonitor;
    }
  | {
      readonly op: 'delete-hm';
      readonly tenant: string;
      readonly uuid: string;
      readonly name: string;
    }
  | { readonly op: 'create-gs'; readonly tenant: string; readonly body: GslbService }
  | {
      readonly op: 'update-gs';
      readonly tenant: string;
      readonly uuid: string;
      readonly lastModified: string;
      readonly body: GslbService;
    }
  | {
      readonly op: 'delete-gs';
      readonly tenant: string;
      readonly uuid: string;
      readonly name: string;
    };

export type GsPlan = { readonly ops: readonly GsOp[] } | { readonly fenced: string };

export interface PlanInput {
  readonly tenant: string;
  readonly gsName: string;
  readonly desired: DesiredGs | undefined;
  readonly cached: CachedGs | undefined;
  readonly epoch: number;
  /** Our created-by value. */
  readonly createdBy: string;
  /** The passthrough monitor is shared and never deleted. */
  readonly passthroughHm: string;
  hm(tenant: string, name: string): CachedHm | undefined;
  /** Monitors we own in the tenant whose description names this GS. */
  ownedHmsOfGs(tenant: string, gsName: string): readonly CachedHm[];
  readonly resolve: RefResolver;
}

function fencedBy(what: string, epoch: number, ours: number): string {
  return `${what} carries amko-epoch ${epoch}, higher than ours (${ours})`;
}

function monitorOps(input: PlanInput, desired: DesiredGs): GsOp[] | string {
  const ops: GsOp[] = [];
  for (const body of desired.monitors) {
    const cached = input.hm(desired.tenant, body.name);
    if (!cached) {
      ops.push({ op: 'create-hm', tenant: desired.tenant, body });
      continue;
    }
    if (cached.createdBy !== undefined && cached.createdBy !== input.createdBy) continue;
    if (cached.checksum === healthMonitorChecksum(body)) continue;
    if (cached.epoch > input.epoch)
      return fencedBy(`health monitor ${body.name}`, cached.epoch, input.epoch);
    const lastModified = cached.lastModified;
    ops.push({ op: 'update-hm', tenant: desired.tenant, uuid: cached.uuid, lastModified, body });
  }
  return ops;
}

/** Monitors we own that this GS used or that name it, and that the desired GS no longer needs. */
function staleMonitors(input: PlanInput, keep: ReadonlySet<string>): CachedHm[] {
  const out = new Map<string, CachedHm>();
  const consider = (hm: CachedHm | undefined): void => {
    if (!hm || hm.createdBy !== input.createdBy) return;
    if (keep.has(hm.name) || hm.name === input.passthroughHm) return;
    out.set(hm.name, hm);
  };
  const used = input.cached ? cachedGsMonitors(input.cached, input.resolve) : [];
  for (const name of used) consider(input.hm(input.tenant, name));
  for (const hm of input.ownedHmsOfGs(input.tenant, input.gsName)) consider(hm);
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function deleteOps(input: PlanInput, stale: readonly CachedHm[]): GsOp[] | string {
  const ops: GsOp[] = [];
  for (const hm of stale) {
    if (hm.epoch > input.epoch) return fencedBy(`health monitor ${hm.name}`, hm.epoch, input.epoch);
    ops.push({ op: 'delete-hm', tenant: hm.tenant, uuid: hm.uuid, name: hm.name });
  }
  return ops;
}

function gsOp(input: PlanInput, desired: DesiredGs): GsOp | string | undefined {
  const cached = input.cached;
  if (!cached) return { op: 'create-gs', tenant: desired.tenant, body: desired.gs };
  const same =
    cachedGsChecksum(cached, input.resolve) === gslbServiceChecksum(desired.gs, input.resolve);
  // A contested object stamped lower than us was just written by a leader that does not know it
  // was replaced: equal content is restamped, so that leader meets our epoch on its next write.
  const restamp = cached.contested === true && cached.epoch < input.epoch;
  if (same && !restamp) return undefined;
  if (cached.epoch > input.epoch)
    return fencedBy(`GslbService ${cached.name}`, cached.epoch, input.epoch);
  return {
    op: 'update-gs',
    tenant: desired.tenant,
    uuid: cached.uuid,
    lastModified: cached.lastModified,
    body: desired.gs,
  };
}

/** The writes that bring the controller to the desired state of one GS key. */
export function planGslbService(input: PlanInput): GsPlan {
  const desired = input.desired;
  const keep = new Set(desired?.monitors.map((m) => m.name) ?? []);
  const deletes = deleteOps(input, staleMonitors(input, keep));
  if (typeof deletes === 'string') return { fenced: deletes };
  if (!desired) {
    const cached = input.cached;
    if (!cached) return { ops: deletes };
    if (cached.epoch > input.epoch) {
      return { fenced: fencedBy(`GslbService ${cached.name}`, cached.epoch, input.epoch) };
    }
    const del: GsOp = {
      op: 'delete-gs',
      tenant: cached.tenant,
      uuid: cached.uuid,
      name: cached.name,
    };
    return { ops: [del, ...deletes] };
  }
  const monitors = monitorOps(input, desired);
  if (typeof monitors === 'string') return { fenced: monitors };
  const gs = gsOp(input, desired);
  if (typeof gs === 'string') return { fenced: gs };
  return { ops: [...monitors, ...(gs ? [gs] : []), ...deletes] };
}
