/**
 * Invalid objects: hand-written invalid GSLBConfigs, GlobalDeploymentPolicies, GSLBHostRules
 * and AMKOClusters applied one at a time through the real API servers of a running three-site
 * federation (cluster1 leading, two hot standbys) that keeps two GslbServices on the Avi
 * simulator. Each must be refused by the API server (schema, CEL) or by amko (a status in
 * AMKO's words, or a drift repair on a follower), leave the controller's objects exactly as they
 * were with no write from any amko, and leave every amko up. Each object is then removed or
 * put back, with the same checks. The short mode runs a seeded subset.
 */
import { AMKO_UUID_ANNOTATION } from '../../../src/shared/crd/common.js';
import { E2eFederation } from '../../support/e2e-federation.js';
import { eventually } from '../../support/eventually.js';
import type { Experiment, ExperimentContext, ExperimentResult } from '../experiment.js';
import { CaseRunner, controllerState, processCheck } from '../invalid-objects/case-runner.js';
import { configCases, type ConfigBase } from '../invalid-objects/config-cases.js';
import { GDP_CASES } from '../invalid-objects/gdp-cases.js';
import { GHR_CASES } from '../invalid-objects/ghr-cases.js';
import {
  AMKO_KEY,
  APP_NS,
  BASE_GDP,
  BASE_GHR,
  CLUSTERS,
  GC_KEY,
  GDP_KEY,
  GHR_KEY,
  HOSTS,
  LEADER,
  type InvalidCase,
} from '../invalid-objects/invalid-case.js';
import { ObjectOps, RESOURCES, statusTextOf } from '../invalid-objects/object-ops.js';

const NAME = 'invalid-objects';
/** Cases of the short mode (`make test`); the full table runs in `make chaos`. */
const SHORT_CASES = 18;

/** Two hosts on cluster1 and cluster2, the GDP selecting them and a rule for the first host. */
async function workload(f: E2eFederation): Promise<void> {
  await f.createGslbConfig(LEADER);
  await f.create(LEADER, 'GlobalDeploymentPolicy', { metadata: { ...GDP_KEY }, spec: BASE_GDP });
  for (const c of CLUSTERS) await f.objects.namespace(c, APP_NS);
  for (const [i, host] of HOSTS.entries()) {
    for (const c of ['cluster1', 'cluster2']) {
      await f.objects.ingress(c, APP_NS, host.split('.')[0] ?? '', {
        hosts: [{ host, ip: `10.${c.slice(-1)}.1.${i + 1}` }],
        labels: { gslb: APP_NS },
      });
    }
  }
  await f.create(LEADER, 'GSLBHostRule', { metadata: { ...GHR_KEY }, spec: BASE_GHR });
}

/** Waits until the leader leads, in sync, with both GslbServices written and the rule in force. */
async function settled(f: E2eFederation): Promise<void> {
  const ghrs = new ObjectOps(f.api(LEADER), RESOURCES.GSLBHostRule);
  await eventually(
    async () => {
      const s = await f.status(LEADER);
      if (s.role !== 'leader' || s.inSync !== '2/2') return false;
      if ((await f.probe(LEADER, 'amko.leader')) !== 0) return false;
      if (statusTextOf('GSLBHostRule', await ghrs.get(GHR_KEY)) !== 'Accepted') return false;
      const gs = (await f.sim.control.objects({ type: 'gslbservice' }))['gslbservice'] ?? [];
      const ttl = new Map(gs.map((o) => [String(o['name']), o['ttl']]));
      return ttl.get(HOSTS[0] ?? '') === 40 && ttl.get(HOSTS[1] ?? '') === 30;
    },
    { timeoutMs: 120_000, intervalMs: 250, what: 'the federation in sync with both GslbServices' },
  );
}

