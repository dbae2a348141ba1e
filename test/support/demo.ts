#!/usr/bin/env node
/**
 * `make demo`: a three-site federation on one machine, end to end, narrated for a DR operator.
 * Three real clusters (etcd + kube-apiserver), the Avi Controller simulator, mutual-TLS
 * certificates and one real amko process per cluster. cluster1 leads; a sample application runs
 * in all three clusters; then the leader is killed, cluster2 is promoted with kubectl, and the old
 * leader returns still believing it leads, and is fenced.
 */
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import { E2eFederation } from './e2e-federation.js';
import { eventually } from './eventually.js';

const HOST = 'shop.demo.example.com';
const T0 = Date.now();

function say(text: string): void {
  const t = ((Date.now() - T0) / 1000).toFixed(1).padStart(6);
  console.log(`\n[${t}s] ${text}`);
}

async function showKubectl(f: E2eFederation, cluster: string, args: string[]): Promise<void> {
  console.log(`$ kubectl --context ${cluster} ${args.join(' ')}`);
  process.stdout.write(await f.kubectl(cluster, args));
}

async function showRoles(f: E2eFederation): Promise<void> {
  for (const c of f.contexts) await showKubectl(f, c, ['get', 'amkocluster', '-n', AVI_SYSTEM]);
}

interface GslbServiceView {
  name?: string;
  domain_names?: string[];
  markers?: { key: string; values: string[] }[];
  groups?: { priority?: number; members?: { ip?: { addr?: string }; ratio?: number }[] }[];
}

async function gslbServices(f: E2eFederation): Promise<GslbServiceView[]> {
  const objects = await f.sim.control.objects({ type: 'gslbservice' });
  return objects['gslbservice'] ?? [];
}

async function showController(f: E2eFederation): Promise<void> {
  console.log('GslbServices on the Avi Controller (simulator):');
  for (const gs of await gslbServices(f)) {
    const epoch = gs.markers?.find((m) => m.key === 'amko-epoch')?.values[0] ?? '-';
    const members = (gs.groups ?? [])
      .flatMap((g) => g.members ?? [])
      .map((m) => `${m.ip?.addr ?? '?'}(ratio ${m.ratio ?? 1})`)
      .join(', ');
    console.log(`  ${gs.name ?? ''}  fqdn=${(gs.domain_names ?? []).join(',')}  epoch=${epoch}`);
    console.log(`    members: ${members}`);
  }
}

async function serviceWith(
  f: E2eFederation,
  want: (gs: GslbServiceView) => boolean,
): Promise<void> {
  await eventually(
    async () => (await gslbServices(f)).some((gs) => gs.domain_names?.includes(HOST) && want(gs)),
    { timeoutMs: 120_000, intervalMs: 200, what: `GslbService for ${HOST}` },
  );
}

const epochOf = (gs: GslbServiceView): string | undefined =>
  gs.markers?.find((m) => m.key === 'amko-epoch')?.values[0];

async function setUp(f: E2eFederation): Promise<void> {
  say(
    'Installing the configuration on the leader site (cluster1): GSLBConfig gc-1 and GDP global-gdp',
  );
  await f.createGslbConfig('cluster1');
  await f.create('cluster1', 'GlobalDeploymentPolicy', {
    metadata: { name: 'global-gdp', namespace: AVI_SYSTEM },
    spec: {
      matchRules: { appSelector: { label: { app: 'shop' } } },
      matchClusters: f.contexts.map((cluster) => ({ cluster })),
      ttl: 30,
    },
  });
  say(`Deploying the sample application (Ingress for ${HOST}) in every cluster`);
  for (const [i, c] of f.contexts.entries()) {
    await f.objects.namespace(c, 'shop');
    await f.objects.ingress(c, 'shop', 'shop', {
      hosts: [{ host: HOST, ip: `10.${i + 1}.0.10` }],
      labels: { app: 'shop' },
    });
  }
  say('Starting amko in all three clusters (mutual TLS between sites)');
  for (const c of f.contexts) f.startAmko(c);
  await serviceWith(f, (gs) => (gs.groups ?? []).flatMap((g) => g.members ?? []).length === 3);
  await eventually(async () => (await f.status('cluster1')).inSync === '2/2', {
    timeoutMs: 120_000,
    what: 'both followers in sync',
  });
  say('The leader synced the controller and both followers hold the replicas');
  await showRoles(f);
  await showKubectl(f, 'cluster3', ['get', 'gslbconfig,gdp', '-n', AVI_SYSTEM]);
  await showController(f);
}

async function failover(f: E2eFederation): Promise<void> {
  say('Site failure: the leader amko in cluster1 is killed (SIGKILL)');
  await f.run('cluster1')?.kill('SIGKILL');
  say('A DR operator promotes cluster2:');
  const patch = ['patch', 'amkocluster', 'amkocluster-federation', '-n', AVI_SYSTEM];
  const promote = [...patch, '--type', 'merge', '-p', '{"spec":{"isLeader":true}}'];
  await showKubectl(f, 'cluster2', promote);
  const started = Date.now();
  await eventually(async () => (await f.status('cluster2')).role === 'leader', {
    timeoutMs: 60_000,
    what: 'cluster2 leads',
  });
  say(`cluster2 leads (live, no restart) after ${Date.now() - started} ms`);
  await showRoles(f);
  say('The new leader changes the policy: weight 3 for cluster2, 1 for cluster3');
  await f.patch(
    'cluster2',
    'GlobalDeploymentPolicy',
    { namespace: AVI_SYSTEM, name: 'global-gdp' },
    {
      spec: {
        trafficSplit: [
          { cluster: 'cluster2', weight: 3 },
          { cluster: 'cluster3', weight: 1 },
        ],
      },
    },
  );
  await serviceWith(
    f,
    (gs) => epochOf(gs) !== '1' && JSON.stringify(gs.groups).includes('"ratio":3'),
  );
  await showController(f);
}

async function staleLeaderReturns(f: E2eFederation): Promise<void> {
  say('cluster1 comes back, still saying isLeader: true');
  const since = (await f.sim.control.journal()).at(-1)?.seq ?? 0;
  f.startAmko('cluster1');
  await eventually(async () => (await f.status('cluster1')).role === 'fenced', {
    timeoutMs: 60_000,
    what: 'cluster1 fenced',
  });
  const writes = (await f.writesFrom('cluster1', since)).filter((e) => e.path !== '/login');
  const detail = writes.map((e) => `${e.method} ${e.path}`).join(', ');
  say(
    writes.length === 0
      ? 'cluster1 is fenced: no configuration write reached the controller since it returned'
      : `cluster1 is fenced, but wrote to the controller after it returned: ${detail}`,
  );
  await showRoles(f);
  say('The operator demotes cluster1; it follows the new leader');
  const demote = ['patch', 'amkocluster', 'amkocluster-federation', '-n', AVI_SYSTEM];
  await showKubectl(f, 'cluster1', [
    ...demote,
    '--type',
    'merge',
    '-p',
    '{"spec":{"isLeader":false}}',
  ]);
  await eventually(async () => (await f.status('cluster2')).inSync === '2/2', {
    timeoutMs: 60_000,
    what: 'cluster2 sees both followers in sync',
  });
  await showRoles(f);
}

const f = await E2eFederation.start();
try {
  await setUp(f);
  await failover(f);
  await staleLeaderReturns(f);
  say('Demo complete.');
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  console.error(f.logTails(3000));
  process.exitCode = 1;
} finally {
  await f.stop();
}
