/**
 * Runs one invalid-object case against the running federation: applies it through the real API
 * server, waits for amko's refusal (a status on the object, or a drift repair on a follower),
 * checks that the controller holds exactly what it held and took no write, that every amko is
 * up, then removes or restores the object and checks the same again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AMKO_CLUSTER_VALID } from '../../../src/shared/crd/amko-cluster.js';
import { GDP_SUCCESS } from '../../../src/shared/crd/global-deployment-policy.js';
import { GSLB_CONFIG_STATE } from '../../../src/shared/crd/gslb-config.js';
import { HEALTH_SERVICES } from '../../../src/shared/federation/federation-names.js';
import type { E2eFederation } from '../../support/e2e-federation.js';
import { eventually } from '../../support/eventually.js';
import { CLUSTERS, LEADER, type InvalidCase } from './invalid-case.js';
import {
  ObjectOps,
  RESOURCES,
  statusTextOf,
  type Key,
  type KindName,
  type RawObject,
  type WriteOutcome,
} from './object-ops.js';

/** Time given to amko to act on what it has just reported, before the controller is compared. */
const SETTLE_MS = 400;
const REFUSAL_TIMEOUT_MS = 20_000;
const RECOVERY_TIMEOUT_MS = 60_000;

/** The text amko shows again once the object in force is valid. */
const RECOVERED: Partial<Record<KindName, string>> = {
  GlobalDeploymentPolicy: GDP_SUCCESS,
  GSLBConfig: GSLB_CONFIG_STATE.accepted,
  AMKOCluster: AMKO_CLUSTER_VALID,
};

export interface CaseRow extends Record<string, string | boolean | number> {
  kind: string;
  case: string;
  cluster: string;
  refusedBy: 'apiserver' | 'amko' | 'none';
  message: string;
  configUnchanged: boolean;
  processUp: boolean;
  /** Time of the case, apply to restored (a measure, never asserted). */
  ms: number;
}

export interface CaseOutcome {
  readonly row: CaseRow;
  readonly violations: string[];
  /** amko processes found exited. */
  readonly crashed: number;
}

/** Every GslbService and health monitor on the controller, canonically ordered. */
export async function controllerState(f: E2eFederation): Promise<string> {
  const objs = await f.sim.control.objects();
  const pick = (t: string): Record<string, unknown>[] =>
    [...(objs[t] ?? [])].sort((a, b) => String(a['uuid']).localeCompare(String(b['uuid'])));
  return JSON.stringify({ gs: pick('gslbservice'), hm: pick('healthmonitor') });
}

async function writesSince(f: E2eFederation, since: number): Promise<string[]> {
  const out: string[] = [];
  for (const c of CLUSTERS) {
    for (const w of await f.writesFrom(c, since)) out.push(`${c}: ${w.method} ${w.path}`);
  }
  return out;
}

/** The amko processes that exited, and those whose process health is not SERVING. */
export async function processCheck(f: E2eFederation): Promise<{ down: string[]; exited: number }> {
  const down: string[] = [];
  let exited = 0;
  for (const c of CLUSTERS) {
    const run = f.run(c);
    if (!run || run.child.exitCode !== null || run.child.signalCode !== null) {
      exited++;
      down.push(`${c} exited`);
    } else if ((await f.probe(c, HEALTH_SERVICES.process)) !== 0) down.push(`${c} not SERVING`);
  }
  return { down, exited };
}

function keyOf(c: InvalidCase): Key {
  const a = c.action;
  if (a.op === 'edit') return a.key;
  return { namespace: a.obj.metadata?.namespace ?? '', name: a.obj.metadata?.name ?? '' };
}

export class CaseRunner {
  constructor(private readonly f: E2eFederation) {}