async function configBase(f: E2eFederation): Promise<ConfigBase> {
  const gc = await new ObjectOps(f.api(LEADER), RESOURCES.GSLBConfig).get(GC_KEY);
  const amko = await new ObjectOps(f.api(LEADER), RESOURCES.AMKOCluster).get(AMKO_KEY);
  const gcAnnotations = gc?.metadata?.annotations ?? {};
  if (!gcAnnotations[AMKO_UUID_ANNOTATION]) throw new Error('gc-1 has no amko-uuid annotation');
  return {
    gc: (gc?.spec ?? {}) as Record<string, unknown>,
    gcAnnotations,
    amko: (amko?.spec ?? {}) as Record<string, unknown>,
  };
}

/** The short mode's subset: one case of every kind, refuser, site and action, and seeded others. */
function pick(all: readonly InvalidCase[], ctx: ExperimentContext): InvalidCase[] {
  if (!ctx.short) return [...all];
  const group = (c: InvalidCase): string =>
    `${c.kind}/${c.refusedBy}/${c.cluster ?? ''}/${c.action.op}`;
  const chosen = new Set<InvalidCase>();
  for (const c of all) {
    if (![...chosen].some((x) => group(x) === group(c))) chosen.add(c);
  }
  const rest = all.filter((c) => !chosen.has(c));
  while (chosen.size < SHORT_CASES && rest.length > 0) {
    const [c] = rest.splice(Math.floor(ctx.random() * rest.length), 1);
    if (c) chosen.add(c);
  }
  return all.filter((c) => chosen.has(c));
}

async function runCases(
  f: E2eFederation,
  ctx: ExperimentContext,
): Promise<Omit<ExperimentResult, 'name' | 'description' | 'injected'>> {
  const cases = pick([...GDP_CASES, ...GHR_CASES, ...configCases(await configBase(f))], ctx);
  const baseline = await controllerState(f);
  const runner = new CaseRunner(f);
  const rows = [];
  const violations: string[] = [];
  let clean = 0;
  let crashes = 0;
  const started = Date.now();
  for (const c of cases) {
    const out = await runner.run(c);
    rows.push(out.row);
    crashes += out.crashed;
    const ok = out.violations.length === 0;
    if (ok) clean++;
    else violations.push(...out.violations.map((v) => `${c.kind} "${c.name}": ${v}`));
    ctx.log(
      `${ok ? 'ok  ' : 'FAIL'} ${c.kind} ${c.name}: ${out.row.refusedBy}: ${out.row.message}`,
    );
    if (out.crashed > 0) break;
  }
  const divergence = (await controllerState(f)) === baseline ? 0 : 1;
  if (divergence > 0) violations.push('the controller differs from before the cases');
  const procs = await processCheck(f);
  return {
    figures: {
      invalidInputsTried: rows.length,
      invalidInputsRefusedCleanly: clean,
      crashes: Math.max(crashes, procs.exited),
      finalDivergence: divergence,
    },
    measures: {
      casesMs: Date.now() - started,
      refusedByApiServer: rows.filter((r) => r.refusedBy === 'apiserver').length,
      refusedByAmko: rows.filter((r) => r.refusedBy === 'amko').length,
    },
    rows,
    violations,
  };
}

export const experiment: Experiment = {
  name: NAME,
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const f = await E2eFederation.start();
    try {
      await workload(f);
      for (const c of CLUSTERS) f.startAmko(c);
      await settled(f);
      ctx.log('federation in sync; applying invalid objects');
      const out = await runCases(f, ctx);
      return {
        name: NAME,
        description:
          'Hand-written invalid GSLBConfig, GDP, GSLBHostRule and AMKOCluster objects applied one ' +
          'at a time through the real API servers of a running three-site federation (leader and ' +
          'followers); each removed or restored before the next.',
        injected: [
          `${out.rows?.length ?? 0} invalid objects (schema, CEL and semantic), on the leader ` +
            'and on a follower',
        ],
        ...out,
      };
    } catch (err) {
      process.stderr.write(f.logTails());
      throw err;
    } finally {
      await f.stop();
    }
  },
};
