/**
 * One running GSLB pipeline: member cluster watchers → ingestion queue → member store;
 * GDP/GSLBHostRule trackers; a rate-limited GslbService queue whose workers compute the desired
 * state, plan against the controller cache and apply. Bootup fills the caches, then queues every
 * key once (desired, cached and garbage); a full sync re-reads the controller every refresh
 * interval and queues every key again, which writes nothing when nothing changed.
 */
import { GSLB_CONFIG_STATE } from '../../shared/crd/gslb-config.js';
import { messageOf, OperatorError } from '../../shared/errors.js';
import { gslbKey, parseGslbKey, type GslbKey, type MemberObjectKey } from '../../shared/keys.js';
import { WorkQueue } from '../../shared/kube/work-queue.js';
import { runWorkers, type PassResult } from '../../shared/kube/worker-pool.js';
import { HostRuleIndex } from '../ingestion/host-rule-index.js';
import { IngestionController } from '../ingestion/ingestion-controller.js';
import { MemberStore } from '../ingestion/member-store.js';
import { createdByValue } from '../model/names.js';
import { selectObject } from '../policy/select.js';
import { GdpTracker } from '../rules/gdp-tracker.js';
import { GhrTracker } from '../rules/ghr-tracker.js';
import { ControllerCache } from '../sync/controller-cache.js';
import { ControllerReader } from '../sync/controller-reader.js';
import { EpochFence } from '../sync/epoch-fence.js';
import { GsApplier } from '../sync/gs-applier.js';
import { GsReconciler } from '../sync/gs-reconciler.js';
import { DesiredState } from './desired-state.js';
import { MemberClusterSet } from './member-cluster-set.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { memoryMb } from './memory.js';

type PolicyKey = 'policy' | 'full';

/** How long a GslbService key waits for a pending policy pass before it is looked at again. */
const POLICY_WAIT_MS = 50;

export class Pipeline {
  readonly #deps: PipelineDeps;
  readonly #stop = new AbortController();
  readonly #ingestQ: WorkQueue<MemberObjectKey>;
  readonly #policyQ: WorkQueue<PolicyKey>;
  readonly #gsQ: WorkQueue<GslbKey>;
  readonly #store: MemberStore;
  readonly #hostRules = new HostRuleIndex();
  readonly #ingestion: IngestionController;
  readonly #clusters: MemberClusterSet;
  readonly #gdp: GdpTracker;
  readonly #ghr: GhrTracker;
  readonly #cache: ControllerCache;
  readonly #reader: ControllerReader;
  readonly #reconciler: GsReconciler;
  /** Every controller call goes through the epoch fence. */
  readonly #avi: EpochFence;
  readonly #failing = new Set<GslbKey>();
  /** Keys put back because a policy pass was pending when they came up (not a pass). */
  readonly #deferred = new Set<GslbKey>();
  readonly #tasks: Promise<void>[] = [];
  /** Keys of the bootup pass or the current full sync still to be passed over once. */
  #pass: { what: 'bootup' | 'full sync'; keys: Set<GslbKey>; started: number } | undefined;
  #booted = false;
  /** What `onSyncState` was last told. */
  #syncShown = false;
  #controllerLeader: boolean;

