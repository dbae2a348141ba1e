/**
 * Single-site amko: started without federation certificates against a real cluster whose
 * AMKOCluster names only itself, it syncs GslbServices to the Avi simulator, answers SERVING on
 * its health port and opens no federation listener. A second cluster added to the AMKOCluster
 * gets a status message, a condition and a log line, and the leader keeps leading its own site
 * without dialling the new member. The chart renders such a site without TLS.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { AmkoClusterCondition, AmkoClusterStatus } from '../../src/shared/crd/amko-cluster.js';
import { eventually } from '../support/eventually.js';
import { healthProbe } from '../support/grpc.js';
import { AMKO_NODE_ARGS, LeaderFixture } from '../support/leader-fixture.js';
import { freePort } from '../support/managed-process.js';
import { repoRoot, toolPath } from '../support/tools.js';

const UUID = '7a7a7a7a-1111-4222-8333-444444444444';
const NEEDS_TLS =
  'federation needs TLS: start amko with --tls-cert/--tls-key/--tls-ca (chart: federation.tls.secretName)';

interface Amko {
  readonly child: ChildProcess;
  log(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Runs amko (node with amko's node flags) with `args`, its output in `logFile`. */
function runAmko(args: readonly string[], logFile: string): Amko {
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, [...AMKO_NODE_ARGS, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      out.end();
      resolve(code);
    });
  });
  return {
    child,
    exited,
    log: () => readFileSync(logFile, 'utf8'),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      resolve(false);
    });
  });
}

const count = (text: string, re: RegExp): number => (text.match(re) ?? []).length;
/** The warning line (pino level 40) that federation needs TLS. */
const WARNED = /"level":40,[^\n]*"msg":"federation needs TLS/g;

