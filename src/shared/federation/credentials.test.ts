import assert from 'node:assert/strict';
import { OperatorError } from '../errors.js';
import { clientChannelOptions, loadFederationTls, serverOptionsOf } from './credentials.js';
import { KEEPALIVE, keepaliveOf } from './federation-names.js';

async function configError(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(
    p,
    (e: unknown) =>
      e instanceof OperatorError && e.code === 'CONFIG_INVALID' && pattern.test(e.message),
  );
}

describe('federation credentials', () => {
  it('chooses plaintext only when --insecure is given, and alone', async () => {
    assert.deepEqual(await loadFederationTls({ insecure: true }), { mode: 'insecure' });
    await configError(loadFederationTls({ insecure: true, tlsCa: '/x' }), /cannot be combined/);
    await configError(loadFederationTls({}), /needs --tls-cert, --tls-key and --tls-ca/);
    await configError(loadFederationTls({ tlsCert: '/a', tlsKey: '/b' }), /needs --tls-cert/);
  });

  it('names the flag and file it cannot read', async () => {
    await configError(
      loadFederationTls({
        tlsCert: '/nonexistent/c.pem',
        tlsKey: '/nonexistent/k.pem',
        tlsCa: '/nonexistent/ca.pem',
      }),
      /--tls-(cert|key|ca) \/nonexistent\//,
    );
  });

  it('checks the peer by its cluster name over TLS, whatever address is dialled', () => {
    const tls = {
      mode: 'mtls',
      cert: Buffer.from(''),
      key: Buffer.from(''),
      ca: Buffer.from(''),
    } as const;
    assert.equal(
      clientChannelOptions(tls, 'cluster2')['grpc.ssl_target_name_override'],
      'cluster2',
    );
    assert.equal(
      clientChannelOptions({ mode: 'insecure' }, 'cluster2')['grpc.ssl_target_name_override'],
      undefined,
    );
    assert.ok(Number(clientChannelOptions(tls, 'c')['grpc.keepalive_time_ms']) > 0);
  });

  it('sets the keepalive of clients and servers from one interval', () => {
    const k = keepaliveOf(2_000);
    assert.deepEqual(k, { timeMs: 2_000, timeoutMs: 1_000, minPingIntervalMs: 1_000 });
    const client = clientChannelOptions({ mode: 'insecure' }, 'c', k);
    assert.equal(client['grpc.keepalive_time_ms'], 2_000);
    assert.equal(client['grpc.keepalive_timeout_ms'], 1_000);
    const server = serverOptionsOf(k);
    assert.equal(server['grpc.keepalive_time_ms'], 2_000);
    assert.equal(server['grpc.http2.min_ping_interval_without_data_ms'], 1_000);
    assert.deepEqual(KEEPALIVE, keepaliveOf(10_000));
  });
});
