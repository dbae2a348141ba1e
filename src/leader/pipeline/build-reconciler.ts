/**
 * Wires one GslbService reconciler: the desired state (member store, HostRules, policies in
 * force, alias ownership) and the applier writing through the epoch fence.
 */
import type { GslbKey } from '../../shared/keys.js';
import type { LeaderMetrics } from '../../shared/telemetry/metrics.js';
import type { HostRuleIndex } from '../ingestion/host-rule-index.js';
import type { MemberStore } from '../ingestion/member-store.js';
import type { AcceptedGdp, AcceptedGhr } from '../policy/accepted-policy.js';
import type { AliasGrant } from '../policy/alias-owner.js';
import type { AviGslbApi } from '../sync/avi-gslb-api.js';
import type { ControllerCache } from '../sync/controller-cache.js';
import type { ControllerReader } from '../sync/controller-reader.js';
import { GsApplier } from '../sync/gs-applier.js';
import { GsReconciler } from '../sync/gs-reconciler.js';
import { DesiredState } from './desired-state.js';

export interface ReconcilerParts {
  readonly store: MemberStore;
  readonly hostRules: HostRuleIndex;
  readonly cache: ControllerCache;
  readonly reader: ControllerReader;
  /** The fenced controller API. */
  readonly avi: AviGslbApi;
  readonly metrics: LeaderMetrics;
  readonly amkoUuid: string;
  readonly customFqdn: boolean;
  gdp(): AcceptedGdp | undefined;
  ghr(fqdn: string): AcceptedGhr | undefined;
  epoch(): number;
  writable(): boolean;
  fence(reason: string): void;
  aliasesLost(key: GslbKey, lost: AliasGrant['lost']): void;
}

export function buildReconciler(p: ReconcilerParts): GsReconciler {
  const desired = new DesiredState({
    store: p.store,
    hostRules: p.hostRules,
    amkoUuid: p.amkoUuid,
    customFqdn: p.customFqdn,
    gdp: () => p.gdp(),
    ghr: (fqdn) => p.ghr(fqdn),
    epoch: () => p.epoch(),
    defaultPki: (tenant, signal) => p.reader.defaultPkiProfile(tenant, signal),
    aliasesLost: (key, lost) => {
      p.aliasesLost(key, lost);
    },
  });
  return new GsReconciler({
    cache: p.cache,
    applier: new GsApplier({
      avi: p.avi,
      cache: p.cache,
      onWrite: (labels) => {
        p.metrics.aviWrite(labels);
      },
    }),
    amkoUuid: p.amkoUuid,
    desired: (key, exists, signal) => desired.desired(key, exists, signal),
    epoch: () => p.epoch(),
    writable: () => p.writable(),
    fence: (reason) => {
      p.fence(reason);
    },
  });
}
