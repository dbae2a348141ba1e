/**
 * `kubectl amko cleanup`, the built plugin run as a child process against a real kube-apiserver
 * (GSLBConfig gc-1 and its credentials Secret, as amko reads them) and the Avi controller
 * simulator over HTTPS, holding GslbServices and health monitors of this amko instance, of
 * another one, of the legacy shared created_by, and users' own.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { CleanupResult } from '../../src/cli/cleanup-command.js';
import type { AviClient } from '../../src/shared/avi/avi-client.js';
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import { GSLB_CONFIG } from '../../src/shared/crd/gslb-config.js';
import {
  clientFor,
  gslbServiceBody,
  healthMonitorBody,
  startAviSim,
  type AviSimHandle,
} from '../support/avi-sim.js';
import { startClusters, type ClusterSet } from '../support/clusters.js';
import { kubectlAmko } from '../support/kubectl-amko.js';

const OURS = '0b7e6f2a-5c1d-4e3f-9a8b-7c6d5e4f3a21';
const OTHER = '9d8c7b6a-1e2f-4a3b-8c9d-0e1f2a3b4c5d';

const hmOf = (
  name: string,
  tenant: string,
  uuid: string,
): ReturnType<typeof healthMonitorBody> => ({
  ...healthMonitorBody(name, tenant),
  markers: [{ key: 'created-by', values: [`amko-${uuid}`] }],
});

describe('kubectl amko cleanup', function () {
  let clusters: ClusterSet;
  let sim: AviSimHandle;
  let avi: AviClient;
  let dir: string;
  let caFile: string;
  const flags = (): string[] => [
    '--kubeconfig',
    clusters.kubeconfigPath,
    '--context',
    'cluster1',
    '--avi-ca',
    caFile,
  ];

  /** Names of the simulator's objects of a type, in every tenant. */
  async function names(type: 'gslbservice' | 'healthmonitor'): Promise<string[]> {
    const objs = (await sim.control.objects({ type }))[type] ?? [];
    return objs.map((o) => String(o['name'])).sort();
  }

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'amko-cli-cleanup-'));
    [clusters, sim] = await Promise.all([startClusters({ n: 1 }), startAviSim({ tls: true })]);
    caFile = path.join(dir, 'avi-ca.pem');
    await writeFile(caFile, sim.ca ?? '');
    avi = clientFor(sim);
    await sim.control.seed({ tenants: ['retail'] });
    await avi.gslbServices.create(gslbServiceBody('a.example.com', { created_by: `amko-${OURS}` }));
    await avi.gslbServices.create(
      gslbServiceBody('b.example.com', { created_by: `amko-${OURS}` }),
      {
        tenant: 'retail',
      },
    );
    await avi.gslbServices.create(
      gslbServiceBody('c.example.com', { created_by: `amko-${OTHER}` }),
    );
    await avi.gslbServices.create(
      gslbServiceBody('legacy.example.com', { created_by: 'amko-gslb' }),
    );
    await avi.healthMonitors.create(hmOf('amko--ours-1', 'admin', OURS));
    await avi.healthMonitors.create(hmOf('amko--ours-2', 'retail', OURS), { tenant: 'retail' });
    await avi.healthMonitors.create(hmOf('amko--other-1', 'admin', OTHER));

    const kc = clusters.kubeConfig('cluster1');
    await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
      namespace: AVI_SYSTEM,
      body: {
        metadata: { name: 'gslb-avi-secret' },
        stringData: { username: sim.username, password: sim.password },
      },
    });
    await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: GSLB_CONFIG.group,
      version: GSLB_CONFIG.version,
      plural: GSLB_CONFIG.plural,
      namespace: AVI_SYSTEM,
      body: {
        apiVersion: GSLB_CONFIG.apiVersion,
        kind: GSLB_CONFIG.kind,
        metadata: { name: 'gc-1', annotations: { 'amko.vmware.com/amko-uuid': OURS } },
        spec: { gslbLeader: { controllerIP: sim.url, credentials: 'gslb-avi-secret' } },
      },
    });
  });

  after(async () => {
    await avi.close();
    await Promise.all([clusters.stop(), sim.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('lists only this instance’s objects by default (a dry run) and deletes nothing', async () => {
    const gsBefore = await names('gslbservice');
    const hmBefore = await names('healthmonitor');
    const r = await kubectlAmko(['cleanup', ...flags()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^objects created by amko-${OURS} on ${sim.url}:\\n`));
    assert.match(r.stdout, /GslbService\s+admin\s+a\.example\.com\s+\S+\s+would delete\n/);
    assert.match(r.stdout, /GslbService\s+retail\s+b\.example\.com\s+\S+\s+would delete\n/);
    assert.match(r.stdout, /HealthMonitor\s+admin\s+amko--ours-1\s+\S+\s+would delete\n/);
    assert.match(r.stdout, /HealthMonitor\s+retail\s+amko--ours-2\s+\S+\s+would delete\n/);
    assert.doesNotMatch(r.stdout, /c\.example\.com|legacy|other/);
    assert.match(r.stdout, /2 GslbServices, 2 health monitors; dry run: nothing deleted/);
    assert.deepEqual(await names('gslbservice'), gsBefore);
    assert.deepEqual(await names('healthmonitor'), hmBefore);
  });

  it('takes everything from flags without reading a cluster (-o json, another uuid)', async () => {
    const pw = path.join(dir, 'password');
    await writeFile(pw, `${sim.password}\n`, { mode: 0o600 });
    const r = await kubectlAmko([
      'cleanup',
      '--dry-run',
      '-o',
      'json',
      '--controller',
      sim.url,
      '--username',
      sim.username,
      '--password-file',
      pw,
      '--amko-uuid',
      OTHER,
      '--kubeconfig',
      path.join(dir, 'no-such-kubeconfig'),
      '--avi-ca',
      caFile,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as CleanupResult;
    assert.equal(doc.dryRun, true);
    assert.equal(doc.createdBy, `amko-${OTHER}`);
    assert.deepEqual(
      doc.gslbServices.map((o) => o.name),
      ['c.example.com'],
    );
    assert.deepEqual(
      doc.healthMonitors.map((o) => o.name),
      ['amko--other-1'],
    );
  });

  it('--yes deletes this instance’s objects and leaves every other one', async () => {
    const gsBefore = await names('gslbservice');
    const hmBefore = await names('healthmonitor');
    const r = await kubectlAmko(['cleanup', '--yes', '-o', 'json', ...flags()]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as CleanupResult;
    assert.equal(doc.dryRun, false);
    assert.deepEqual(doc.gslbServices.map((o) => [o.tenant, o.name, o.deleted]).sort(), [
      ['admin', 'a.example.com', true],
      ['retail', 'b.example.com', true],
    ]);
    assert.deepEqual(doc.healthMonitors.map((o) => [o.tenant, o.name, o.deleted]).sort(), [
      ['admin', 'amko--ours-1', true],
      ['retail', 'amko--ours-2', true],
    ]);
    assert.deepEqual(doc.errors, []);
    const gone = (before: string[], removed: string[]): string[] =>
      before.filter((n) => !removed.includes(n));
    assert.deepEqual(
      await names('gslbservice'),
      gone(gsBefore, ['a.example.com', 'b.example.com']),
    );
    assert.deepEqual(
      await names('healthmonitor'),
      gone(hmBefore, ['amko--ours-1', 'amko--ours-2']),
    );
    assert.ok((await names('gslbservice')).includes('c.example.com'));
    assert.ok((await names('healthmonitor')).includes('amko--other-1'));

    const again = await kubectlAmko(['cleanup', ...flags()]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /none\n0 GslbServices, 0 health monitors; dry run/);
  });

  it('exits 2 with one line for --dry-run with --yes', async () => {
    const r = await kubectlAmko(['cleanup', '--dry-run', '--yes', ...flags()]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'kubectl-amko cleanup: --dry-run and --yes exclude each other\n');
  });
});
