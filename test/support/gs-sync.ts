/**
 * The leader's sync layer for one GslbService over a real Avi client, without Kubernetes: a
 * controller cache loaded from the controller, the applier and the reconciler, with the desired
 * GS built by the real model from one Ingress member. `syncPasses` reconciles as the worker
 * queue would, retrying retryable errors a bounded number of times.
 */
import type { AviClient } from '../../src/shared/avi/avi-client.js';
import type { WrittenObject } from '../../src/shared/federation/controller-view.js';
import { OperatorError } from '../../src/shared/errors.js';
import { gslbKey } from '../../src/shared/keys.js';
import type { TrackedObject } from '../../src/leader/ingestion/tracked-object.js';
import { desiredGslbService } from '../../src/leader/model/desired-gslb-service.js';
import { effectivePolicy } from '../../src/leader/policy/effective-policy.js';
import { AviClientGslbApi } from '../../src/leader/sync/avi-client-api.js';
import { ControllerCache } from '../../src/leader/sync/controller-cache.js';
import { ControllerReader } from '../../src/leader/sync/controller-reader.js';
import { GsApplier } from '../../src/leader/sync/gs-applier.js';
import { GsReconciler, type ReconcileResult } from '../../src/leader/sync/gs-reconciler.js';

export const SYNC_AMKO_UUID = '4f8e2a10-1c3b-11ef-9d2e-0242ac120002';

function member(gsName: string, ip: string): TrackedObject {
  return {
    kind: 'INGRESS',
    cluster: 'c1',
    namespace: 'web',
    name: `ing/${gsName}`,
    objectName: 'ing',
    hostname: gsName,
    ip,
    labels: {},
    paths: ['/cart'],
    tls: false,
    passthrough: false,
    vsUuid: 'virtualservice-1a2b3c4d-0000-4000-8000-00000000a001',
    controllerUuid: 'cluster-aaaa1111-2222-4333-8444-555566667777',
    tenant: undefined,
  };
}

export interface GsSyncOptions {
  /** False: a hot standby's read-only plans (default true). */
  readonly writable?: boolean;
  /** The member's VIP (default 10.0.0.1). */
  readonly ip?: string;
  /** The GS is no longer wanted: its desired state is gone. */
  readonly gone?: boolean;
  /** Told about every object the applier wrote. */
  readonly written?: (o: WrittenObject) => void;
  /** Told as each write starts. */
  readonly onWrite?: () => void;
  /** The epoch it writes at (default 1); asked at each plan. */
  readonly epoch?: () => number;
}

export interface GsSync {
  readonly reconciler: GsReconciler;
  readonly cache: ControllerCache;
  /** How many times the desired state was computed (once per plan). */
  desiredCalls(): number;
}

/** The sync layer for GS `gsName` in `admin` (with one path monitor), over a fresh cache. */
export async function gsSync(
  client: AviClient,
  gsName: string,
  opts: GsSyncOptions = {},
): Promise<GsSync> {
  const avi = new AviClientGslbApi(client);
  const cache = new ControllerCache(`amko-${SYNC_AMKO_UUID}`);
  await new ControllerReader({ avi }).loadCache(cache);
  let calls = 0;
  const epoch = opts.epoch ?? (() => 1);
  const reconciler = new GsReconciler({
    cache,
    applier: new GsApplier({
      avi,
      cache,
      ...(opts.written ? { written: opts.written } : {}),
      ...(opts.onWrite ? { onWrite: opts.onWrite } : {}),
    }),
    amkoUuid: SYNC_AMKO_UUID,
    desired: (_key, exists) => {
      calls++;
      if (opts.gone) return Promise.resolve(undefined);
      return Promise.resolve(
        desiredGslbService({
          tenant: 'admin',
          gsName,
          members: [{ obj: member(gsName, opts.ip ?? '10.0.0.1'), tls: false, syncVipOnly: false }],
          policy: effectivePolicy({ namespace: 'avi-system', name: 'g', spec: {} }, undefined),
          aliases: [],
          amkoUuid: SYNC_AMKO_UUID,
          epoch: epoch(),
          exists,
        }),
      );
    },
    epoch,
    writable: () => opts.writable ?? true,
    fence: () => undefined,
  });
  return { reconciler, cache, desiredCalls: () => calls };
}

/** A reconciler for GS `gsName` in `admin` (with one path monitor), over a fresh cache. */
export async function gsSyncFor(client: AviClient, gsName: string): Promise<GsReconciler> {
  return (await gsSync(client, gsName)).reconciler;
}

export interface SyncOutcome {
  /** The result of the pass that returned; undefined when none did within `maxPasses`. */
  result: ReconcileResult | undefined;
  /** Codes of the retryable errors met on the way, in order. */
  errors: string[];
  /** A terminal or untyped error, which ends the passes. */
  fatal?: unknown;
}

/** Reconciles `gsName` until a pass returns, as the worker queue requeues retryable errors. */
export async function syncPasses(
  r: GsReconciler,
  gsName: string,
  maxPasses = 6,
): Promise<SyncOutcome> {
  const errors: string[] = [];
  for (let i = 0; i < maxPasses; i++) {
    try {
      return { result: await r.reconcile(gslbKey('admin', gsName)), errors };
    } catch (err) {
      if (!(err instanceof OperatorError) || err.retry === 'never') {
        return { result: undefined, errors, fatal: err };
      }
      errors.push(err.code);
    }
  }
  return { result: undefined, errors };
}
