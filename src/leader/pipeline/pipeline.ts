/**
 * One running GSLB pipeline, the bootup and full-sync driver: member cluster watchers →
 * ingestion queue → member store; GDP/GSLBHostRule trackers on a policy queue; and the
 * GslbService controller (gs-controller.ts) it hands keys to. Bootup fills the caches, then
 * queues every key once (desired, cached and garbage); a full sync re-reads the controller every
 * refresh interval and queues every key again, which writes nothing when nothing changed.
 */
import { doubling, retryUntilDone } from '../../shared/backoff.js';
import { GSLB_CONFIG_STATE } from '../../shared/crd/gslb-config.js';
import { messageOf } from '../../shared/errors.js';
import {
  gslbKey,
  parseMemberObjectKey,
  type GslbKey,
  type MemberObjectKey,
} from '../../shared/keys.js';
import { WorkQueue } from '../../shared/kube/work-queue.js';
import { eachInSlices, runWorkers, type PassResult } from '../../shared/kube/worker-pool.js';
import { HostRuleIndex } from '../ingestion/host-rule-index.js';
import { IngestionController } from '../ingestion/ingestion-controller.js';
import { MemberStore } from '../ingestion/member-store.js';
import type { TrackedObject } from '../ingestion/tracked-object.js';
import { createdByValue } from '../model/names.js';
import { selectObject } from '../policy/select.js';
import { GdpTracker } from '../rules/gdp-tracker.js';
import { GhrTracker } from '../rules/ghr-tracker.js';
import type { RulesDeps } from '../rules/rules-deps.js';
import { ControllerCache } from '../sync/controller-cache.js';
import { ControllerReader } from '../sync/controller-reader.js';
import { EpochFence } from '../sync/epoch-fence.js';
import type { GsController } from './gs-controller.js';
import { GsKeys } from './gs-keys.js';
import { buildGsController } from './gs-wiring.js';
import { MemberClusterSet } from './member-cluster-set.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { memoryMb, PassGarbageCollector } from './memory.js';
import { StandbyView } from './standby-view.js';
import { SyncPasses, type FinishedPass } from './sync-passes.js';

/**
 * The policy queue's work: a policy pass, a full sync (the controller re-read), an activation
 * (the keys whose read-only plans do not hold), the check of the controller view after it, and a
 * standby's verification of its view.
 */
type PolicyKey = 'policy' | 'full' | 'activate' | 'verify' | 'check';

/** The policy queue's checks of the controller view: they do not hold GslbService writes back. */
const VIEW_CHECKS: readonly PolicyKey[] = ['check', 'verify'];

/** Retries of a bootup step (controller cache, policy), whatever the failure. */
const BOOT_RETRY = doubling(500, 30_000);

export class Pipeline {
  readonly #deps: PipelineDeps;
  readonly #stop = new AbortController();
  readonly #ingestQ: WorkQueue<MemberObjectKey>;
  readonly #policyQ: WorkQueue<PolicyKey>;
  readonly #store: MemberStore;
  readonly #hostRules = new HostRuleIndex();
  readonly #ingestion: IngestionController;
  readonly #clusters: MemberClusterSet;
  readonly #gdp: GdpTracker;
  readonly #ghr: GhrTracker;
  readonly #cache: ControllerCache;
  readonly #keys: GsKeys;
  readonly #garbage = new PassGarbageCollector();
  readonly #reader: ControllerReader;
  /** Every controller call goes through the epoch fence. */
  readonly #avi: EpochFence;
  readonly #gs: GsController;
  readonly #tasks: Promise<void>[] = [];
  /** The bootup pass and full syncs still going over every key once. */
  readonly #passes: SyncPasses<GslbKey>;
  /** What `onSyncState` was last told. */
  #syncShown = false;
  #controllerLeader: boolean;
  /** A hot standby's controller view. */
  readonly #standby: StandbyView;
  /** Stops taking what the leader wrote (a hot standby's view). */
  #untake: (() => void) | undefined;
  /** The policy queue's work in progress. */
  #policyRunning: PolicyKey | undefined;