  #ops(c: InvalidCase, cluster = c.cluster ?? LEADER): ObjectOps {
    return new ObjectOps(this.f.api(cluster), RESOURCES[c.kind]);
  }

  async run(c: InvalidCase): Promise<CaseOutcome> {
    const cluster = c.cluster ?? LEADER;
    const started = Date.now();
    const since = (await this.f.sim.control.stats()).total;
    const before = await controllerState(this.f);
    const refusal = await this.#refusal(c);
    const violations = [...refusal.violations];
    const changed = await this.#changes(before, since);
    if (refusal.undo) await refusal.undo();
    const after = await this.#changes(before, since);
    const writes = [...new Set([...changed.writes, ...after.writes])];
    if (writes.length > 0) violations.push(`controller writes: ${writes.join(', ')}`);
    const differs = changed.differs || after.differs;
    if (differs) violations.push('the objects on the controller changed');
    const procs = await processCheck(this.f);
    if (procs.down.length > 0) violations.push(`amko down: ${procs.down.join(', ')}`);
    const row: CaseRow = {
      kind: c.kind,
      case: c.name,
      cluster,
      refusedBy: refusal.by,
      message: refusal.message,
      configUnchanged: writes.length === 0 && !differs,
      processUp: procs.down.length === 0,
      ms: Date.now() - started,
    };
    return { row, violations, crashed: procs.exited };
  }

  async #changes(before: string, since: number): Promise<{ writes: string[]; differs: boolean }> {
    const writes = await writesSince(this.f, since);
    return { writes, differs: (await controllerState(this.f)) !== before };
  }

  /** Applies the case and waits for its refusal; `undo` removes or restores what was written. */
  async #refusal(c: InvalidCase): Promise<{
    by: CaseRow['refusedBy'];
    message: string;
    violations: string[];
    undo?: () => Promise<void>;
  }> {
    const ops = this.#ops(c);
    const logFrom = this.f.run(c.cluster ?? LEADER)?.log().length ?? 0;
    const original = c.action.op === 'edit' ? await ops.get(c.action.key) : undefined;
    const applied = await this.#apply(c, ops);
    if (!applied.ok) {
      const message = `HTTP ${applied.code}: ${applied.message}`;
      const violations =
        c.refusedBy === 'apiserver' ? [] : ['expected a refusal by amko, got one by apiserver'];
      return { by: 'apiserver', message, violations };
    }
    const seen = await this.#amkoRefusal(c, logFrom);
    await sleep(SETTLE_MS);
    const violations: string[] = [];
    if (!seen.refused) violations.push(`no refusal by amko (saw: ${seen.text})`);
    else if (c.refusedBy !== 'amko')
      violations.push('expected a refusal by apiserver, got one by amko');
    return {
      by: seen.refused ? 'amko' : 'none',
      message: seen.text,
      violations,
      undo: () => this.#undo(c, ops, original),
    };
  }

  async #apply(c: InvalidCase, ops: ObjectOps): Promise<WriteOutcome> {
    const a = c.action;
    if (a.op === 'create') return ops.create(a.obj);
    return ops.replace(a.key, a.spec, a.annotations);
  }

  /** Waits for amko's refusal; returns what it showed (or the last thing seen). */
  async #amkoRefusal(c: InvalidCase, logFrom: number): Promise<{ refused: boolean; text: string }> {
    const want = c.message ?? '';
    let last = '(nothing)';
    const check = c.shows === 'repair' ? () => this.#repaired(c, logFrom) : () => this.#status(c);
    try {
      await eventually(
        async () => {
          last = (await check()) ?? '(nothing)';
          return last === want;
        },
        { timeoutMs: REFUSAL_TIMEOUT_MS, intervalMs: 100, what: `refusal of ${c.name}` },
      );
      return { refused: true, text: want };
    } catch {
      return { refused: false, text: last };
    }
  }

  async #status(c: InvalidCase): Promise<string | undefined> {
    return statusTextOf(c.kind, await this.#ops(c).get(keyOf(c)));
  }

  /** The drift repair log line, once the follower's object equals the leader's again. */
  async #repaired(c: InvalidCase, logFrom: number): Promise<string | undefined> {
    const key = keyOf(c);
    const mine = await this.#ops(c).get(key);
    const leaders = await this.#ops(c, LEADER).get(key);
    if (JSON.stringify(mine?.spec) !== JSON.stringify(leaders?.spec)) return 'not restored yet';
    const log =
      this.f
        .run(c.cluster ?? LEADER)
        ?.log()
        .slice(logFrom) ?? '';
    return log.includes(c.message ?? '\0') ? c.message : 'restored without a log line';
  }

  /** Deletes a created object, or puts an edited one back, and waits for amko to settle. */
  async #undo(c: InvalidCase, ops: ObjectOps, original: RawObject | undefined): Promise<void> {
    const a = c.action;
    if (a.op === 'create') {
      await ops.remove(keyOf(c));
    } else {
      const back = await ops.replace(a.key, original?.spec, original?.metadata?.annotations ?? {});
      if (!back.ok) throw new Error(`could not restore ${c.kind} ${a.key.name}: ${back.message}`);
      const want = RECOVERED[c.kind];
      if (want !== undefined && c.shows !== 'repair') {
        await eventually(async () => (await this.#status(c)) === want, {
          timeoutMs: RECOVERY_TIMEOUT_MS,
          intervalMs: 100,
          what: `${c.kind} ${a.key.name} valid again after ${c.name}`,
        });
      }
    }
    if (c.kind === 'GSLBConfig') await this.#leaderServing();
    await sleep(SETTLE_MS);
  }

  async #leaderServing(): Promise<void> {
    await eventually(async () => (await this.f.probe(LEADER, HEALTH_SERVICES.leader)) === 0, {
      timeoutMs: RECOVERY_TIMEOUT_MS,
      intervalMs: 200,
      what: 'the leader in sync again',
    });
  }
}
