import assert from 'node:assert/strict';
import { eventually } from '../support/eventually.js';
import { expectedGs, expectedPathHm, normalize, pathHmName } from '../support/leader-expect.js';
import { LeaderFixture } from '../support/leader-fixture.js';

const UUID = '11111111-2222-4333-8444-555555555555';

describe('leader: member cluster objects become GslbServices', function () {
  this.timeout(300_000);
  let f: LeaderFixture;
  let n = 0;
  let ns = '';

  before(async () => {
    f = await LeaderFixture.start({ n: 3, openshift: ['cluster3'] });
    await f.putGslbConfig({}, { 'amko.vmware.com/amko-uuid': UUID });
  });

  after(async () => {
    await f?.stop();
  });

  beforeEach(async () => {
    ns = `ing${++n}`;
    await f.resetScenario();
    await f.putGdp({
      matchRules: { appSelector: { label: { gslb: ns } } },
      matchClusters: [{ cluster: 'cluster1' }, { cluster: 'cluster2' }, { cluster: 'cluster3' }],
    });
    for (const c of f.clusters.contexts) await f.objects.namespace(c, ns);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(f.amko?.log().slice(-8000) ?? '');
  });

  async function gsEventually(name: string, want: Record<string, unknown>): Promise<void> {
    await eventually(
      async () => {
        const got = (await f.gslbServices()).get(name);
        assert.ok(got, `GslbService ${name} not on the controller`);
        assert.deepEqual(normalize(got), want);
      },
      { timeoutMs: 30_000, what: `GslbService ${name}` },
    );
  }

  it('makes one GslbService from the same Ingress host in two clusters', async () => {
    const host = `shop.${ns}.example.com`;
    for (const [c, ip] of [['cluster1', '10.1.0.1'], ['cluster2', '10.2.0.1']] as const) {
      await f.objects.ingress(c, ns, 'shop', { hosts: [{ host, ip }], labels: { gslb: ns } });
    }
    f.startAmko();
    const hm = pathHmName('http', host, '/');
    await gsEventually(
      host,
      expectedGs({
        name: host,
        uuid: UUID,
        members: [`INGRESS/cluster1/${ns}/shop/${host}`, `INGRESS/cluster2/${ns}/shop/${host}`],
        pools: {
          10: [
            { ip: '10.1.0.1', vs: `virtualservice-${host}`, cluster: 'cluster-cluster1' },
            { ip: '10.2.0.1', vs: `virtualservice-${host}`, cluster: 'cluster-cluster2' },
          ],
        },
        hms: [hm],
      }),
    );
    const monitors = await f.amkoMonitors();
    assert.deepEqual([...monitors.keys()], [hm]);
    assert.deepEqual(normalize(monitors.get(hm)!), expectedPathHm({ gs: host, path: '/', uuid: UUID }));
    const journal = await f.sim.control.journal({ method: 'POST' });
    assert.ok(journal.every((e) => e.userAgent?.includes('cluster/cluster1')), 'User-Agent names the cluster');
  });
});
