/**
 * Wires the GslbService controller: its reconciler (desired state from the member store,
 * HostRules, the policies in force and alias ownership; the applier writing through the epoch
 * fence) and the reports of refused writes and lost aliases (log lines and Events).
 */
import { parseGslbKey, type GslbKey } from '../../shared/keys.js';
import type { HostRuleIndex } from '../ingestion/host-rule-index.js';
import type { MemberStore } from '../ingestion/member-store.js';
import type { AcceptedGdp, AcceptedGhr } from '../policy/accepted-policy.js';
import type { AviGslbApi } from '../sync/avi-gslb-api.js';
import type { ControllerCache } from '../sync/controller-cache.js';
import type { ControllerReader } from '../sync/controller-reader.js';
import { GsApplier } from '../sync/gs-applier.js';
import { GsReconciler } from '../sync/gs-reconciler.js';
import { DesiredState, type DesiredStateDeps } from './desired-state.js';
import { GsController, type GsControllerDeps } from './gs-controller.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { aliasConflictMessages, refusalEvent } from './reports.js';

export interface GsParts {
  readonly deps: PipelineDeps;
  readonly store: MemberStore;
  readonly hostRules: HostRuleIndex;
  readonly cache: ControllerCache;
  readonly reader: ControllerReader;
  /** The fenced controller API. */
  readonly avi: AviGslbApi;
  gdp(): AcceptedGdp | undefined;
  ghr(fqdn: string): AcceptedGhr | undefined;
  /** Leader-level permission and the controller being the GSLB leader. */
  writable(): boolean;
  /** What the controller needs from the driver. */
  readonly driver: Pick<
    GsControllerDeps,
    'unsyncedClusters' | 'policyPending' | 'lostControllerLeadership' | 'heldBack' | 'passed'
  >;
}

export function buildGsController(p: GsParts): GsController {
  const d = p.deps;
  let gs: GsController | undefined = undefined;
  const reconciler = buildReconciler(p, (key, grant) => gs?.noteAliases(key, grant));
  gs = new GsController({
    reconciler,
    cache: p.cache,
    clock: d.clock,
    log: d.log,
    metrics: d.metrics,
    workers: d.gsWorkers ?? 8,
    slowRetryMs: d.slowRetryMs ?? 5_000,
    unsyncedClusters: () => p.driver.unsyncedClusters(),
    policyPending: () => p.driver.policyPending(),
    lostControllerLeadership: () => p.driver.lostControllerLeadership(),
    heldBack: (key) => {
      p.driver.heldBack(key);
    },
    passed: (key) => {
      p.driver.passed(key);
    },
    refused: (key, message) => {
      const policy = { ghr: p.ghr(parseGslbKey(key).gsName), gdp: p.gdp() };
      const e = refusalEvent(key, message, policy);
      if (e) d.event(e.about, e.reason, e.message, e.warning);
    },
    aliasesLost: (key, lost) => {
      if (lost.length === 0) d.log.info({ key }, 'GslbService no longer loses any alias');
      aliasConflictMessages(key, lost).forEach((message, i) => {
        d.log.warn({ key, ...lost[i] }, 'alias claimed by another GslbService; left out');
        d.gslbConfigEvent('AliasConflict', message, true);
      });
    },
  });
  return gs;
}

function buildReconciler(
  p: GsParts,
  aliasesGranted: DesiredStateDeps['aliasesGranted'],
): GsReconciler {
  const d = p.deps;
  const desired = new DesiredState({
    store: p.store,
    hostRules: p.hostRules,
    amkoUuid: d.settings.amkoUuid,
    customFqdn: d.settings.customFqdn,
    gdp: () => p.gdp(),
    ghr: (fqdn) => p.ghr(fqdn),
    epoch: () => d.epoch(),
    defaultPki: (tenant, signal) => p.reader.defaultPkiProfile(tenant, signal),
    aliasesGranted,
  });
  return new GsReconciler({
    cache: p.cache,
    applier: new GsApplier({
      avi: p.avi,
      cache: p.cache,
      onWrite: (labels) => {
        d.metrics.aviWrite(labels);
      },
      written: (o) => {
        d.view?.wrote(o);
      },
    }),
    amkoUuid: d.settings.amkoUuid,
    desired: (key: GslbKey, exists, signal) => desired.desired(key, exists, signal),
    epoch: () => d.epoch(),
    writable: () => p.writable(),
    fence: (reason) => {
      d.fence(reason);
    },
  });
}
