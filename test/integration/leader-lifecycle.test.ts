import assert from 'node:assert/strict';
import { CoreV1Api } from '@kubernetes/client-node';
import type { AviClient } from '../../src/shared/avi/avi-client.js';
import type { GslbService, Stored } from '../../src/shared/avi/types.js';
import { eventually } from '../support/eventually.js';
import { clientFor } from '../support/avi-sim.js';
import { expectedGs, normalize, pathHmName } from '../support/leader-expect.js';
import { LeaderFixture } from '../support/leader-fixture.js';

const UUID = '33333333-4444-4555-8666-777777777777';
const OTHER = 'amko-99999999-0000-4000-8000-000000000000';

describe('leader: bootup, restarts, faults, member clusters and leadership', function () {
  this.timeout(300_000);
  let f: LeaderFixture;
  let n = 0;
  let ns = '';
  let host = '';

  before(async () => {
    f = await LeaderFixture.start({ n: 2 });
    await f.putGslbConfig({}, { 'amko.vmware.com/amko-uuid': UUID });
  });

  after(async () => {
    await f?.stop();
  });

  beforeEach(async () => {
    ns = `life${++n}`;
    host = `shop.${ns}.example.com`;
    await f.resetScenario();
    await f.putGdp({
      matchRules: { appSelector: { label: { gslb: ns } } },
      matchClusters: [{ cluster: 'cluster1' }, { cluster: 'cluster2' }],
    });
    for (const c of f.clusters.contexts) await f.objects.namespace(c, ns);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      process.stderr.write(f.amko?.log().slice(-8000) ?? '');
    }
  });

  const ingress = (c: string, ip: string, h = host): Promise<void> =>
    f.objects.ingress(c, ns, 'shop', { hosts: [{ host: h, ip }], labels: { gslb: ns } });

  const want = (members: [string, string][], h = host, epoch?: number): Record<string, unknown> =>
    expectedGs({
      ...(epoch !== undefined ? { epoch } : {}),
      name: h,
      uuid: UUID,
      members: members.map(([c]) => `INGRESS/${c}/${ns}/shop/${h}`),
      pools: {
        10: members.map(([c, ip]) => ({ ip, vs: `virtualservice-${h}`, cluster: `cluster-${c}` })),
      },
      hms: [pathHmName('http', h, '/')],
    });

  /** The fields of the first JSON log line whose message matches `msg`. */
  function logLine(log: string, msg: RegExp): Record<string, unknown> {
    for (const line of log.split('\n')) {
      if (!line.startsWith('{')) continue;
      const o = JSON.parse(line) as Record<string, unknown>;
      if (typeof o['msg'] === 'string' && msg.test(o['msg'])) return o;
    }
    throw new Error(`no log line ${msg.source}`);
  }

  /** Changes GslbService `name` on the controller directly, as another writer would. */
  async function behindItsBack(
    name: string,
    change: (client: AviClient, gs: Stored<GslbService>) => Promise<unknown>,
  ): Promise<void> {
    const client = clientFor(f.sim);
    try {
      const gs = await client.gslbServices.getByName(name);
      assert.ok(gs, `GslbService ${name} not on the controller`);
      await change(client, gs);
    } finally {
      await client.close();
    }
  }

  /** A log line of the pipeline about GslbService `name` that matches `what`. */
  const plannedAs = (name: string, what: RegExp): RegExp =>
    new RegExp(`"key":"[^"]*/${name.replace(/\./g, '\\.')}"[^\n]*(${what.source})`);

  /** The pipeline's log line for a GslbService whose writes it held back (read-only). */
  const heldBack = (name: string): RegExp => {
    const n = name.replace(/\./g, '\\.');
    return new RegExp(`writes held back: read-only.*${n}|${n}.*writes held back`);
  };

  async function gsEventually(expected: Record<string, unknown>, name = host): Promise<void> {
    await eventually(
      async () => {
        const got = (await f.gslbServices()).get(name);
        assert.ok(got, `GslbService ${name} not on the controller`);
        assert.deepEqual(normalize(got), expected);
      },
      { timeoutMs: 45_000, what: `GslbService ${name}` },
    );
  }

  function seededGs(
    name: string,
    createdBy: string,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> {
    return {
      name,
      created_by: createdBy,
      description: `INGRESS/cluster1/${ns}/gone/${name}`,
      domain_names: [name],
      is_federated: true,
      health_monitor_refs: [`/api/healthmonitor?name=${pathHmName('http', name, '/')}`],
      groups: [
        {
          name: 'amko-gs-group-10',
          priority: 10,
          algorithm: 'GSLB_ALGORITHM_ROUND_ROBIN',
          members: [{ ip: { addr: '10.7.7.7', type: 'V4' }, ratio: 1, enabled: true }],
        },
      ],
      ...extra,
    };
  }

  function seededHm(gs: string, createdBy: string): Record<string, unknown> {
    return {
      name: pathHmName('http', gs, '/'),
      type: 'HEALTH_MONITOR_HTTP',
      is_federated: true,
      description: `created by: amko, gsname: ${gs}, path: /, protocol: http`,
      monitor_port: 80,
      markers: [{ key: 'created-by', values: [createdBy] }],
      http_monitor: { http_request: 'HEAD / HTTP/1.0', http_response_code: ['HTTP_2XX'] },
    };
  }

  it('removes stale objects of its own at bootup and leaves foreign ones untouched', async () => {
    const stale = `stale.${ns}.example.com`;
    const orphan = `orphan.${ns}.example.com`;
    const foreign = `foreign.${ns}.example.com`;
    await f.sim.control.seed({
      objects: {
        healthmonitor: [
          seededHm(stale, `amko-${UUID}`),
          seededHm(orphan, `amko-${UUID}`),
          seededHm(foreign, OTHER),
        ],
        gslbservice: [seededGs(stale, `amko-${UUID}`), seededGs(foreign, OTHER)],
      },
    });
    const before = await f.sim.control.objects({ type: 'gslbservice' });
    const foreignBefore = (before['gslbservice'] ?? []).find((g) => g['name'] === foreign);
    await ingress('cluster1', '10.1.0.1');
    f.startAmko();
    await gsEventually(want([['cluster1', '10.1.0.1']]));
    await eventually(async () => {
      assert.deepEqual([...(await f.gslbServices()).keys()].sort(), [foreign, host].sort());
      assert.deepEqual(
        [...(await f.amkoMonitors()).keys()].sort(),
        [pathHmName('http', foreign, '/'), pathHmName('http', host, '/')].sort(),
      );
    });
    assert.deepEqual(
      (await f.gslbServices()).get(foreign),
      foreignBefore,
      'the foreign GS is unchanged',
    );
  });

  it('makes zero writes when restarted with nothing changed', async () => {
    await ingress('cluster1', '10.1.0.1');
    await ingress('cluster2', '10.2.0.1');
    const amko = f.startAmko();
    await gsEventually(
      want([
        ['cluster1', '10.1.0.1'],
        ['cluster2', '10.2.0.1'],
      ]),
    );
    await amko.waitForLog(/bootup sync finished/);
    await f.stopAmko();
    await f.sim.control.clearJournal();
    const again = f.startAmko();
    await again.waitForLog(/bootup sync finished/);
    assert.equal(await f.writeCount(), 0);
    const reads = await f.sim.control.journal({ method: 'GET', objectType: 'gslbservice' });
    assert.ok(reads.length > 0, 'the restart read the controller');
  });

  it('converges through 503s from the controller, without duplicates', async () => {
    await f.sim.control.faults([
      {
        match: { method: 'POST', objectType: 'gslbservice' },
        effect: { status: 503, body: { error: 'busy' } },
        count: 4,
      },
      {
        match: { method: 'POST', objectType: 'healthmonitor' },
        effect: { status: 503, body: { error: 'busy' } },
        count: 2,
      },
    ]);
    const hosts = ['a', 'b', 'c'].map((x) => `${x}.${ns}.example.com`);
    for (const h of hosts) {
      await f.objects.ingress('cluster1', ns, h.split('.')[0] ?? '', {
        hosts: [{ host: h, ip: '10.1.0.1' }],
        labels: { gslb: ns },
      });
    }
    f.startAmko();
    await eventually(
      async () => {
        assert.deepEqual([...(await f.gslbServices()).keys()].sort(), hosts);
        assert.equal((await f.amkoMonitors()).size, 3);
      },
      { timeoutMs: 60_000 },
    );
    const posts = await f.sim.control.journal({ method: 'POST', objectType: 'gslbservice' });
    assert.equal(posts.filter((p) => p.status === 201).length, 3, 'each GS was created once');
    assert.ok(
      posts.some((p) => p.status === 503),
      'the faults were met',
    );
  });

  it('logs in again after the controller expires its sessions, and resets', async () => {
    await ingress('cluster1', '10.1.0.1');
    f.startAmko();
    await gsEventually(want([['cluster1', '10.1.0.1']]));
    await f.sim.control.clearJournal();
    const expired = await f.sim.control.expireSessions();
    assert.ok(expired > 0);
    await f.sim.control.faults({
      match: { method: 'PUT', objectType: 'gslbservice' },
      effect: { reset: true },
      count: 1,
    });
    await ingress('cluster1', '10.1.0.2');
    await gsEventually(want([['cluster1', '10.1.0.2']]));
    // Everything since the expiry: the old session was refused, and a login after that refusal
    // opened a new one that the update then used.
    const since = await f.sim.control.journal();
    const refused = since.find((e) => e.objectType !== 'login' && e.status === 401);
    assert.ok(refused, 'a request met the expired session');
    const relogin = since.find(
      (e) => e.objectType === 'login' && e.method === 'POST' && e.seq > refused.seq,
    );
    assert.ok(relogin, 'a login followed the refusal');
    assert.equal(relogin.status, 200, 'the login opened a new session');
    const put = since.find(
      (e) => e.method === 'PUT' && e.objectType === 'gslbservice' && e.status === 200,
    );
    assert.ok(put && put.seq > relogin.seq, 'the update went through on the new session');
    assert.equal((await f.gslbServices()).size, 1);
  });

  it('keeps a down member cluster’s members, reports it, and re-watches it when it returns', async () => {
    await ingress('cluster1', '10.1.0.1');
    await ingress('cluster2', '10.2.0.1');
    f.startAmko();
    await gsEventually(
      want([
        ['cluster1', '10.1.0.1'],
        ['cluster2', '10.2.0.1'],
      ]),
    );
    await f.clusters.stopApiServer('cluster2');
    try {
      await ingress('cluster1', '10.1.0.9');
      await gsEventually(
        want([
          ['cluster1', '10.1.0.9'],
          ['cluster2', '10.2.0.1'],
        ]),
      );
      const core = f.leaderKube.makeApiClient(CoreV1Api);
      await eventually(
        async () => {
          const events = await core.listNamespacedEvent({ namespace: 'avi-system' });
          assert.ok(
            events.items.some(
              (e) =>
                e.reason === 'MemberClusterValidation' &&
                /cluster cluster2 is unhealthy/.test(e.message ?? ''),
            ),
          );
        },
        { timeoutMs: 30_000, what: 'an unhealthy event for cluster2' },
      );
    } finally {
      await f.clusters.startApiServer('cluster2');
    }
    await ingress('cluster2', '10.2.0.9');
    await gsEventually(
      want([
        ['cluster1', '10.1.0.9'],
        ['cluster2', '10.2.0.9'],
      ]),
    );
  });

  it('waits without an AMKOCluster, leads when one says isLeader, and stops writing live when it flips', async () => {
    await f.putAmkoCluster(undefined);
    try {
      await ingress('cluster1', '10.1.0.1');
      const amko = f.startAmko();
      await amko.waitForLog(/no AMKOCluster in avi-system; waiting/);
      // A follower (hot standby) runs the pipeline read-only: once it has held back the write
      // for this ingress, a process leading by mistake since boot would have written it.
      await f.putAmkoCluster({ isLeader: false });
      await amko.waitForLog(heldBack(host));
      assert.equal(await f.writeCount(), 0, 'nothing written before an AMKOCluster said lead');
      await f.putAmkoCluster({ isLeader: true });
      await gsEventually(want([['cluster1', '10.1.0.1']]));
      await f.putAmkoCluster({ isLeader: false });
      await amko.waitForLog(/isLeader: false; following/);
      const writes = await f.writeCount();
      const other = `other.${ns}.example.com`;
      await f.objects.ingress('cluster1', ns, 'other', {
        hosts: [{ host: other, ip: '10.1.0.3' }],
        labels: { gslb: ns },
      });
      await amko.waitForLog(heldBack(other));
      assert.equal(await f.writeCount(), writes, 'a follower writes nothing');
      assert.equal(amko.child.exitCode, null, 'the same process keeps running');
      await f.putAmkoCluster({ isLeader: true });
      await gsEventually(
        expectedGs({
          name: other,
          uuid: UUID,
          members: [`INGRESS/cluster1/${ns}/other/${other}`],
          pools: {
            10: [{ ip: '10.1.0.3', vs: `virtualservice-${other}`, cluster: 'cluster-cluster1' }],
          },
          hms: [pathHmName('http', other, '/')],
          // The second promotion took the next epoch.
          epoch: 2,
        }),
        other,
      );
    } finally {
      await f.putAmkoCluster({ isLeader: true });
    }
  });

  it('promoted from hot standby, plans only the keys its read-only plans do not vouch for, then repairs what its view missed', async () => {
    const kept = `kept.${ns}.example.com`;
    const dropped = `dropped.${ns}.example.com`;
    const hosts = (movedIp: string): { host: string; ip: string }[] => [
      { host: kept, ip: '10.1.0.1' },
      { host, ip: movedIp },
      { host: dropped, ip: '10.1.0.3' },
    ];
    const shop = (movedIp: string): Promise<void> =>
      f.objects.ingress('cluster1', ns, 'shop', { hosts: hosts(movedIp), labels: { gslb: ns } });
    try {
      await shop('10.1.0.2');
      f.startAmko();
      for (const h of hosts('10.1.0.2'))
        await gsEventually(want([['cluster1', h.ip]], h.host), h.host);
      await f.stopAmko();

      // A hot standby: its bootup pass plans every key read-only and finds nothing to write.
      await f.putAmkoCluster({ isLeader: false });
      const standby = f.startAmko();
      await standby.waitForLog(/bootup sync finished/);
      // One key gets new input (held back); another's GS is deleted behind the standby's back.
      await shop('10.1.0.9');
      // Planned read-only: its GS is stamped with the epoch of the leader that wrote it, above
      // the standby's own, so the plan says fenced rather than held back.
      await standby.waitForLog(plannedAs(host, /writes held back|"result":"fenced"/));
      await behindItsBack(dropped, (c, gs) => c.gslbServices.delete(gs.uuid));
      await f.sim.control.clearJournal();

      await f.putAmkoCluster({ isLeader: true });
      await standby.waitForLog(/activation: keys whose last plan does not hold queued/);
      const activation = logLine(standby.log(), /^activation: /);
      assert.deepEqual(
        [activation['keys'], activation['of']],
        [1, 3],
        'only the key with new input is planned at once',
      );
      await gsEventually(want([['cluster1', '10.1.0.9']], host, 2));
      // Its view thought the deleted GS was there: the check of the view finds it gone.
      await standby.waitForLog(/"msg":"controller view verified"/);
      assert.ok(Number(logLine(standby.log(), /^controller view verified$/)['gone']) >= 1);
      await gsEventually(want([['cluster1', '10.1.0.3']], dropped, 2), dropped);
      const writes = await f.sim.control.journal({ objectType: 'gslbservice' });
      const written = (name: string): number =>
        writes.filter((w) => w.method !== 'GET' && JSON.stringify(w).includes(name)).length;
      assert.equal(written(kept), 0, 'the key whose plan held is not written');
      assert.ok(written(dropped) > 0, 'the GS deleted behind its back is created again');
    } finally {
      await f.stopAmko();
      await f.putAmkoCluster({ isLeader: true });
    }
  });

  it('as hot standby, plans again after a check of its view only the keys whose objects changed', async () => {
    const drifted = `drifted.${ns}.example.com`;
    const fresh = `fresh.${ns}.example.com`;
    const planLines = (name: string): number =>
      (
        f.amko
          ?.log()
          .match(new RegExp(plannedAs(name, /writes held back|"result":"fenced"/), 'g')) ?? []
      ).length;
    try {
      await f.objects.ingress('cluster1', ns, 'shop', {
        hosts: [{ host: drifted, ip: '10.1.0.1' }],
        labels: { gslb: ns },
      });
      f.startAmko();
      await gsEventually(want([['cluster1', '10.1.0.1']], drifted), drifted);
      await f.stopAmko();

      await f.putAmkoCluster({ isLeader: false });
      const standby = f.startAmko();
      await standby.waitForLog(/bootup sync finished/);
      // Its GS changes behind the standby's back; a new Ingress's writes are held back, which
      // has the standby check its view 5 s later.
      await behindItsBack(drifted, (c, gs) => c.gslbServices.update({ ...gs, ttl: 999 }));
      await f.sim.control.clearJournal();
      await f.objects.ingress('cluster1', ns, 'fresh', {
        hosts: [{ host: fresh, ip: '10.1.0.2' }],
        labels: { gslb: ns },
      });
      await standby.waitForLog(heldBack(fresh));
      assert.equal(planLines(drifted), 0, 'its bootup plan found nothing to write');
      await standby.waitForLog(/standby: controller view verified/, 30_000);
      await eventually(() => planLines(drifted) === 1, {
        timeoutMs: 10_000,
        what: 'the GS that changed behind its back planned again',
      });
      assert.equal(planLines(fresh), 1, 'the held-back key, whose objects did not change, is not');
      assert.equal(await f.writeCount(), 0, 'a standby writes nothing');
    } finally {
      await f.stopAmko();
      await f.putAmkoCluster({ isLeader: true });
    }
  });

  it('assigns an amko-uuid when absent, reports start-up errors in status and recovers live', async () => {
    try {
      await f.putGslbConfig(
        { gslbLeader: { credentials: 'nosuch' } },
        { 'amko.vmware.com/amko-uuid': null },
      );
      await ingress('cluster1', '10.1.0.1');
      f.startAmko();
      await eventually(async () => {
        assert.deepEqual(await f.status('gslbconfigs', 'avi-system', 'gc-1'), {
          state: "error: secret object doesn't exist nosuch",
        });
      });
      const uuid = (await f.gslbConfigAnnotations())['amko.vmware.com/amko-uuid'];
      assert.match(
        uuid ?? '',
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      await f.putGslbConfig({});
      await eventually(async () => {
        assert.deepEqual(await f.status('gslbconfigs', 'avi-system', 'gc-1'), {
          state: 'success: gslb config accepted',
        });
      });
      const gs = (await f.gslbServices()).get(host);
      assert.equal(gs?.['created_by'], `amko-${uuid ?? ''}`);
    } finally {
      await f.stopAmko();
      await f.putGslbConfig({}, { 'amko.vmware.com/amko-uuid': UUID });
    }
  });

  it('writes nothing while the controller is a GSLB follower, and syncs once it leads again', async () => {
    try {
      await f.putGslbConfig({ refreshInterval: 1 }, { 'amko.vmware.com/amko-uuid': UUID });
      await f.sim.control.setLeader(false);
      await ingress('cluster1', '10.1.0.1');
      const amko = f.startAmko();
      await eventually(async () => {
        assert.deepEqual(await f.status('gslbconfigs', 'avi-system', 'gc-1'), {
          state: 'error: controller not a leader',
        });
      });
      await amko.waitForLog(/writes held back: read-only/);
      assert.equal(await f.writeCount(), 0);
      await f.sim.control.setLeader(true);
      await gsEventually(want([['cluster1', '10.1.0.1']]));
      await eventually(async () => {
        assert.deepEqual(await f.status('gslbconfigs', 'avi-system', 'gc-1'), {
          state: 'success: gslb config accepted',
        });
      });
    } finally {
      await f.stopAmko();
      await f.putGslbConfig({}, { 'amko.vmware.com/amko-uuid': UUID });
    }
  });

  it('never overwrites a GslbService stamped with a higher epoch (fenced)', async () => {
    const fenced = seededGs(host, `amko-${UUID}`, {
      markers: [{ key: 'amko-epoch', values: ['5'] }],
    });
    await f.sim.control.seed({
      objects: { healthmonitor: [seededHm(host, `amko-${UUID}`)], gslbservice: [fenced] },
    });
    const seeded = (await f.gslbServices()).get(host);
    const seededMonitors = await f.amkoMonitors();
    await ingress('cluster1', '10.1.0.1');
    const amko = f.startAmko();
    await amko.waitForLog(/fenced: no more writes/);
    assert.deepEqual((await f.gslbServices()).get(host), seeded);
    assert.deepEqual(await f.amkoMonitors(), seededMonitors);
    const writes = (await f.sim.control.journal()).filter(
      (e) =>
        ['POST', 'PUT', 'PATCH', 'DELETE'].includes(e.method) &&
        (e.objectType === 'gslbservice' || e.objectType === 'healthmonitor'),
    );
    assert.deepEqual(
      writes.map((e) => `${e.method} ${e.path}`),
      [],
      'no write to a GslbService or health monitor',
    );
  });

  it('re-reads the controller every refresh interval: no writes when unchanged, drift repaired', async () => {
    try {
      await f.putGslbConfig({ refreshInterval: 1 }, { 'amko.vmware.com/amko-uuid': UUID });
      await ingress('cluster1', '10.1.0.1');
      const amko = f.startAmko();
      await gsEventually(want([['cluster1', '10.1.0.1']]));
      await amko.waitForLog(/bootup sync finished/);
      await f.sim.control.clearJournal();
      const syncs = (): number => (amko.log().match(/full sync finished/g) ?? []).length;
      const start = syncs();
      await eventually(() => syncs() >= start + 2, { timeoutMs: 30_000, what: 'two full syncs' });
      assert.equal(await f.writeCount(), 0, 'an unchanged controller gets no writes');
      await behindItsBack(host, (c, gs) => c.gslbServices.update({ ...gs, ttl: 999 }));
      await gsEventually(want([['cluster1', '10.1.0.1']]));
    } finally {
      await f.stopAmko();
      await f.putGslbConfig({}, { 'amko.vmware.com/amko-uuid': UUID });
    }
  });
});