  constructor(deps: PipelineDeps) {
    this.#deps = deps;
    const s = deps.settings;
    const clock = deps.clock;
    this.#controllerLeader = deps.controllerLeader;
    this.#ingestQ = new WorkQueue({ clock });
    this.#policyQ = new WorkQueue({ clock, baseDelayMs: 500, maxDelayMs: 30_000 });
    this.#gsQ = new WorkQueue({ clock, baseDelayMs: 50, maxDelayMs: 30_000 });
    this.#cache = new ControllerCache(createdByValue(s.amkoUuid));
    this.#avi = new EpochFence({
      api: deps.avi,
      createdBy: this.#cache.createdBy,
      epoch: () => deps.epoch(),
      writable: () => deps.writable() && this.#controllerLeader,
      fence: (reason) => {
        deps.fence(reason);
      },
    });
    this.#reader = new ControllerReader({ avi: this.#avi });
    const rulesDeps = {
      reader: this.#reader,
      memberClusters: s.memberClusters,
      refTenant: (ns: string) => deps.refTenant(ns),
      writeStatus: (
        ref: Parameters<PipelineDeps['writeStatus']>[0],
        obj: Parameters<PipelineDeps['writeStatus']>[1],
        status: Record<string, unknown>,
      ) => deps.writeStatus(ref, obj, status),
      log: deps.log,
    };
    this.#gdp = new GdpTracker(rulesDeps);
    this.#ghr = new GhrTracker(rulesDeps);
    this.#store = new MemberStore((o) => {
      const sel = selectObject(o, {
        gdp: this.#gdp.accepted?.spec,
        defaultTenant: s.defaultTenant,
        customFqdn: s.customFqdn,
        namespace: (c, n) => this.#namespaceInfo(c, n),
        globalFqdn: (c, h) => this.#hostRules.globalFqdn(c, h),
      });
      return sel.accepted ? gslbKey(sel.tenant, sel.gsName) : undefined;
    });
    this.#clusters = new MemberClusterSet({
      configs: s.memberConfigs,
      clock,
      log: deps.log,
      onKey: (k) => {
        this.#ingestQ.add(k);
      },
      onSynced: (c) => {
        this.#clusterSynced(c);
      },
      onHealth: (c, healthy, err) => {
        deps.clusterHealth(c, healthy, err);
      },
    });
    this.#ingestion = new IngestionController({
      cluster: (c) => this.#clusters.get(c),
      store: this.#store,
      hostRules: this.#hostRules,
      defaultDomain: () => this.#gdp.accepted?.spec.defaultDomain,
    });
    this.#reconciler = this.#makeReconciler();
    deps.metrics.watchQueue({ name: 'gslbservice', depth: () => this.#gsQ.length });
    deps.metrics.watchQueue({ name: 'member-objects', depth: () => this.#ingestQ.length });
  }

  /** Starts the pipeline; bootup runs in the background. */
  start(): void {
    this.#tasks.push(this.#boot());
  }

  /** GDP or GSLBHostRule objects changed. */
  policyChanged(): void {
    this.#policyQ.add('policy');
  }

  /** Re-reads the controller and passes over every key now (activation, leadership change). */
  resync(): void {
    this.#policyQ.add('full');
  }

  /** Bootup finished and no key is failing. */
  lastSyncOk(): boolean {
    return this.#booted && this.#failing.size === 0 && this.#controllerLeader;
  }

  #syncChanged(): void {
    const ok = this.lastSyncOk();
    if (ok === this.#syncShown) return;
    this.#syncShown = ok;
    this.#deps.onSyncState?.(ok);
  }

  /** Keys whose plan had writes that were held back (read-only mode). */
  get pendingWrites(): number {
    return this.#reconciler.pending.size;
  }

  async stop(): Promise<void> {
    this.#stop.abort(new Error('pipeline stopped'));
    this.#ingestQ.shutDown();
    this.#policyQ.shutDown();
    await this.#gsQ.shutDownWithDrain();
    await Promise.all(this.#tasks);
    await this.#clusters.stop();
  }

  #makeReconciler(): GsReconciler {
    const d = this.#deps;
    const desired = new DesiredState({
      store: this.#store,
      hostRules: this.#hostRules,
      amkoUuid: d.settings.amkoUuid,
      customFqdn: d.settings.customFqdn,
      gdp: () => this.#gdp.accepted,
      ghr: (fqdn) => this.#ghr.get(fqdn),
      epoch: () => d.epoch(),
      defaultPki: (tenant, signal) => this.#reader.defaultPkiProfile(tenant, signal),
    });
    return new GsReconciler({
      cache: this.#cache,
      applier: new GsApplier({
        avi: this.#avi,
        cache: this.#cache,
        onWrite: (op) => {
          const [verb = op, type = ''] = op.split('-');
          d.metrics.aviWrite(type === 'gs' ? 'gslbservice' : 'healthmonitor', verb);
        },
      }),
      amkoUuid: d.settings.amkoUuid,
      desired: (key, exists, signal) => desired.desired(key, exists, signal),
      epoch: () => d.epoch(),
      writable: () => d.writable() && this.#controllerLeader,
      fence: (reason) => {
        d.fence(reason);
      },
    });
  }

  #namespaceInfo(
    cluster: string,
    name: string,
  ): { labels: Record<string, string>; tenant: string | undefined } | undefined {
    const ns = this.#clusters.get(cluster)?.namespace(name);
    if (!ns) return undefined;
    const tenant = ns.metadata?.annotations?.['ako.vmware.com/tenant-name'];
    return { labels: { ...ns.metadata?.labels }, tenant: tenant || undefined };
  }

  async #boot(): Promise<void> {
    const d = this.#deps;
    const signal = this.#stop.signal;
    try {
      if (this.#controllerLeader) await d.setState(GSLB_CONFIG_STATE.syncing);
      this.#clusters.start();
      await this.#clusters.waitForSync(d.syncTimeoutMs ?? 60_000, signal);
      await this.#retrying('load the controller cache', () =>
        this.#reader.loadCache(this.#cache, signal),
      );
      await this.#retrying('evaluate GDP and GSLBHostRules', () => this.#evaluatePolicy(false));
      for (const mc of this.#clusters.started()) {
        if (mc.synced) for (const key of mc.keys()) this.#ingest(key);
      }
      this.#startWorkers();
      const keys = this.#allGsKeys();
      this.#track('bootup', keys);
      for (const k of keys) this.#gsQ.add(k);
      if (keys.length === 0) await this.#passDone();
      this.#tasks.push(this.#fullSyncLoop());
    } catch (err) {
      if (!signal.aborted) d.log.error({ err: messageOf(err) }, 'GSLB pipeline bootup failed');
    }
  }

  async #retrying(what: string, fn: () => Promise<unknown>): Promise<void> {
    const signal = this.#stop.signal;
    for (let delay = 500; ; delay = Math.min(delay * 2, 30_000)) {
      try {
        await fn();
        return;
      } catch (err) {
        if (signal.aborted) throw err;
        this.#deps.log.warn({ err: messageOf(err), retryInMs: delay }, `could not ${what}`);
        await this.#deps.clock.sleep(delay, signal);
      }
    }
  }

  #startWorkers(): void {
    const d = this.#deps;
    const log = d.log;
    const slowRetryMs = d.slowRetryMs ?? 5_000;
    this.#tasks.push(
      runWorkers({
        queue: this.#ingestQ,
        count: 1,
        log,
        slowRetryMs,
        process: (key) => {
          this.#ingest(key);
          return Promise.resolve(undefined);
        },
      }),
      runWorkers({
        queue: this.#policyQ,
        count: 1,
        log,
        slowRetryMs,
        process: (key) => this.#policyPass(key),
      }),
      runWorkers({
        queue: this.#gsQ,
        count: d.gsWorkers ?? 8,
        log,
        slowRetryMs,
        process: (key) => this.#gsPass(key),
        onPass: (key, outcome) => {
          this.#afterPass(key, outcome);
        },
      }),
    );
  }

  #ingest(key: MemberObjectKey): void {
    this.#deps.metrics.ingested(key.slice(0, key.indexOf('/')));
    for (const k of this.#ingestion.process(key)) this.#gsQ.add(k);
  }

  async #policyPass(key: PolicyKey): Promise<PassResult> {
    if (key === 'full') await this.#fullSync();
    else await this.#evaluatePolicy(true);
    return undefined;
  }

  async #evaluatePolicy(enqueue: boolean): Promise<void> {
    const signal = this.#stop.signal;
    const gdpChanged = await this.#gdp.evaluate(this.#deps.gdps.list(), signal);
    const fqdns = await this.#ghr.evaluate(this.#deps.ghrs.list(), signal);
    if (gdpChanged) this.#store.reselect();
    if (!enqueue) return;
    const all = this.#allGsKeys();
    for (const k of all) {
      if (gdpChanged || fqdns.has(parseGslbKey(k).gsName)) this.#gsQ.add(k);
    }
  }

  async #gsPass(key: GslbKey): Promise<PassResult> {
    const started = this.#deps.clock.now();
    if (this.#held(key)) return undefined;
    if (this.#policyPending()) {
      // Planned now, this key would be written with the GDP/GSLBHostRules the policy pass is
      // about to replace (e.g. right after a promotion caught up from a member), then again.
      this.#deferred.add(key);
      return { requeueAfterMs: POLICY_WAIT_MS };
    }
    try {
      const result = await this.#reconciler.reconcile(key, this.#stop.signal);
      if (result === 'read-only') this.#deps.log.debug({ key }, 'writes held back: read-only');
      else if (result !== 'unchanged') this.#deps.log.debug({ key, result }, 'GslbService synced');
      this.#deps.metrics.reconcile(result, (this.#deps.clock.now() - started) / 1000);
      return undefined;
    } catch (err) {
      if (err instanceof OperatorError && err.code === 'AVI_NOT_LEADER')
        await this.#lostControllerLeadership();
      this.#deps.metrics.reconcile('error', (this.#deps.clock.now() - started) / 1000);
      throw err;
    }
  }

  /** While writing, a policy pass queued or running holds GslbService writes back. */
  #policyPending(): boolean {
    if (!this.#deps.writable() || !this.#controllerLeader) return false;
    return this.#policyQ.length + this.#policyQ.inFlight > 0;
  }

  /** A GS that has members in a cluster not yet listed is left alone until that cluster lists. */
  #held(key: GslbKey): boolean {
    const unsynced = this.#clusters.unsynced();
    if (unsynced.length === 0) return false;
    const members = (this.#cache.gs(key)?.body.description ?? '').split(',');
    return members.some((m) => unsynced.some((c) => m.split('/')[1] === c));
  }

  #afterPass(key: GslbKey, outcome: 'ok' | 'retry' | 'slow' | 'dropped'): void {
    if (this.#deferred.delete(key)) return;
    if (outcome === 'ok') this.#failing.delete(key);
    else this.#failing.add(key);
    this.#syncChanged();
    const pass = this.#pass;
    if (!pass?.keys.delete(key) || pass.keys.size > 0) return;
    this.#tasks.push(this.#passDone());
  }

  #track(what: 'bootup' | 'full sync', keys: readonly GslbKey[]): void {
    this.#pass = { what, keys: new Set(keys), started: this.#deps.clock.now() };
  }

  async #passDone(): Promise<void> {
    const pass = this.#pass;
    this.#pass = undefined;
    const ms = pass ? this.#deps.clock.now() - pass.started : 0;
    const fields = {
      gslbServices: this.#cache.gsCount,
      ms,
      failing: this.#failing.size,
      memoryMb: memoryMb(),
    };
    if (pass?.what === 'full sync') {
      this.#deps.log.info(fields, 'full sync finished');
      return;
    }
    this.#booted = true;
    this.#syncChanged();
    this.#deps.log.info(fields, 'bootup sync finished');
    if (!this.#controllerLeader) return;
    await this.#deps.setState(GSLB_CONFIG_STATE.synced);
    await this.#deps.setState(GSLB_CONFIG_STATE.accepted);
  }

  #clusterSynced(cluster: string): void {
    if (!this.#booted && this.#pass === undefined) return;
    this.#deps.log.info({ cluster }, 'member cluster listed; passing over its objects');
    for (const key of this.#clusters.get(cluster)?.keys() ?? []) this.#ingestQ.add(key);
    for (const k of this.#allGsKeys()) this.#gsQ.add(k);
  }

  async #lostControllerLeadership(): Promise<void> {
    if (!this.#controllerLeader) return;
    this.#controllerLeader = false;
    this.#syncChanged();
    this.#deps.log.warn('the controller is no longer the GSLB leader; writes stop until it is');
    await this.#deps.setState(GSLB_CONFIG_STATE.onlyOnLeader).catch(() => undefined);
  }

  async #fullSyncLoop(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      await this.#deps.clock
        .sleep(this.#deps.settings.refreshIntervalMs, signal)
        .catch(() => undefined);
      if (!signal.aborted) this.#policyQ.add('full');
    }
  }

  async #fullSync(): Promise<void> {
    const d = this.#deps;
    const signal = this.#stop.signal;
    const [cluster, gslb] = await Promise.all([
      this.#avi.cluster(signal),
      this.#avi.gslb('admin', signal),
    ]);
    const leader = gslb !== undefined && gslb.leader_cluster_uuid === cluster.uuid;
    if (leader !== this.#controllerLeader) {
      d.log.info({ leader }, 'controller GSLB leadership changed');
      this.#controllerLeader = leader;
      this.#syncChanged();
      await d.setState(leader ? GSLB_CONFIG_STATE.accepted : GSLB_CONFIG_STATE.controllerNotLeader);
    }
    await this.#reader.loadCache(this.#cache, signal);
    this.#gdp.invalidate();
    this.#ghr.invalidate();
    await this.#evaluatePolicy(false);
    const keys = this.#allGsKeys();
    if (this.#booted) this.#track('full sync', keys);
    for (const k of keys) this.#gsQ.add(k);
    d.log.info(
      { keys: keys.length, cached: this.#cache.gsCount },
      'full sync: controller re-read, every key queued',
    );
  }

  /** Every key that may need work: desired, cached, and named by monitors we own. */
  #allGsKeys(): GslbKey[] {
    const keys = new Set<GslbKey>([...this.#store.keys(), ...this.#cache.gsKeys()]);
    for (const h of this.#cache.gsNamesOfOwnedHms()) keys.add(gslbKey(h.tenant, h.gsName));
    return [...keys];
  }
}
