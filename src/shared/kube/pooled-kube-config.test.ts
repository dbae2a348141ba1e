import assert from 'node:assert/strict';
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { PooledKubeConfig } from './pooled-kube-config.js';

function load(kc: KubeConfig, opts: { server?: string; cert?: string } = {}): KubeConfig {
  kc.loadFromOptions({
    clusters: [
      { name: 'c', server: opts.server ?? 'https://127.0.0.1:6443', caData: 'Y2E=' },
      { name: 'd', server: 'https://127.0.0.1:7443', caData: 'Y2E=' },
    ],
    users: [{ name: 'u', certData: opts.cert ?? 'Y2VydA==', keyData: 'a2V5' }],
    contexts: [
      { name: 'c', cluster: 'c', user: 'u' },
      { name: 'd', cluster: 'd', user: 'u' },
    ],
    currentContext: 'c',
  });
  return kc;
}

async function dispatcherOf(kc: KubeConfig): Promise<unknown> {
  const ctx = new RequestContext('https://127.0.0.1:6443/api', HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  return ctx.getDispatcher();
}

describe('PooledKubeConfig', () => {
  it('hands every request of one endpoint the same dispatcher', async () => {
    const kc = load(new PooledKubeConfig()) as PooledKubeConfig;
    const first = await dispatcherOf(kc);
    assert.ok(first);
    for (let i = 0; i < 5; i++) assert.equal(await dispatcherOf(kc), first);
    assert.equal(kc.dispatcherCount, 1);
    await kc.closeConnections();
  });

  it('keeps one dispatcher per endpoint when the context changes', async () => {
    const kc = load(new PooledKubeConfig()) as PooledKubeConfig;
    const c = await dispatcherOf(kc);
    kc.setCurrentContext('d');
    const d = await dispatcherOf(kc);
    assert.notEqual(d, c);
    kc.setCurrentContext('c');
    assert.equal(await dispatcherOf(kc), c);
    assert.equal(kc.dispatcherCount, 2);
    await kc.closeConnections();
    assert.equal(kc.dispatcherCount, 0);
  });

  it('makes a new dispatcher when the TLS material changes, and closes the old one', async () => {
    const kc = load(new PooledKubeConfig()) as PooledKubeConfig;
    const before = (await dispatcherOf(kc)) as { closed?: boolean };
    const user = kc.getCurrentUser();
    assert.ok(user);
    (user as { certData?: string }).certData = 'cm90YXRlZA==';
    const after = (await dispatcherOf(kc)) as { closed?: boolean };
    assert.notEqual(after, before);
    assert.equal(before.closed, true);
    assert.equal(after.closed, false);
    assert.equal(kc.dispatcherCount, 1);
    await kc.closeConnections();
  });

  it('keeps at most 8 endpoints and closes the one used least recently', async () => {
    const kc = new PooledKubeConfig();
    const names = Array.from({ length: 9 }, (_, i) => `c${i}`);
    kc.loadFromOptions({
      clusters: names.map((name, i) => ({
        name,
        server: `https://127.0.0.1:${6500 + i}`,
        caData: 'Y2E=',
      })),
      users: [{ name: 'u', certData: 'Y2VydA==', keyData: 'a2V5' }],
      contexts: names.map((name) => ({ name, cluster: name, user: 'u' })),
      currentContext: 'c0',
    });
    const made = new Map<string, { closed?: boolean }>();
    for (const name of names.slice(0, 8)) {
      kc.setCurrentContext(name);
      made.set(name, (await dispatcherOf(kc)) as { closed?: boolean });
    }
    kc.setCurrentContext('c0');
    assert.equal(await dispatcherOf(kc), made.get('c0'), 'c0 is used again, so c1 is the idlest');
    kc.setCurrentContext('c8');
    await dispatcherOf(kc);
    assert.equal(kc.dispatcherCount, 8);
    assert.equal(made.get('c1')?.closed, true);
    for (const name of names.slice(0, 8).filter((n) => n !== 'c1')) {
      assert.equal(made.get(name)?.closed, false, `${name} stays open`);
    }
    kc.setCurrentContext('c0');
    assert.equal(await dispatcherOf(kc), made.get('c0'));
    await kc.closeConnections();
  });

  it('differs from a plain KubeConfig, which makes a dispatcher per request', async () => {
    const plain = load(new KubeConfig());
    assert.notEqual(await dispatcherOf(plain), await dispatcherOf(plain));
  });
});
