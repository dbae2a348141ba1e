import assert from 'node:assert/strict';
import { CliError, parseArgs, parseListen } from './cli.js';

describe('amko-avi-sim flags', function () {
  it('parses the documented flags in both spellings', function () {
    const parsed = parseArgs([
      '--listen',
      '127.0.0.1:8443',
      '--username=amko',
      '--password',
      'p',
      '--tls',
      '--state',
      '/tmp/s.json',
      '--seed=/tmp/seed.yaml',
      '--version',
      '30.2.1',
      '--strict-version',
      '--session-idle',
      '2',
      '--expired-session-status',
      '419',
      '--fault-seed',
      '7',
    ]);
    assert.equal(parsed.help, false);
    if (parsed.help) return;
    assert.deepEqual(parsed.options, {
      host: '127.0.0.1',
      port: 8443,
      username: 'amko',
      password: 'p',
      tls: true,
      strictVersion: true,
      allowBasicAuth: false,
      autoCreateTenants: false,
      shareAdminProfiles: true,
      expiredSessionStatus: 419,
      logLevel: 'warn',
      statePath: '/tmp/s.json',
      seedFile: '/tmp/seed.yaml',
      version: '30.2.1',
      sessionIdleMs: 2_000,
      faultSeed: 7,
    });
  });

  it('defaults to admin on 127.0.0.1:0 and needs a password', function () {
    const parsed = parseArgs(['--password', 'p']);
    assert.ok(
      !parsed.help &&
        parsed.options.port === 0 &&
        parsed.options.username === 'admin' &&
        !parsed.options.tls,
    );
    assert.throws(() => parseArgs([]), CliError);
    assert.deepEqual(parseArgs(['--help']), { help: true });
  });

  it('refuses unknown flags, missing values and bad choices', function () {
    for (const argv of [
      ['--password', 'p', '--bogus'],
      ['--password'],
      ['--password', 'p', '--expired-session-status', '500'],
      ['--password', 'p', '--tls-cert', 'c'],
      ['--password', 'p', '--fault-seed', '-1'],
    ]) {
      assert.throws(() => parseArgs(argv), CliError, argv.join(' '));
    }
  });

  it('splits HOST:PORT, IPv6 included', function () {
    assert.deepEqual(parseListen('[::1]:9000'), { host: '::1', port: 9000 });
    assert.deepEqual(parseListen(':9000'), { host: '127.0.0.1', port: 9000 });
    assert.throws(() => parseListen('localhost'), CliError);
    assert.throws(() => parseListen('h:70000'), CliError);
  });
});
