/**
 * Verifying the controller cache against the real simulator process (controller-reader.ts
 * `refreshCache`): after objects are created, changed, touched and deleted on the controller,
 * the verified cache equals one read whole at the same moment, it read again only what changed,
 * and it reads the whole mirror when a name the cache resolved changed or too much changed.
 */
import assert from 'node:assert/strict';
import type { AviClient } from '../../src/shared/avi/avi-client.js';
import type { GslbService, HealthMonitor, Stored } from '../../src/shared/avi/types.js';
import { gslbKey } from '../../src/shared/keys.js';
import { AviClientGslbApi } from '../../src/leader/sync/avi-client-api.js';
import { ControllerCache } from '../../src/leader/sync/controller-cache.js';
import { ControllerReader } from '../../src/leader/sync/controller-reader.js';
import { LEGACY_CREATED_BY } from '../../src/leader/model/names.js';
import {
  clientFor,
  gslbServiceBody,
  healthMonitorBody,
  startAviSim,
  type AviSimHandle,
} from '../support/avi-sim.js';

const OURS = 'amko-4f8e2a10-1c3b-11ef-9d2e-0242ac120002';
const TENANT = 'retail';

/** Everything planning reads from a cache, in a comparable form. */
function contentOf(cache: ControllerCache) {
  const gs = cache
    .gsKeys()
    .sort()
    .map((k) => {
      const g = cache.gs(k);
      return g && { ...g, unresolved: g.unresolved?.uuid };
    });
  const hms = [...cache.hmVersions().keys()].sort().map((uuid) => cache.hmByUuid(uuid));
  const versions = [...cache.gsVersions()].sort(([a], [b]) => a.localeCompare(b));
  return { gs, hms, versions, owned: cache.gsNamesOfOwnedHms() };
}

