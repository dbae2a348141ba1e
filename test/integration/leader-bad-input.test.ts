/**
 * The real amko leader (child process, real kube-apiserver) against bad controller answers: a
 * GslbService and a monitor created with garbage answers are each created once (the repeat meets
 * 409 and reads back), and a 50 MB answer to its bootup read is refused and retried; the process
 * survives and converges.
 */
import assert from 'node:assert/strict';
import { eventually } from '../support/eventually.js';
import { expectedGs, normalize, pathHmName } from '../support/leader-expect.js';
import { LeaderFixture } from '../support/leader-fixture.js';

const UUID = '55555555-4444-4555-8666-777777777777';

describe('leader: bad answers from the controller', function () {
  this.timeout(300_000);
  let f: LeaderFixture;
  let n = 0;
  let ns = '';
  let host = '';

  before(async () => {
    f = await LeaderFixture.start({ n: 1 });
    await f.putGslbConfig({}, { 'amko.vmware.com/amko-uuid': UUID });
  });

  after(async () => {
    await f?.stop();
  });

  beforeEach(async () => {
    ns = `bad${++n}`;
    host = `shop.${ns}.example.com`;
    await f.resetScenario();
    await f.putGdp({
      matchRules: { appSelector: { label: { gslb: ns } } },
      matchClusters: [{ cluster: 'cluster1' }],
    });
    await f.objects.namespace('cluster1', ns);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      process.stderr.write(f.amko?.log().slice(-8000) ?? '');
    }
  });

  const stored = async (type: string): Promise<string[]> =>
    ((await f.sim.control.objects({ type }))[type] ?? []).map((o) => String(o['name']));

  async function convergedOnce(): Promise<void> {
    const want = expectedGs({
      name: host,
      uuid: UUID,
      members: [`INGRESS/cluster1/${ns}/shop/${host}`],
      pools: {
        10: [{ ip: '10.1.0.1', vs: `virtualservice-${host}`, cluster: 'cluster-cluster1' }],
      },
      hms: [pathHmName('http', host, '/')],
    });
    await eventually(
      async () => {
        const got = (await f.gslbServices()).get(host);
        assert.ok(got, `GslbService ${host} not on the controller`);
        assert.deepEqual(normalize(got), want);
      },
      { timeoutMs: 60_000, what: `GslbService ${host}` },
    );
    assert.deepEqual(await stored('gslbservice'), [host], 'one GslbService, no duplicate');
    assert.deepEqual(
      (await stored('healthmonitor')).filter((h) => h.startsWith('amko--')),
      [pathHmName('http', host, '/')],
      'one monitor, no duplicate',
    );
    assert.equal(f.amko?.child.exitCode, null, 'amko still running');
  }

  it('creates a GslbService and its monitor once when their creates are answered with garbage', async () => {
    await f.sim.control.faults([
      {
        match: { method: 'POST', objectType: 'gslbservice' },
        effect: { apply: true, rawBody: '{"uuid": "gslbservice-', contentType: 'application/json' },
        count: 1,
      },
      {
        match: { method: 'POST', objectType: 'healthmonitor' },
        effect: { apply: true, status: 200, rawBody: '<html><body>502 Bad Gateway</body></html>' },
        count: 1,
      },
    ]);
    await f.objects.ingress('cluster1', ns, 'shop', {
      hosts: [{ host, ip: '10.1.0.1' }],
      labels: { gslb: ns },
    });
    f.startAmko();
    await convergedOnce();
    const posts = async (objectType: string): Promise<number[]> =>
      (await f.sim.control.journal({ method: 'POST', objectType })).map((e) => e.status);
    // The garbled creates were applied, so the content converges first; the retries follow.
    await eventually(
      async () => {
        assert.deepEqual(await posts('gslbservice'), [201, 409], 'garbled, then 409, read back');
        assert.deepEqual(await posts('healthmonitor'), [200, 409]);
      },
      { timeoutMs: 60_000, what: 'each create retried once, answered 409 and read back' },
    );
    assert.deepEqual(await stored('gslbservice'), [host], 'one GslbService, no duplicate');
  });

  it('refuses a 50 MB answer to its bootup read, retries and converges', async () => {
    await f.sim.control.faults({
      match: { method: 'GET', objectType: 'gslbservice' },
      effect: { bodyBytes: 50 * 1024 * 1024 },
      count: 1,
    });
    await f.objects.ingress('cluster1', ns, 'shop', {
      hosts: [{ host, ip: '10.1.0.1' }],
      labels: { gslb: ns },
    });
    f.startAmko();
    await convergedOnce();
    const faults = await f.sim.control.journal({ method: 'GET', objectType: 'gslbservice' });
    assert.ok(
      faults.some((e) => e.fault !== undefined),
      'the oversized answer was sent',
    );
  });
});