describe('single-site amko without federation certificates', function () {
  this.timeout(300_000);
  let f: LeaderFixture;
  let amko: Amko | undefined;
  let dir: string;
  let federationPort: number;
  let healthAddress: string;
  /** Stands at the address given as cluster2's federation endpoint; counts who dials it. */
  let peer: net.Server;
  let peerConnections = 0;
  let peerAddress = '';
  const ns = 'solo';

  before(async () => {
    f = await LeaderFixture.start({ n: 1 });
    dir = mkdtempSync(path.join(tmpdir(), 'amko-single-site-'));
    peer = net.createServer((s) => {
      peerConnections++;
      s.destroy();
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    peerAddress = `127.0.0.1:${(peer.address() as net.AddressInfo).port}`;
    await f.putGslbConfig({}, { 'amko.vmware.com/amko-uuid': UUID });
    await f.putGdp({
      matchRules: { appSelector: { label: { gslb: ns } } },
      matchClusters: [{ cluster: 'cluster1' }],
    });
    await f.objects.namespace('cluster1', ns);
  });

  after(async () => {
    await amko?.stop();
    await f?.stop();
    peer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(amko?.log().slice(-8000) ?? '');
  });

  const amkoStatus = async (): Promise<AmkoClusterStatus> =>
    await f.status('amkoclusters', 'avi-system', 'amkocluster-federation');

  const condition = (s: AmkoClusterStatus, type: string): AmkoClusterCondition | undefined =>
    s.conditions?.find((c) => c.type === type);

  async function gsOnController(host: string): Promise<void> {
    await eventually(
      async () => {
        const gs = (await f.gslbServices()).get(host);
        assert.ok(gs, `GslbService ${host} on the controller`);
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `GslbService ${host}` },
    );
  }

  it('refuses a partial set of --tls-* flags with a clear error (exit code 2)', async () => {
    const run = runAmko(
      [
        ...['--kubeconfig', f.clusters.kubeconfigPath, '--context', 'cluster1'],
        ...['--health-listen', '127.0.0.1:0', '--tls-cert', '/nonexistent/tls.crt'],
      ],
      path.join(dir, 'partial.log'),
    );
    assert.equal(await run.exited, 2);
    assert.match(run.log(), /federation needs --tls-cert, --tls-key and --tls-ca/);
  });

  it('leads its own site: syncs a GslbService, health SERVING, no federation listener', async () => {
    federationPort = await freePort();
    const healthPort = await freePort();
    healthAddress = `127.0.0.1:${healthPort}`;
    amko = runAmko(
      [
        ...['--kubeconfig', f.clusters.kubeconfigPath, '--context', 'cluster1'],
        ...['--federation-listen', `127.0.0.1:${federationPort}`],
        ...['--health-listen', healthAddress, '--log-level', 'debug'],
      ],
      path.join(dir, 'amko.log'),
    );
    await f.objects.ingress('cluster1', ns, 'shop', {
      hosts: [{ host: 'shop.solo.example.com', ip: '10.1.0.1' }],
      labels: { gslb: ns },
    });
    await gsOnController('shop.solo.example.com');
    assert.equal((await healthProbe(healthAddress, '')).exitCode, 0, 'process SERVING');
    await eventually(
      async () => {
        assert.equal((await healthProbe(healthAddress, 'amko.leader')).exitCode, 0);
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'amko.leader SERVING' },
    );
    assert.equal(await listening(federationPort), false, 'no federation listener');
    const log = amko.log();
    assert.equal(count(log, /federation off \(single-site\)/g), 1, 'said once');
    assert.match(log, /"youngGeneration":"semi-spaces up to 4 MB"/);
    assert.doesNotMatch(log, /FEDERATION IS PLAINTEXT/);
    await eventually(
      async () => {
        const s = await amkoStatus();
        assert.equal(s.role, 'leader');
        assert.equal(s.message, undefined);
        assert.equal(condition(s, 'Federation'), undefined);
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'leader status without a notice' },
    );
  });

  it('a second cluster in the AMKOCluster: status message, condition and log line; keeps leading', async () => {
    assert.ok(amko, 'amko runs');
    await f.putAmkoCluster({
      isLeader: true,
      clusters: ['cluster1', 'cluster2'],
      federation: { endpoints: [{ cluster: 'cluster2', address: peerAddress }] },
    });
    await eventually(
      async () => {
        const s = await amkoStatus();
        assert.equal(s.message, `${NEEDS_TLS}; not federating with cluster2`);
        const c = condition(s, 'Federation');
        assert.equal(c?.status, 'False');
        assert.equal(c?.reason, 'TLSNotConfigured');
        assert.equal(c?.message, s.message);
        assert.equal(s.role, 'leader');
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'federation needs TLS in the status' },
    );
    await eventually(() => count(amko?.log() ?? '', WARNED) === 1, {
      timeoutMs: 10_000,
      what: 'one warning',
    });
    // It keeps leading its own site.
    await f.objects.ingress('cluster1', ns, 'cart', {
      hosts: [{ host: 'cart.solo.example.com', ip: '10.1.0.2' }],
      labels: { gslb: ns },
    });
    await gsOnController('cart.solo.example.com');
    assert.equal(amko.child.exitCode, null, 'still running');
    assert.equal((await healthProbe(healthAddress, 'amko.leader')).exitCode, 0);
    assert.equal(peerConnections, 0, 'the new member is never dialled without TLS');
    assert.equal(count(amko.log(), WARNED), 1, 'warned once');
  });

  it('back to this cluster alone: the notice goes', async () => {
    assert.ok(amko, 'amko runs');
    await f.putAmkoCluster({ isLeader: true, clusters: ['cluster1'] });
    await eventually(
      async () => {
        const s = await amkoStatus();
        assert.equal(s.message, undefined);
        assert.equal(condition(s, 'Federation'), undefined);
        assert.equal(s.role, 'leader');
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'notice cleared' },
    );
    assert.match(amko.log(), /names only this cluster: single-site, federation off/);
  });
});

interface Container {
  args: string[];
  ports: { name: string }[];
  volumeMounts: { name: string }[];
}

describe('Helm chart: a single-site release', function () {
  this.timeout(60_000);
  let home: string;

  before(() => {
    home = mkdtempSync(path.join(tmpdir(), 'amko-chart-single-'));
  });

  after(() => {
    rmSync(home, { recursive: true, force: true });
  });

  function helm(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
    const env = {
      ...process.env,
      HELM_CACHE_HOME: path.join(home, 'cache'),
      HELM_CONFIG_HOME: path.join(home, 'config'),
      HELM_DATA_HOME: path.join(home, 'data'),
    };
    return new Promise((resolve, reject) => {
      const child = spawn(toolPath('helm'), [...args], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        resolve({ code: code ?? -1, out, err });
      });
    });
  }

  const chart = path.join(repoRoot(), 'charts', 'amko');
  const template = (...set: string[]): Promise<{ code: number; out: string; err: string }> =>
    helm([
      'template',
      'amko',
      chart,
      '--namespace',
      'avi-system',
      ...set.flatMap((s) => ['--set', s]),
    ]);
  const SINGLE = [
    'federation.memberClusters={cluster1-admin}',
    'configs.memberClusters[0].clusterContext=cluster1-admin',
  ];

  function objects(out: string): Map<string, Record<string, unknown>> {
    const docs = parseAllDocuments(out)
      .map((d) => d.toJS() as { kind: string; metadata: { name: string } } | null)
      .filter((d) => d !== null);
    return new Map(docs.map((d) => [`${d.kind}/${d.metadata.name}`, d]));
  }

  it('renders no TLS flags, volume, mount or federation port, even without a Secret name', async () => {
    for (const set of [SINGLE, [...SINGLE, 'federation.tls.secretName=']]) {
      const run = await template(...set);
      assert.equal(run.code, 0, run.err);
      const objs = objects(run.out);
      const dep = objs.get('Deployment/amko') as {
        spec: {
          template: { spec: { containers: Container[]; volumes: { name: string }[] } };
        };
      };
      const pod = dep.spec.template.spec;
      const amko = pod.containers[0];
      assert.ok(amko);
      for (const flag of ['--tls-cert', '--tls-key', '--tls-ca', '--insecure'])
        assert.ok(!amko.args.includes(flag), flag);
      assert.deepEqual(
        pod.volumes.map((v) => v.name),
        ['tmp'],
      );
      assert.deepEqual(
        amko.volumeMounts.map((m) => m.name),
        ['tmp'],
      );
      assert.deepEqual(
        amko.ports.map((p) => p.name),
        ['health', 'metrics'],
      );
      const svc = objs.get('Service/amko') as { spec: { ports: { name: string }[] } };
      assert.deepEqual(
        svc.spec.ports.map((p) => p.name),
        ['metrics'],
      );
      const ac = objs.get('AMKOCluster/amkocluster-federation') as {
        spec: { clusters: string[] };
      };
      assert.deepEqual(ac.spec.clusters, ['cluster1-admin']);
    }
  });

  it('still needs the TLS Secret name for a federation of two', async () => {
    const run = await template('federation.tls.secretName=');
    assert.notEqual(run.code, 0);
    assert.match(
      run.err,
      /federation\.tls\.secretName is required unless federation\.insecure is true or federation\.memberClusters is this cluster alone/,
    );
  });
});
