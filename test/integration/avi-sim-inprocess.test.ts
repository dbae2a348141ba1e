/**
 * The simulator as a class in the test process: start/stop on port 0, the in-process control
 * API, a generated TLS certificate, and a clean stop while a faulted request is still held.
 */
import assert from 'node:assert/strict';
import { AviClient } from '../../src/shared/avi/avi-client.js';
import { AviError } from '../../src/shared/avi/avi-error.js';
import { AviSimulator } from '../../src/sim/avi-controller/server.js';
import { gslbServiceBody, rejectionOf } from '../support/avi-sim.js';
import { eventually } from '../support/eventually.js';

function clientOf(
  sim: AviSimulator,
  extra: Partial<ConstructorParameters<typeof AviClient>[0]> = {},
): AviClient {
  return new AviClient({
    baseUrl: sim.url,
    username: 'admin',
    password: 'pw',
    retry: { baseMs: 5, maxMs: 20 },
    ...extra,
  });
}

describe('AviSimulator in-process', function () {
  it('serves the API and exposes the control operations as methods', async function () {
    const sim = new AviSimulator({ username: 'admin', password: 'pw' });
    const url = await sim.start();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const client = clientOf(sim);
    try {
      const gs = await client.gslbServices.create(gslbServiceBody('inproc.example.com'));
      const stored = sim.control.objects({ type: 'gslbservice' })['gslbservice'] ?? [];
      assert.deepEqual(
        stored.map((o) => o['uuid']),
        [gs.uuid],
      );
      sim.control.setLeader(false);
      const err = await rejectionOf(client.gslbServices.delete(gs.uuid));
      assert.ok(err instanceof AviError && err.code === 'AVI_NOT_LEADER');
      assert.deepEqual(
        sim.control.journal({ method: 'DELETE' }).map((e) => e.status),
        [400],
      );
      assert.equal(sim.control.stats().byMethod['POST'], 2);
    } finally {
      await client.close();
      await sim.stop();
    }
  });

  it('serves HTTPS with a generated certificate that clients trust as their CA', async function () {
    const sim = new AviSimulator({ username: 'admin', password: 'pw', tls: true });
    await sim.start();
    const client = clientOf(sim, { caBundle: sim.certificate ?? '' });
    try {
      assert.match(sim.url, /^https:/);
      assert.match(sim.certificate ?? '', /^-----BEGIN CERTIFICATE-----/);
      assert.equal((await client.getCluster()).name, 'ctrl-east');
    } finally {
      await client.close();
      await sim.stop();
    }
  });

  it('stops cleanly while a request is held by a timeout fault', async function () {
    const sim = new AviSimulator({ username: 'admin', password: 'pw' });
    await sim.start();
    const client = clientOf(sim, { requestTimeoutMs: 60_000 });
    await client.login();
    sim.control.addFault({ match: { objectType: 'cloud' }, effect: { timeout: true } });
    const pending = rejectionOf(client.clouds.list());
    await eventually(() => sim.control.journal({ objectType: 'cloud' }).length > 0, {
      timeoutMs: 10_000,
    });
    await sim.stop();
    const err = await pending;
    assert.ok(err instanceof AviError && err.code === 'AVI_UNAVAILABLE', String(err));
    await client.close();
  });
});
