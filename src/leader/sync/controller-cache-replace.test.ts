import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { GslbService, HealthMonitor, Stored } from '../../shared/avi/types.js';
import { gslbKey } from '../../shared/keys.js';
import { MAX_SLICE_MS } from '../../shared/kube/worker-pool.js';
import { ControllerCache, type MirrorData } from './controller-cache.js';

const TENANT = 'https://ctl/api/tenant/admin#admin';
const ME = 'amko-me';

/** `n` GslbServices, each with its own monitor, as the controller stores them. */
function mirror(n: number, prefix: string): MirrorData {
  const gs: MirrorData['gs'][number][] = [];
  const hms: MirrorData['hms'][number][] = [];
  for (let i = 0; i < n; i++) {
    const name = `${prefix}${i}.example.com`;
    const hmUuid = `healthmonitor-${prefix}${i}`;
    const monitor: Stored<HealthMonitor> = {
      name: `amko--${prefix}${i}`,
      uuid: hmUuid,
      url: `https://ctl/api/healthmonitor/${hmUuid}`,
      _last_modified: '1',
      type: 'HEALTH_MONITOR_HTTP',
      tenant_ref: TENANT,
      description: `created by: amko, gsname: ${name}, path: /, protocol: http`,
      markers: [{ key: 'created-by', values: [ME] }],
    };
    const service: Stored<GslbService> = {
      name,
      uuid: `gslbservice-${prefix}${i}`,
      url: `https://ctl/api/gslbservice/gslbservice-${prefix}${i}`,
      _last_modified: '2',
      tenant_ref: TENANT,
      domain_names: [name],
      health_monitor_refs: [`https://ctl/api/healthmonitor/${hmUuid}`],
      groups: [{ name: `${name}-10`, priority: 10, members: [{ ip: { addr: '10.0.0.1' } }] }],
      created_by: ME,
      description: `INGRESS/c1/web/ing${i}/${name}`,
      markers: [{ key: 'created-by', values: [ME] }],
    } as Stored<GslbService>;
    hms.push({ stored: monitor, tenant: 'admin' });
    gs.push({ stored: service, tenant: 'admin' });
  }
  return { gs, hms, names: [] };
}

describe('controller cache: replacing the whole mirror', () => {
  it('computes the entries in slices of the event loop and swaps them in at once', async () => {
    const cache = new ControllerCache(ME);
    assert.equal(await cache.replaceAll(mirror(1, 'old')), true);
    const old = gslbKey('admin', 'old0.example.com');
    const data = mirror(10_000, 'new');
    const first = gslbKey('admin', 'new0.example.com');
    // While it runs, other work gets turns of the loop, and sees the old mirror whole.
    const seen: { old: boolean; first: boolean; gapMs: number }[] = [];
    let last = performance.now();
    let running = true;
    const watch = (async () => {
      while (running) {
        await nextTurn();
        const now = performance.now();
        seen.push({ old: !!cache.gs(old), first: !!cache.gs(first), gapMs: now - last });
        last = now;
      }
    })();
    const replaced = await cache.replaceAll(data);
    running = false;
    await watch;
    assert.equal(replaced, true);
    const during = seen.slice(0, -1);
    assert.ok(during.length >= 2, `the loop turned ${during.length} times during the replace`);
    assert.ok(
      during.every((s) => s.old && !s.first),
      'the mirror showed part of the new content before the end',
    );
    // A slice may run over by one object's entry; far over means the loop was held.
    const longest = Math.max(...during.map((s) => s.gapMs));
    assert.ok(longest < MAX_SLICE_MS * 5, `the loop was held ${longest.toFixed(0)} ms`);
    assert.equal(cache.gs(old), undefined);
    assert.equal(cache.gs(gslbKey('admin', 'new9999.example.com'))?.hmNames[0], 'amko--new9999');
    assert.deepEqual(
      cache.ownedHmsOfGs('admin', 'new42.example.com').map((h) => h.name),
      ['amko--new42'],
    );
  });

  it('leaves the mirror as it was when stopped half way', async () => {
    const cache = new ControllerCache(ME);
    await cache.replaceAll(mirror(3, 'old'));
    const stop = new AbortController();
    const pending = cache.replaceAll(mirror(10_000, 'new'), stop.signal);
    stop.abort();
    assert.equal(await pending, false);
    assert.ok(cache.gs(gslbKey('admin', 'old2.example.com')));
    assert.equal(cache.gs(gslbKey('admin', 'new0.example.com')), undefined);
    assert.equal(cache.gsVersions().size, 3);
  });
});
