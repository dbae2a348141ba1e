/**
 * Leader benchmark: 10,000 Ingresses (distinct hosts) spread over 3 member clusters, the real
 * `amko` binary and the Avi simulator.
 *
 * 1. initial sync: time from amko start to all GslbServices on the simulator, REST calls made,
 *    peak RSS of the amko process;
 * 2. resync with nothing changed: a restart (bootup re-reads everything) and a periodic full
 *    sync, each with the writes made (goal 0) and the time taken;
 * 3. 100 Ingress VIP changes: time until all are reflected on the simulator.
 *
 * Writes bench/results/leader.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { eventually } from '../test/support/eventually.js';
import { LeaderFixture, type AmkoProcess } from '../test/support/leader-fixture.js';
import { repoRoot } from '../test/support/tools.js';
import { pool } from '../test/support/pool.js';

const CHANGES = 100;
/** V8 flags amko runs with (a smaller young generation keeps peak RSS down). */
const NODE_OPTIONS = '--max-semi-space-size=8';
const UUID = '44444444-5555-4666-8777-888888888888';
const NS = 'bench';

interface Counts {
  total: number;
  writes: number;
  gsCreated: number;
  gsUpdated: number;
}

async function counts(f: LeaderFixture): Promise<Counts> {
  const stats = await f.sim.control.stats();
  const sum = (pred: (c: (typeof stats.counts)[number]) => boolean): number =>
    stats.counts.filter(pred).reduce((n, c) => n + c.count, 0);
  return {
    total: stats.total,
    writes: await f.writeCount(),
    gsCreated: sum(
      (c) => c.method === 'POST' && c.objectType === 'gslbservice' && c.status === 201,
    ),
    gsUpdated: sum((c) => c.method === 'PUT' && c.objectType === 'gslbservice' && c.status === 200),
  };
}

function peakRssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? '0');
  return Math.round(kb / 1024);
}

const hostOf = (i: number): string => `app${i}.${NS}.example.com`;
const clusterOf = (i: number): string => `cluster${(i % 3) + 1}`;
const ipOf = (i: number, gen: number): string => `10.${gen}.${Math.floor(i / 250)}.${i % 250}`;

async function createIngresses(f: LeaderFixture, INGRESSES: number): Promise<void> {
  for (const c of f.clusters.contexts) await f.objects.namespace(c, NS);
  const all = Array.from({ length: INGRESSES }, (_, i) => i);
  await pool(all, 48, (i) =>
    f.objects.ingress(clusterOf(i), NS, `ing${i}`, {
      hosts: [{ host: hostOf(i), ip: ipOf(i, 1) }],
      labels: { gslb: NS },
    }),
  );
}

async function waitSeconds(fn: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  await eventually(fn, { timeoutMs, intervalMs: 250 });
  return (Date.now() - started) / 1000;
}

async function initialSync(
  f: LeaderFixture,
  INGRESSES: number,
): Promise<{ amko: AmkoProcess; result: object }> {
  await f.sim.control.clearJournal();
  const before = await counts(f);
  const started = Date.now();
  const amko = f.startAmko(['--log-level', 'info'], NODE_OPTIONS);
  await waitSeconds(
    async () => (await counts(f)).gsCreated - before.gsCreated >= INGRESSES,
    900_000,
  );
  const allPresentS = (Date.now() - started) / 1000;
  await amko.waitForLog(/bootup sync finished/, 300_000);
  const after = await counts(f);
  const present = (await f.gslbServices()).size;
  return {
    amko,
    result: {
      ingresses: INGRESSES,
      memberClusters: 3,
      gslbServicesPresent: present,
      secondsToAllGslbServices: allPresentS,
      secondsToBootupSyncFinished: (Date.now() - started) / 1000,
      restCalls: after.total - before.total,
      writes: after.writes - before.writes,
      peakRssMb: peakRssMb(amko.child.pid),
    },
  };
}

