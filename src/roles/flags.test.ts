import assert from 'node:assert/strict';
import { HELP, isListenAddress, parseFlags } from './flags.js';

describe('amko flags', () => {
  it('defaults the federation and health listeners, hot standby and no metrics', () => {
    const f = parseFlags([]);
    assert.equal(f.federationListen, '0.0.0.0:50051');
    assert.equal(f.healthListen, '0.0.0.0:50052');
    assert.equal(f.metricsListen, undefined);
    assert.equal(f.standby, 'hot');
    assert.equal(f.insecure, false);
    assert.equal(f.logLevel, 'info');
    assert.equal(f.federationKeepaliveMs, 10_000);
  });

  it('reads the federation keepalive and documents it', () => {
    assert.equal(parseFlags(['--federation-keepalive-ms', '2000']).federationKeepaliveMs, 2000);
    assert.match(HELP, /--federation-keepalive-ms MS/);
  });

  it('reads the replication ping and the leader contact timeout (seconds), with defaults', () => {
    const d = parseFlags([]);
    assert.equal(d.replicationPingMs, 15_000);
    assert.equal(d.leaderContactTimeoutMs, 30_000);
    const f = parseFlags(['--replication-ping-ms', '500', '--leader-contact-timeout', '3']);
    assert.equal(f.replicationPingMs, 500);
    assert.equal(f.leaderContactTimeoutMs, 3_000);
    assert.match(HELP, /--replication-ping-ms MS/);
    assert.match(HELP, /--leader-contact-timeout SECONDS/);
  });

  it('names the flag and the range when the contact timeout is out of range', () => {
    assert.throws(
      () => parseFlags(['--leader-contact-timeout', '0']),
      /--leader-contact-timeout must be an integer from 1 to 86400, got 0/,
    );
  });

  it('reads the TLS files, listeners and --insecure', () => {
    const f = parseFlags([
      '--federation-listen',
      '127.0.0.1:0',
      '--health-listen',
      '[::1]:9000',
      '--metrics-listen',
      'localhost:9090',
      '--tls-cert',
      'c.crt',
      '--tls-key',
      'c.key',
      '--tls-ca',
      'ca.crt',
      '--standby',
      'cold',
      '--log-level',
      'DEBUG',
    ]);
    assert.deepEqual(
      [f.federationListen, f.healthListen, f.metricsListen, f.tlsCert, f.tlsKey, f.tlsCa],
      ['127.0.0.1:0', '[::1]:9000', 'localhost:9090', 'c.crt', 'c.key', 'ca.crt'],
    );
    assert.equal(f.standby, 'cold');
    assert.equal(f.logLevel, 'debug');
    assert.equal(parseFlags(['--insecure']).insecure, true);
  });

  for (const args of [
    ['--federation-listen', '50051'],
    ['--health-listen', 'host:99999'],
    ['--metrics-listen', ':'],
    ['--standby', 'warm'],
    ['--log-level', 'loud'],
    ['--federation-keepalive-ms', '999'],
    ['--federation-keepalive-ms', '2s'],
    ['--replication-ping-ms', '99'],
    ['--replication-ping-ms', '1e3'],
    ['--leader-contact-timeout', '30s'],
    ['--leader-contact-timeout', '86401'],
    ['--leader-contact-timeout', '-1'],
    ['--no-such-flag'],
  ]) {
    it(`refuses ${args.join(' ')}`, () => {
      assert.throws(() => parseFlags(args));
    });
  }

  it('recognises listen addresses', () => {
    assert.ok(isListenAddress('0.0.0.0:0'));
    assert.ok(isListenAddress('[::]:50051'));
    assert.ok(!isListenAddress('0.0.0.0'));
    assert.ok(!isListenAddress('a b:1'));
  });

  it('documents every federation flag in the help', () => {
    for (const flag of [
      '--federation-listen',
      '--health-listen',
      '--tls-cert',
      '--tls-key',
      '--tls-ca',
      '--insecure',
      '--metrics-listen',
    ]) {
      assert.ok(HELP.includes(flag), flag);
    }
  });
});
