import assert from 'node:assert/strict';
import { OperatorError } from '../shared/errors.js';
import {
  formatDuration,
  parseCommand,
  parseDuration,
  parseOutput,
  stringFlag,
} from './cli-flags.js';

const isUsage = (err: unknown): boolean =>
  err instanceof OperatorError && err.code === 'CONFIG_INVALID';

describe('parseDuration', () => {
  for (const [text, ms] of [
    ['60s', 60_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['45', 45_000],
    ['0', 0],
    ['1.5s', 1500],
  ] as const) {
    it(`reads ${text} as ${ms} ms`, () => {
      assert.equal(parseDuration(text), ms);
    });
  }

  for (const text of ['', 's', '10x', '-5s', '1m 30s', 'soon']) {
    it(`refuses ${JSON.stringify(text)} as a usage error`, () => {
      assert.throws(() => parseDuration(text), isUsage);
    });
  }
});

describe('formatDuration', () => {
  it('writes milliseconds, seconds and minutes', () => {
    assert.equal(formatDuration(250), '250ms');
    assert.equal(formatDuration(60_000), '1m');
    assert.equal(formatDuration(5_000), '5s');
    assert.equal(formatDuration(1_500), '1.5s');
    assert.equal(formatDuration(90_000), '1m30s');
  });
});

describe('parseOutput', () => {
  it('defaults to text and takes json or yaml', () => {
    assert.equal(parseOutput(undefined), 'text');
    assert.equal(parseOutput('json'), 'json');
    assert.equal(parseOutput('yaml'), 'yaml');
    assert.throws(() => parseOutput('wide'), isUsage);
  });
});

describe('parseCommand', () => {
  const options = { wait: { type: 'string' } } as const;

  it('separates the common flags from the command flags', () => {
    const p = parseCommand(['--context', 'c2', '--wait=5s', '--kubeconfig', '/k'], options);
    assert.deepEqual(p.common, { help: false, context: 'c2', kubeconfig: '/k' });
    assert.equal(stringFlag(p, 'wait'), '5s');
  });

  it('refuses unknown flags and stray arguments', () => {
    assert.throws(
      () => parseCommand(['--force'], options),
      (err: unknown) => isUsage(err) && /--force/.test((err as Error).message),
    );
    assert.throws(() => parseCommand(['now'], options), /unexpected argument now/);
  });
});
