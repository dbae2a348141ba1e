import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  AMKO_NODE_FLAGS,
  OLD_GENERATION_GROWTH_PERCENT,
  SEMI_SPACE_MB,
  semiSpaceBoundMb,
  youngGenerationOf,
} from './start-tuning.js';

const TUNING = path.join(path.dirname(fileURLToPath(import.meta.url)), 'start-tuning.js');

/** Runs `code` in a fresh Node process (an ES module importing start-tuning) and parses its output. */
function inChild(
  code: string,
  env: Record<string, string> = {},
  nodeFlags: readonly string[] = [],
): unknown {
  const base = { ...process.env };
  delete base['NODE_COMPILE_CACHE'];
  delete base['NODE_DISABLE_COMPILE_CACHE'];
  delete base['NODE_OPTIONS'];
  const out = execFileSync(
    process.execPath,
    [
      ...nodeFlags,
      '--input-type=module',
      '-e',
      `import * as t from ${JSON.stringify(TUNING)};\n${code}`,
    ],
    { env: { ...base, ...env }, encoding: 'utf8' },
  );
  return JSON.parse(out) as unknown;
}

describe('start-up tuning', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'amko-tuning-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps compiled code under $XDG_CACHE_HOME/amko-compile-cache', () => {
    const code = `
      const d = t.enableCompileCache();
      await import('node:fs').then(() => import(${JSON.stringify(path.join(path.dirname(TUNING), 'shared', 'keys.js'))}));
      console.log(JSON.stringify(d ?? null));`;
    const got = inChild(code, { XDG_CACHE_HOME: dir });
    assert.equal(typeof got, 'string');
    assert.ok((got as string).startsWith(path.join(dir, 'amko-compile-cache')), String(got));
    const written = readdirSync(path.join(dir, 'amko-compile-cache'), { recursive: true });
    assert.ok(written.length > 0, 'nothing written to the compile cache');
  });

  it('starts without the cache when the directory cannot be created', () => {
    // A regular file where the cache directory would go: mkdir fails as on a read-only root.
    const file = path.join(dir, 'not-a-dir');
    writeFileSync(file, '');
    const got = inChild('console.log(JSON.stringify(t.enableCompileCache() ?? null));', {
      XDG_CACHE_HOME: file,
    });
    assert.equal(got, null);
  });

  const churn = `
    const keep = [];
    for (let i = 0; i < 400000; i++) {
      const o = JSON.parse(JSON.stringify({ i, s: 'x' + i, a: new Array(16).fill(i) }));
      if (i % 50 === 0) keep.push(o);
    }
    const v8 = await import('node:v8');
    const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(JSON.stringify(ns.space_size));`;
  const MB = 1024 * 1024;

  it('keeps the young generation at its initial size when node has no semi-space bound', () => {
    const small = inChild(`t.boundYoungGeneration();${churn}`) as number;
    const grown = inChild(churn) as number;
    assert.ok(small <= 4 * MB, `new space ${small} bytes with the setting`);
    assert.ok(grown > small, `new space ${grown} bytes without it, ${small} with`);
  });

  it("lets the young generation grow up to amko's semi-space bound, not beyond", () => {
    const small = inChild(`t.boundYoungGeneration();${churn}`) as number;
    const bounded = inChild(`t.boundYoungGeneration();${churn}`, {}, AMKO_NODE_FLAGS) as number;
    const unbounded = inChild(churn) as number;
    assert.ok(bounded > small, `new space ${bounded} bytes with the bound, ${small} kept small`);
    // Two semi-spaces and the new large-object space: at most three times the bound.
    assert.ok(bounded <= 3 * SEMI_SPACE_MB * MB, `new space ${bounded} bytes with the bound`);
    assert.ok(unbounded > bounded, `new space ${unbounded} bytes without any bound`);
  });

  it("sets the old generation's growth with a flag this node's V8 knows", () => {
    // V8 ignores a flag it does not know without a word: check that this one exists.
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    assert.match(options, /--heap-growing-percent \(/);
    const got = inChild(
      'const held = t.boundOldGenerationGrowth(); console.log(JSON.stringify([held, t.oldGenerationOf()]));',
    ) as string[];
    assert.deepEqual(got, [
      `grows ${OLD_GENERATION_GROWTH_PERCENT}% between full collections`,
      `grows ${OLD_GENERATION_GROWTH_PERCENT}% between full collections`,
    ]);
  });

  it("leaves the old generation's growth to a --heap-growing-percent node was started with", () => {
    const got = inChild(
      'console.log(JSON.stringify([t.oldGenerationOf(), t.boundOldGenerationGrowth(), t.oldGenerationOf()]));',
      {},
      ['--heap-growing-percent=300'],
    ) as string[];
    assert.match(got[0] ?? '', /V8's own growth/);
    assert.equal(got[1], 'grows as node was told (--heap-growing-percent=300)');
    assert.equal(got[2], got[1]);
  });

  it('reads the semi-space bound from the command line or NODE_OPTIONS, the last one ruling', () => {
    assert.equal(semiSpaceBoundMb(['--max-semi-space-size=4'], ''), 4);
    assert.equal(semiSpaceBoundMb([], '--max-semi-space-size 8 --trace-warnings'), 8);
    assert.equal(semiSpaceBoundMb(['--max_semi_space_size=2'], '--max-semi-space-size=8'), 2);
    assert.equal(semiSpaceBoundMb(['--max-old-space-size=400'], '--import=x.js'), undefined);
    assert.equal(semiSpaceBoundMb(['--max-semi-space-size=zero'], ''), undefined);
    assert.equal(youngGenerationOf(['--max-semi-space-size=4'], ''), 'semi-spaces up to 4 MB');
    assert.match(youngGenerationOf([], ''), /initial size/);
  });

  it("gives amko's node flags in the chart's default nodeOptions", () => {
    const values = path.join(path.dirname(TUNING), '..', '..', 'charts', 'amko', 'values.yaml');
    const line = readFileSync(values, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('nodeOptions:'));
    assert.equal(line, `nodeOptions: ${AMKO_NODE_FLAGS.join(' ')}`);
    assert.deepEqual(AMKO_NODE_FLAGS, [`--max-semi-space-size=${SEMI_SPACE_MB}`]);
  });
});
