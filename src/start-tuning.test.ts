import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TUNING = path.join(path.dirname(fileURLToPath(import.meta.url)), 'start-tuning.js');

/** Runs `code` in a fresh Node process (an ES module importing start-tuning) and parses its output. */
function inChild(code: string, env: Record<string, string> = {}): unknown {
  const base = { ...process.env };
  delete base['NODE_COMPILE_CACHE'];
  delete base['NODE_DISABLE_COMPILE_CACHE'];
  const out = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', `import * as t from ${JSON.stringify(TUNING)};\n${code}`],
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

  it('keeps the young generation at its initial size under short-lived garbage', () => {
    const churn = `
      const keep = [];
      for (let i = 0; i < 400000; i++) {
        const o = JSON.parse(JSON.stringify({ i, s: 'x' + i, a: new Array(16).fill(i) }));
        if (i % 50 === 0) keep.push(o);
      }
      const v8 = await import('node:v8');
      const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      console.log(JSON.stringify(ns.space_size));`;
    const small = inChild(`t.keepYoungGenerationSmall();${churn}`) as number;
    const grown = inChild(churn) as number;
    assert.ok(small <= 4 * 1024 * 1024, `new space ${small} bytes with the setting`);
    assert.ok(grown > small, `new space ${grown} bytes without it, ${small} with`);
  });
});