describe('controller view verification', function () {
  this.timeout(60_000);
  let sim: AviSimHandle;
  let client: AviClient;
  let reader: ControllerReader;

  before(async () => {
    sim = await startAviSim({ autoCreateTenants: true });
  });
  after(async () => {
    await sim?.stop();
  });
  beforeEach(async () => {
    await sim.control.reset();
    client = clientFor(sim);
    reader = new ControllerReader({ avi: new AviClientGslbApi(client) });
  });
  afterEach(async () => {
    await client.close();
  });

  const createGs = (name: string, extra: Partial<GslbService> = {}): Promise<Stored<GslbService>> =>
    client.gslbServices.create(gslbServiceBody(name, extra), { tenant: TENANT });
  const createHm = (name: string): Promise<Stored<HealthMonitor>> =>
    client.healthMonitors.create(healthMonitorBody(name, TENANT), { tenant: TENANT });

  /** 20 GslbServices of ours (each with its monitor), one legacy, one not usable. */
  async function seed() {
    const hms: Stored<HealthMonitor>[] = [];
    const gs: Stored<GslbService>[] = [];
    for (let i = 0; i < 20; i++) {
      const hm = await createHm(`amko--hm-${i}`);
      hms.push(hm);
      gs.push(
        await createGs(`app-${i}.example.com`, {
          health_monitor_refs: [`/api/healthmonitor/${hm.uuid}`],
        }),
      );
    }
    const legacy = await createGs('legacy.example.com', { created_by: LEGACY_CREATED_BY });
    const unusable = await createGs('bare.example.com', { description: '' });
    return { hms, gs, legacy, unusable };
  }

  async function journalSince(seq: number) {
    return (await sim.control.journal({ since: seq })).filter((e) => e.seq > seq);
  }

  async function lastSeq(): Promise<number> {
    const all = await sim.control.journal();
    return all.at(-1)?.seq ?? 0;
  }

  it('finds nothing to read again when nothing changed, listing versions only', async function () {
    await seed();
    const cache = new ControllerCache(OURS);
    await reader.loadCache(cache);
    const before = contentOf(cache);
    // 22 GslbServices and every federated monitor (the controller's own ones too).
    const federated = await client.healthMonitors.list({ tenant: '*', isFederated: true });
    const seq = await lastSeq();
    const check = await reader.refreshCache(cache);
    assert.ok(federated.length >= 20);
    assert.deepEqual(check, {
      listed: 22 + federated.length,
      changed: 0,
      gone: 0,
      reread: false,
      keys: [],
    });
    assert.deepEqual(contentOf(cache), before);
    const calls = await journalSince(seq);
    assert.ok(calls.length > 0, 'the verification made requests');
    for (const c of calls) {
      assert.equal(c.method, 'GET');
      assert.ok(c.query['fields'] !== undefined, `${c.path} listed without fields=`);
      assert.doesNotMatch(c.path, /\/api\/\w+\/[^/?]+$/, 'no object read by uuid');
    }
  });

  it('reads again only what changed, and ends equal to a whole read', async function () {
    const { hms, gs, unusable } = await seed();
    const cache = new ControllerCache(OURS);
    await reader.loadCache(cache);
    // Changed content, a version bump with the same content, deletions, creations, and a GS
    // that was not usable and now is.
    await client.gslbServices.update({ ...gs[0]!, ttl: 77 }, { tenant: TENANT });
    await client.gslbServices.update(
      { ...gs[1]!, domain_names: ['other.example.com'] },
      { tenant: TENANT },
    );
    await sim.control.touch('gslbservice', gs[2]!.uuid);
    await client.gslbServices.delete(gs[3]!.uuid, { tenant: TENANT });
    await client.healthMonitors.delete(hms[3]!.uuid, { tenant: TENANT });
    await createGs('new.example.com');
    const newHm = await createHm('amko--hm-new');
    await client.healthMonitors.update({ ...hms[4]!, monitor_port: 8443 }, { tenant: TENANT });
    await client.gslbServices.update(
      { ...unusable, description: 'INGRESS/site-a/web/bare/bare.example.com' },
      { tenant: TENANT },
    );
    const seq = await lastSeq();
    const check = await reader.refreshCache(cache);
    // 3 GS changed, 1 new, 1 usable now; 1 monitor new, 1 changed. 1 GS and 1 monitor gone.
    assert.equal(check.reread, false);
    assert.equal(check.changed, 7);
    assert.equal(check.gone, 2);
    // And the GS the changed, new and deleted monitors name in their descriptions.
    const names = ['app-0', 'app-1', 'app-2', 'app-3', 'bare', 'new', 'shop'];
    assert.deepEqual(
      [...(check.keys ?? [])].sort(),
      names.map((n) => gslbKey(TENANT, `${n}.example.com`)).sort(),
    );
    const byUuid = (await journalSince(seq)).filter((c) => /\/api\/\w+\/[^/?]+$/.test(c.path));
    assert.equal(byUuid.length, 7, 'one read by uuid per new or changed object');
    assert.ok(byUuid.some((c) => c.path.endsWith(newHm.uuid)));

    const whole = new ControllerCache(OURS);
    await reader.loadCache(whole);
    assert.deepEqual(contentOf(cache), contentOf(whole));
    assert.notEqual(
      cache.gs(gslbKey(TENANT, 'app-0.example.com'))?.lastModified,
      gs[0]!._last_modified,
    );
  });

  it('reads the whole mirror when a monitor the cache knows changed its name', async function () {
    const { hms } = await seed();
    const cache = new ControllerCache(OURS);
    await reader.loadCache(cache);
    await client.healthMonitors.update(
      { ...hms[5]!, name: 'amko--hm-renamed' },
      { tenant: TENANT },
    );
    const check = await reader.refreshCache(cache);
    assert.equal(check.reread, true);
    assert.equal(check.keys, undefined);
    const whole = new ControllerCache(OURS);
    await reader.loadCache(whole);
    assert.deepEqual(contentOf(cache), contentOf(whole));
    assert.deepEqual(cache.gs(gslbKey(TENANT, 'app-5.example.com'))?.hmNames, ['amko--hm-renamed']);
  });

  it('reads the whole mirror when more than a quarter of the objects changed', async function () {
    const { gs } = await seed();
    const cache = new ControllerCache(OURS);
    await reader.loadCache(cache);
    // The floor is 64 objects read one by one: create more than that.
    for (let i = 0; i < 70; i++) await createGs(`more-${i}.example.com`);
    await client.gslbServices.delete(gs[0]!.uuid, { tenant: TENANT });
    const seq = await lastSeq();
    const check = await reader.refreshCache(cache);
    assert.equal(check.reread, true);
    assert.equal(check.changed, 70);
    assert.deepEqual(
      [...(check.keys ?? [])].sort(),
      [gs[0]!.name, ...Array.from({ length: 70 }, (_, i) => `more-${i}.example.com`)]
        .map((n) => gslbKey(TENANT, n))
        .sort(),
      'the keys of the new GSes and of the deleted one',
    );
    const byUuid = (await journalSince(seq)).filter((c) => /\/api\/\w+\/[^/?]+$/.test(c.path));
    assert.equal(byUuid.length, 0, 'nothing read by uuid: the whole mirror was read');
    const whole = new ControllerCache(OURS);
    await reader.loadCache(whole);
    assert.deepEqual(contentOf(cache), contentOf(whole));
    assert.equal(cache.gsCount, 21 - 1 + 70, 'ours and the legacy one, one deleted, 70 new');
  });
});