async function restartResync(f: LeaderFixture): Promise<object> {
  await f.stopAmko();
  const before = await counts(f);
  const started = Date.now();
  const amko = f.startAmko(['--log-level', 'info'], NODE_OPTIONS);
  await amko.waitForLog(/bootup sync finished/, 600_000);
  const after = await counts(f);
  return {
    seconds: (Date.now() - started) / 1000,
    writes: after.writes - before.writes,
    restCalls: after.total - before.total,
  };
}

async function periodicResync(f: LeaderFixture, amko: AmkoProcess): Promise<object> {
  const before = await counts(f);
  const finished = (): number => (amko.log().match(/full sync finished/g) ?? []).length;
  const start = finished();
  await f.putGslbConfig({ refreshInterval: 1 }, { 'amko.vmware.com/amko-uuid': UUID });
  await amko.waitForLog(/bootup sync finished[\s\S]*bootup sync finished/, 600_000);
  const mark = await counts(f);
  await eventually(() => finished() > start, { timeoutMs: 600_000, intervalMs: 250 });
  const line =
    amko
      .log()
      .split('\n')
      .filter((l) => l.includes('full sync finished'))
      .pop() ?? '{}';
  const after = await counts(f);
  return {
    secondsForOneFullSync: ((JSON.parse(line) as { ms?: number }).ms ?? 0) / 1000,
    writesDuringFullSync: after.writes - mark.writes,
    writesAfterConfigReload: mark.writes - before.writes,
  };
}

async function ipChanges(f: LeaderFixture, INGRESSES: number): Promise<object> {
  const before = await counts(f);
  const changed = Array.from({ length: CHANGES }, (_, i) => i * Math.floor(INGRESSES / CHANGES));
  const started = Date.now();
  await pool(changed, 20, (i) =>
    f.objects.ingress(clusterOf(i), NS, `ing${i}`, {
      hosts: [{ host: hostOf(i), ip: ipOf(i, 2) }],
      labels: { gslb: NS },
    }),
  );
  const writtenS = (Date.now() - started) / 1000;
  await waitSeconds(async () => (await counts(f)).gsUpdated - before.gsUpdated >= CHANGES, 300_000);
  const seconds = (Date.now() - started) / 1000;
  const gs = await f.gslbServices();
  const reflected = changed.filter((i) =>
    JSON.stringify(gs.get(hostOf(i)) ?? {}).includes(`"${ipOf(i, 2)}"`),
  );
  return {
    changes: CHANGES,
    secondsToWriteIngresses: writtenS,
    secondsUntilAllReflected: seconds,
    reflected: reflected.length,
  };
}

/** Runs the benchmark; `ingresses` scales it down for a quick check. */
export async function run(opts: { ingresses?: number; out?: string } = {}): Promise<void> {
  const ingresses = opts.ingresses ?? 10_000;
  const f = await LeaderFixture.start({ n: 3 });
  try {
    await f.putGslbConfig({ refreshInterval: 3600 }, { 'amko.vmware.com/amko-uuid': UUID });
    await f.putGdp({
      matchRules: { appSelector: { label: { gslb: NS } } },
      matchClusters: f.clusters.contexts.map((cluster) => ({ cluster })),
    });
    const createStarted = Date.now();
    await createIngresses(f, ingresses);
    const setupS = (Date.now() - createStarted) / 1000;
    const initial = await initialSync(f, ingresses);
    const restart = await restartResync(f);
    const amko = f.amko;
    const periodic = amko ? await periodicResync(f, amko) : {};
    await f.putGslbConfig({ refreshInterval: 3600 }, { 'amko.vmware.com/amko-uuid': UUID });
    const changes = await ipChanges(f, ingresses);
    const result = {
      amkoNodeOptions: NODE_OPTIONS,
      setup: { secondsToCreateIngresses: setupS },
      initialSync: initial.result,
      resyncByRestart: restart,
      periodicFullSync: periodic,
      ipChanges: changes,
      peakRssMbOverall: peakRssMb(f.amko?.child.pid),
    };
    const dir = path.join(repoRoot(), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      opts.out ?? path.join(dir, 'leader.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await f.stop();
  }
}
