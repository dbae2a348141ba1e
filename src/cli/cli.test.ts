import assert from 'node:assert/strict';
import { ManualClock } from '../shared/kube/manual-clock.js';
import { runCli, USAGE } from './cli.js';
import type { CliIo } from './cli-io.js';

/** Runs the CLI without touching any cluster: only paths that end before a kubeconfig is used. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const seen = { out: '', err: '' };
  const io: CliIo = {
    out: (t) => (seen.out += t),
    err: (t) => (seen.err += t),
    clock: new ManualClock(),
  };
  const code = await runCli(argv, io);
  return { code, ...seen };
}

describe('runCli', () => {
  it('prints the usage on --help and on help, and to stderr with exit 2 without a command', async () => {
    assert.deepEqual(await run('--help'), { code: 0, out: USAGE, err: '' });
    assert.deepEqual(await run('help'), { code: 0, out: USAGE, err: '' });
    assert.deepEqual(await run(), { code: 2, out: '', err: USAGE });
  });

  it('prints each command help, with global flags before or after the command', async () => {
    for (const [cmd, words] of [
      ['status', /-o, --output FORMAT/],
      ['promote', /--controller-ip ADDR/],
      ['demote', /spec\.isLeader: false/],
      ['diff', /--against CONTEXT/],
    ] as const) {
      const after = await run(cmd, '--help');
      assert.equal(after.code, 0);
      assert.match(after.out, words);
      assert.match(after.out, /--kubeconfig FILE/);
      const before = await run('--context', 'c1', cmd, '-h');
      assert.equal(before.out, after.out);
      assert.equal((await run('help', cmd)).out, after.out);
    }
  });

  it('refuses an unknown command with exit 2', async () => {
    const r = await run('failover');
    assert.equal(r.code, 2);
    assert.match(r.err, /^kubectl-amko: unknown command "failover"\n/);
  });

  it('turns usage errors into one line and exit 2', async () => {
    const bad = await run('promote', '--wait', 'soon');
    assert.equal(bad.code, 2);
    assert.equal(bad.err.split('\n').length, 2, 'one line');
    assert.match(bad.err, /^kubectl-amko promote: not a duration: "soon"/);
    const missing = await run('diff');
    assert.deepEqual(
      [missing.code, missing.err],
      [2, 'kubectl-amko diff: --against CONTEXT is required\n'],
    );
    const flag = await run('demote', '--force');
    assert.equal(flag.code, 2);
    assert.match(flag.err, /Unknown option '--force'/);
  });

  it('names a kubeconfig that cannot be read', async () => {
    const r = await run('status', '--kubeconfig', '/nonexistent/kubeconfig');
    assert.equal(r.code, 2);
    assert.match(r.err, /^kubectl-amko status: cannot load \/nonexistent\/kubeconfig: .*ENOENT/);
  });
});