  constructor(deps: PipelineDeps) {
    this.#deps = deps;
    const s = deps.settings;
    const clock = deps.clock;
    this.#controllerLeader = deps.controllerLeader;
    this.#passes = new SyncPasses(() => clock.now());
    this.#ingestQ = new WorkQueue({ clock });
    this.#policyQ = new WorkQueue({ clock, baseDelayMs: 500, maxDelayMs: 30_000 });
    this.#cache = new ControllerCache(createdByValue(s.amkoUuid));
    this.#avi = new EpochFence({
      api: deps.avi,
      createdBy: this.#cache.createdBy,
      epoch: () => deps.epoch(),
      writable: () => this.#mayWrite(),
      fence: (reason) => {
        deps.fence(reason);
      },
    });
    this.#reader = new ControllerReader({ avi: this.#avi });
    const rulesDeps: RulesDeps = {
      reader: this.#reader,
      memberClusters: s.memberClusters,
      refTenant: (ns) => deps.refTenant(ns),
      writeStatus: (ref, obj, status) => deps.writeStatus(ref, obj, status),
      log: deps.log,
    };
    this.#gdp = new GdpTracker(rulesDeps);
    this.#ghr = new GhrTracker(rulesDeps);
    this.#store = new MemberStore((o) => this.#select(o));
    this.#keys = new GsKeys(this.#store, this.#cache);
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
    this.#gs = this.#makeGsController();
    this.#standby = this.#makeStandbyView();
    deps.metrics.watchQueue({ name: 'member-objects', depth: () => this.#ingestQ.length });
  }

  /** Starts the pipeline; bootup runs in the background. */
  start(): void {
    this.#untake = this.#deps.view?.takeWith((objects) => {
      this.#standby.takeWritten(objects);
    });
    this.#tasks.push(this.#boot());
  }

  /** GDP or GSLBHostRule objects changed. */
  policyChanged(): void {
    this.#policyQ.add('policy');
  }

  /** Activation: the keys whose read-only plans do not hold now, then a check of the view. */
  resync(): void {
    this.#policyQ.add('activate');
  }

  /** A namespace of the leader cluster changed: its tenant may be new to its GSLBHostRules. */
  namespaceChanged(namespace: string): void {
    const d = this.#deps;
    const inIt = (o: { metadata?: { namespace?: string } }): boolean =>
      o.metadata?.namespace === namespace;
    if (d.ghrs.list().some(inIt) || d.gdps.list().some(inIt)) this.#policyQ.add('policy');
  }

  /** Bootup finished and no key is failing. */
  lastSyncOk(): boolean {
    return this.#passes.booted && this.#gs.failing === 0 && this.#controllerLeader;
  }

  /** Tells `onSyncState` when `lastSyncOk()` changed. */
  #syncChanged(): void {
    const ok = this.lastSyncOk();
    if (ok === this.#syncShown) return;
    this.#syncShown = ok;
    this.#deps.onSyncState?.(ok);
  }

  /** Keys whose plan had writes that were held back (read-only mode). */
  get pendingWrites(): number {
    return this.#gs.pendingWrites;
  }

  async stop(): Promise<void> {
    this.#untake?.();
    this.#stop.abort(new Error('pipeline stopped'));
    this.#ingestQ.shutDown();
    this.#policyQ.shutDown();
    await this.#gs.stop();
    await Promise.all(this.#tasks);
    await this.#clusters.stop();
  }

  #makeStandbyView(): StandbyView {
    const d = this.#deps;
    return new StandbyView({
      cache: this.#cache,
      reader: this.#reader,
      gs: this.#gs,
      clock: d.clock,
      log: d.log,
      metrics: d.metrics,
      refreshIntervalMs: d.settings.refreshIntervalMs,
      mayWrite: () => this.#mayWrite(),
      queueVerify: (delayMs) => {
        this.#policyQ.addAfter('verify', delayMs);
      },
      allKeys: () => this.#keys.all(),
    });
  }

  #makeGsController(): GsController {
    return buildGsController({
      deps: this.#deps,
      store: this.#store,
      hostRules: this.#hostRules,
      cache: this.#cache,
      reader: this.#reader,
      avi: this.#avi,
      gdp: () => this.#gdp.accepted,
      ghr: (fqdn) => this.#ghr.get(fqdn),
      writable: () => this.#mayWrite(),
      driver: {
        unsyncedClusters: () => this.#clusters.unsynced(),
        policyPending: () => this.#policyPending(),
        lostControllerLeadership: () => this.#lostControllerLeadership(),
        heldBack: () => {
          this.#standby.heldBack();
        },
        passed: (key) => {
          this.#passed(key);
        },
      },
    });
  }

  /** Leader-level permission and the controller being the GSLB leader. */
  #mayWrite(): boolean {
    return this.#deps.writable() && this.#controllerLeader;
  }

  /** The GslbService a tracked object belongs to under the policy in force, if any. */
  #select(o: TrackedObject): GslbKey | undefined {
    const s = this.#deps.settings;
    const sel = selectObject(o, {
      gdp: this.#gdp.accepted?.spec,
      defaultTenant: s.defaultTenant,
      customFqdn: s.customFqdn,
      namespace: (c, n) => this.#clusters.namespaceInfo(c, n),
      globalFqdn: (c, h) => this.#hostRules.globalFqdn(c, h),
    });
    return sel.accepted ? gslbKey(sel.tenant, sel.gsName) : undefined;
  }

  async #boot(): Promise<void> {
    const d = this.#deps;
    const signal = this.#stop.signal;
    try {
      if (this.#controllerLeader) await d.setState(GSLB_CONFIG_STATE.syncing);
      this.#clusters.start();
      await this.#clusters.waitForSync(d.syncTimeoutMs ?? 60_000, signal);
      const retrying = (what: string, fn: () => Promise<unknown>): Promise<void> =>
        retryUntilDone({ what, fn, policy: BOOT_RETRY, clock: d.clock, log: d.log, signal });
      const cache = this.#cache;
      await retrying('load the controller cache', () => this.#reader.loadCache(cache, signal));
      await retrying('evaluate GDP and GSLBHostRules', () => this.#evaluatePolicy(false));
      const listed = this.#clusters.started().flatMap((mc) => (mc.synced ? mc.keys() : []));
      if (!(await eachInSlices(listed, this.#ingest, signal))) return;
      // What was listed is now ingested: its garbage goes before the writes add theirs.
      this.#tasks.push(this.#collectGarbage('bootup lists'));
      this.#startWorkers();
      const keys = this.#keys.all();
      this.#passes.start('bootup', keys);
      for (const k of keys) this.#gs.add(k);
      if (keys.length === 0) await this.#passDone(this.#passes.finish());
      this.#tasks.push(this.#fullSyncLoop());
    } catch (err) {
      if (!signal.aborted) d.log.error({ err: messageOf(err) }, 'GSLB pipeline bootup failed');
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
    );
    this.#gs.start();
  }

  readonly #ingest = (key: MemberObjectKey): void => {
    this.#deps.metrics.ingested(parseMemberObjectKey(key).kind);
    for (const k of this.#ingestion.process(key)) this.#gs.add(k);
  };

  async #policyPass(key: PolicyKey): Promise<PassResult> {
    this.#policyRunning = key;
    try {
      if (key === 'full') await this.#fullSync();
      else if (key === 'activate') await this.#activate();
      else if (key === 'check') await this.#checkView();
      else if (key === 'verify') await this.#standby.verify(this.#stop.signal);
      else await this.#evaluatePolicy(true);
    } finally {
      this.#policyRunning = undefined;
    }
    return undefined;
  }

  /** Re-evaluates GDPs and GSLBHostRules; returns (and with `enqueue` queues) the keys affected. */
  async #evaluatePolicy(enqueue: boolean): Promise<Iterable<GslbKey>> {
    const signal = this.#stop.signal;
    const gdpChanged = await this.#gdp.evaluate(this.#deps.gdps.list(), signal);
    const fqdns = await this.#ghr.evaluate(this.#deps.ghrs.list(), signal);
    if (gdpChanged) this.#store.reselect();
    const keys = gdpChanged ? this.#keys.all() : this.#keys.named(fqdns);
    if (enqueue) for (const k of keys) this.#gs.add(k);
    return keys;
  }

  /**
   * While writing, a policy pass queued or running holds GslbService writes back. A check of
   * the controller view does not: the writes it might meet are refused and repaired.
   */
  #policyPending(): boolean {
    if (!this.#mayWrite()) return false;
    const q = this.#policyQ;
    const checks = VIEW_CHECKS.filter((k) => q.isQueued(k)).length;
    const running = this.#policyRunning;
    return q.length > checks || (running !== undefined && !VIEW_CHECKS.includes(running));
  }

  #passed(key: GslbKey): void {
    const done = this.#passes.passed(key);
    this.#syncChanged();
    if (done) this.#tasks.push(this.#passDone(done));
  }

  async #passDone(pass: FinishedPass): Promise<void> {
    const fields = {
      gslbServices: this.#cache.gsCount,
      ms: pass.ms,
      failing: this.#gs.failing,
      memoryMb: memoryMb(),
    };
    if (pass.what === 'full sync') {
      this.#deps.log.info(fields, 'full sync finished');
      await this.#collectGarbage(pass.what);
      return;
    }
    this.#deps.log.info(fields, 'bootup sync finished');
    await this.#collectGarbage(pass.what);
    if (!this.#controllerLeader) return;
    await this.#deps.setState(GSLB_CONFIG_STATE.synced);
    await this.#deps.setState(GSLB_CONFIG_STATE.accepted);
  }

  /** Frees what the pass read and wrote and no longer needs (memory.ts). */
  async #collectGarbage(what: string): Promise<void> {
    if (!(await this.#garbage.collect())) return;
    this.#deps.log.debug({ pass: what, memoryMb: memoryMb() }, 'collected the garbage of the pass');
  }

  #clusterSynced(cluster: string): void {
    if (!this.#passes.booted && !this.#passes.running) return;
    this.#deps.log.info({ cluster }, 'member cluster listed; passing over its objects');
    for (const key of this.#clusters.get(cluster)?.keys() ?? []) this.#ingestQ.add(key);
    for (const k of this.#keys.all()) this.#gs.add(k);
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

  /** Asks the controller whether it is the GSLB leader, and acts on a change. */
  async #checkControllerLeader(signal: AbortSignal): Promise<void> {
    const d = this.#deps;
    const [cluster, gslb] = await Promise.all([
      this.#avi.cluster(signal),
      this.#avi.gslb('admin', signal),
    ]);
    const leader = gslb !== undefined && gslb.leader_cluster_uuid === cluster.uuid;
    if (leader === this.#controllerLeader) return;
    d.log.info({ leader }, 'controller GSLB leadership changed');
    this.#controllerLeader = leader;
    this.#syncChanged();
    await d.setState(leader ? GSLB_CONFIG_STATE.accepted : GSLB_CONFIG_STATE.controllerNotLeader);
  }

  /** Re-reads the controller, re-evaluates policy and passes over every key. */
  async #fullSync(): Promise<void> {
    const signal = this.#stop.signal;
    await this.#checkControllerLeader(signal);
    await this.#reader.loadCache(this.#cache, signal);
    this.#gdp.invalidate();
    this.#ghr.invalidate();
    await this.#evaluatePolicy(false);
    const keys = this.#keys.all();
    this.#passKeys(keys);
    this.#deps.log.info(
      { keys: keys.length, cached: this.#cache.gsCount },
      'full sync: controller re-read, every key queued',
    );
  }

  /**
   * Activation of a hot standby: its read-only pipeline now writes. Its controller view follows
   * what the old leader wrote, and each key's last read-only plan tells whether it still holds
   * (gs-reconciler.ts). So the pass plans at once the keys whose plans do not hold (writes held
   * back, new input, objects changed, failing) and those the policy re-evaluated changes; the
   * others found nothing to write, and still would. The view is then verified against the
   * controller beside the writes (versions only; `check`), and what changed is planned again.
   */
  async #activate(): Promise<void> {
    const signal = this.#stop.signal;
    await this.#checkControllerLeader(signal);
    this.#gdp.invalidate();
    this.#ghr.invalidate();
    const affected = await this.#evaluatePolicy(false);
    const all = this.#keys.all();
    const keys = new Set([...this.#gs.mustPlan(all), ...affected]);
    this.#gs.forgetPlans();
    this.#cache.unverified();
    this.#deps.log.info(
      { keys: keys.size, of: all.length, cached: this.#cache.gsCount },
      'activation: keys whose last plan does not hold queued; controller view verified next',
    );
    this.#passKeys([...keys]);
    this.#policyQ.add('check');
  }

  /** Verifies the controller view of a writing pipeline; what changed is planned again. */
  async #checkView(): Promise<void> {
    const check = await this.#reader.refreshCache(this.#cache, this.#stop.signal);
    const keys = check.keys ?? this.#keys.all();
    const { listed, changed, gone, reread } = check;
    this.#deps.log.info(
      { listed, changed, gone, reread, keys: keys.length },
      'controller view verified',
    );
    for (const k of keys) this.#gs.add(k);
  }

  /** Passes over `keys` as a full sync (tracked once bootup finished). */
  #passKeys(keys: readonly GslbKey[]): void {
    if (this.#passes.booted) {
      this.#passes.start('full sync', keys);
      if (keys.length === 0) this.#tasks.push(this.#passDone(this.#passes.finish()));
    }
    for (const k of keys) this.#gs.add(k);
  }
}
