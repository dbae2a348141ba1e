/**
 * The simulator binary's own features: `--state` across a restart, `--seed` from YAML,
 * `--version` with `--strict-version`, `--auto-create-tenants`, and the `/_sim/` control API
 * (reset, seed, objects, faults, stats, journal, leader, maintenance, logins, password, touch).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AviError } from '../../src/shared/avi/avi-error.js';
import { clientFor, gslbServiceBody, rejectionOf, startAviSim } from '../support/avi-sim.js';

describe('amko-avi-sim binary and control API', function () {
  let dir: string;

  before(function () {
    dir = mkdtempSync(path.join(tmpdir(), 'avi-sim-control-'));
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the configuration in --state across a restart', async function () {
    const statePath = path.join(dir, 'state.json');
    const first = await startAviSim({ statePath, password: 'pw' });
    const client = clientFor(first);
    const created = await client.gslbServices.create(gslbServiceBody('kept.example.com'));
    await client.close();
    await first.stop();
    assert.ok(readFileSync(statePath, 'utf8').includes('kept.example.com'));

    const second = await startAviSim({ statePath, password: 'pw' });
    const again = clientFor(second);
    try {
      assert.equal((await again.gslbServices.getByName('kept.example.com'))?.uuid, created.uuid);
      const later = await again.gslbServices.create(gslbServiceBody('later.example.com'));
      assert.ok(BigInt(later._last_modified) > BigInt(created._last_modified));
    } finally {
      await again.close();
      await second.stop();
    }
  });

  it('restarts on the same port with its state; a client logs in again and carries on', async function () {
    const sim = await startAviSim({ statePath: path.join(dir, 'restart.json'), faultSeed: 3 });
    const client = clientFor(sim);
    try {
      const created = await client.gslbServices.create(gslbServiceBody('restart.example.com'));
      const { url, pid } = sim;
      await sim.restart(300);
      assert.equal(sim.url, url);
      assert.notEqual(sim.pid, pid);
      const found = await client.gslbServices.getByName('restart.example.com');
      assert.equal(found?.uuid, created.uuid);
      assert.equal(client.logins, 2, 'the old session is gone: one new login');
      const stats = await sim.control.stats();
      assert.equal(stats.byStatus['401'], 1, 'the old session was refused once');
    } finally {
      await client.close();
      await sim.stop();
    }
  });

  it('starts from a YAML --seed, reports --version and refuses newer versions when strict', async function () {
    const seedPath = path.join(dir, 'seed.yaml');
    writeFileSync(
      seedPath,
      [
        'tenants: [admin, retail]',
        'cluster: {uuid: cluster-11111111-2222-4333-8444-555555555555, name: west-ctrl}',
        'gslb: {name: Default, leader_cluster_uuid: cluster-11111111-2222-4333-8444-555555555555}',
        'objects:',
        '  healthmonitor:',
        '    - {name: retail-hm, type: HEALTH_MONITOR_TCP, is_federated: true, tenant: retail}',
      ].join('\n'),
    );
    const sim = await startAviSim({
      args: ['--seed', seedPath],
      version: '30.2.1',
      strictVersion: true,
    });
    const client = clientFor(sim, { controllerVersion: '30.2.1', tenant: 'retail' });
    const newer = clientFor(sim, { controllerVersion: '31.1.1' });
    try {
      assert.equal((await client.getCluster()).name, 'west-ctrl');
      assert.equal((await client.leaderCheck()).leader, true);
      assert.equal((await client.healthMonitors.list()).map((h) => h.name).join(), 'retail-hm');
      assert.equal((await client.getInitialData()).version.Version, '30.2.1');
      const err = await rejectionOf(newer.getCluster());
      assert.ok(err instanceof AviError);
      assert.equal(err.detail, 'Invalid version 31.1.1: higher than controller version 30.2.1');
    } finally {
      await client.close();
      await newer.close();
      await sim.stop();
    }
  });

  it('creates tenants on first use with --auto-create-tenants', async function () {
    const sim = await startAviSim({ autoCreateTenants: true });
    const client = clientFor(sim, { tenant: 'fresh' });
    try {
      await client.gslbServices.create(gslbServiceBody('fresh.example.com'));
      assert.equal((await client.tenants.getByName('fresh'))?.name, 'fresh');
    } finally {
      await client.close();
      await sim.stop();
    }
  });

  describe('/_sim/ routes', function () {
    it('seeds, lists objects, resets and records stats and journal', async function () {
      const sim = await startAviSim();
      const client = clientFor(sim);
      try {
        await sim.control.seed({
          tenants: ['retail'],
          objects: { pkiprofile: [{ name: 'pki9', tenant: 'retail' }] },
        });
        const retail = await sim.control.objects({ tenant: 'retail' });
        assert.deepEqual(
          (retail['pkiprofile'] ?? []).map((o) => o['name']),
          ['pki9'],
        );
        await client.gslbServices.create(gslbServiceBody('a.example.com'));
        await rejectionOf(client.gslbServices.create(gslbServiceBody('a.example.com')));
        const stats = await sim.control.stats();
        assert.equal(stats.byMethod['POST'], 3);
        assert.deepEqual(
          stats.counts
            .filter((c) => c.objectType === 'gslbservice')
            .map((c) => `${c.method} ${c.status} ${c.count}`),
          ['POST 201 1', 'POST 409 1', 'GET 200 1'],
        );
        const journal = await sim.control.journal({ since: 2, method: 'POST' });
        assert.deepEqual(
          journal.map((e) => e.status),
          [409],
        );
        assert.equal((journal[0]?.body as { name: string }).name, 'a.example.com');
        const login = (await sim.control.journal({ objectType: 'login' }))[0];
        assert.equal((login?.body as { password: string }).password, '[redacted]');
        await sim.control.reset();
        assert.deepEqual(await sim.control.objects({ type: 'gslbservice' }), { gslbservice: [] });
        assert.equal((await sim.control.stats()).total, 0);
        assert.equal(
          (await client.healthMonitors.list({ name: 'my-hm1' })).length,
          1,
          'sessions survive a reset',
        );
        await sim.control.reset({ empty: true });
        assert.equal((await client.healthMonitors.list()).length, 0);
        assert.equal((await client.getCluster()).name, 'ctrl-east');
      } finally {
        await client.close();
        await sim.stop();
      }
    });

    it('adds, applies and removes fault rules', async function () {
      const sim = await startAviSim();
      const client = clientFor(sim, { retry: { attempts: 1 } });
      try {
        const [rule] = await sim.control.faults({
          match: { method: 'GET', tenant: '*' },
          effect: { status: 500, body: 'boom' },
        });
        const err = await rejectionOf(client.clouds.list({ tenant: '*' }));
        assert.ok(err instanceof AviError && err.status === 500 && err.detail === 'boom');
        assert.equal(
          (await client.clouds.list({ tenant: 'admin' })).length,
          1,
          'tenant did not match',
        );
        assert.equal((await sim.control.journal({ objectType: 'cloud' }))[0]?.fault, rule?.id);
        await sim.control.clearFaults(rule?.id);
        assert.equal((await client.clouds.list({ tenant: '*' })).length, 1);
        await sim.control.faults([
          { match: { bodyContains: 'blocked.example.com' }, effect: { status: 503 } },
          { match: { objectType: 'gslbservice' }, effect: { status: 500 }, probability: 0 },
        ]);
        const blocked = await rejectionOf(
          client.gslbServices.create(gslbServiceBody('blocked.example.com')),
        );
        assert.ok(blocked instanceof AviError && blocked.status === 503);
        await client.gslbServices.create(gslbServiceBody('fine.example.com'));
        await sim.control.clearFaults();
        await client.gslbServices.create(gslbServiceBody('blocked.example.com'));
      } finally {
        await client.close();
        await sim.stop();
      }
    });

    it('changes passwords, rejects logins and bumps _last_modified', async function () {
      const sim = await startAviSim();
      const client = clientFor(sim);
      try {
        const gs = await client.gslbServices.create(gslbServiceBody('t.example.com'));
        const bumped = await sim.control.touch('gslbservice', gs.uuid);
        assert.ok(BigInt(bumped) > BigInt(gs._last_modified));
        await sim.control.setPassword(sim.username, 'rotated');
        await sim.control.expireSessions();
        const refused = await rejectionOf(client.gslbServices.list());
        assert.ok(refused instanceof AviError && refused.code === 'AVI_AUTH');
        const rotated = clientFor(sim, { password: 'rotated' });
        try {
          await sim.control.rejectNextLogins(1);
          assert.ok((await rejectionOf(rotated.login())) instanceof AviError);
          await rotated.login();
          assert.equal((await rotated.gslbServices.list()).length, 1);
        } finally {
          await rotated.close();
        }
      } finally {
        await client.close();
        await sim.stop();
      }
    });
  });
});
