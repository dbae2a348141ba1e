/**
 * `make build` bundles amko's entry and the kubectl plugin: the `amko` and `kubectl-amko` that
 * every test and the image run are each one module holding amko's own code and every package it
 * loads; they import only Node's built-in modules. Package files that find their own files (gRPC
 * health's and reflection's .proto files) are pointed at their place under node_modules.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/tools.js';

const run = promisify(execFile);
const BANNER = '// amko: bundled by scripts/bundle.mjs';
const builtin = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

interface Bundle {
  dir: string;
  source: string;
  /** The files the source map names. */
  sources: string[];
  /** Static imports, minified (`import{a as b}from"pkg"`) and wherever esbuild leaves them. */
  imports: (string | undefined)[];
  /** The places given to package files that use their own location. */
  places: string[];
}

function readBundle(file: string): Bundle {
  const source = readFileSync(file, 'utf8');
  const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
  return {
    dir: path.dirname(file),
    source,
    sources: map.sources,
    imports: [...source.matchAll(/(?:^|[;}\n])import\s*(?:[\w$*{},\s]+?from\s*)?"([^"]+)"/g)].map(
      (m) => m[1],
    ),
    places: [...new Set([...source.matchAll(/__amkoPath\("([^"]+)"\)/g)].map((m) => m[1] ?? ''))],
  };
}

function holdsEveryPackage(b: Bundle, packages: string[]): void {
  assert.ok(b.imports.length > 5, `imports found: ${b.imports.length}`);
  assert.deepEqual(
    b.imports.filter((i) => i === undefined || !builtin.has(i)),
    [],
    'no module of amko and no package is left outside the bundle',
  );
  for (const pkg of packages)
    assert.ok(
      b.sources.some((s) => s.includes(`node_modules/${pkg}/`)),
      `${pkg} bundled`,
    );
  for (const p of b.places) assert.ok(existsSync(path.join(b.dir, p)), `${p} exists`);
}

describe('the bundles built by make build', function () {
  this.timeout(60_000);
  const dist = path.join(repoRoot(), 'dist', 'src');

  describe('amko', () => {
    const b = readBundle(path.join(dist, 'amko.js'));

    it('is what dist/src/main.js loads: amko.js is the bundle', () => {
      assert.ok(b.source.startsWith(BANNER), 'amko.js is a bundle');
      assert.match(readFileSync(path.join(dist, 'main.js'), 'utf8'), /import\('\.\/amko\.js'\)/);
    });

    it('holds its own modules and every package: it imports only built-in modules', () => {
      holdsEveryPackage(b, [
        '@grpc/grpc-js',
        '@kubernetes/client-node',
        '@opentelemetry/api',
        'pino',
      ]);
    });

    it('points gRPC health and reflection at their .proto files', () => {
      const protoDirs = b.places.filter((p) => /grpc-health-check|@grpc\/reflection/.test(p));
      assert.equal(protoDirs.length, 2, `places: ${b.places.join(', ')}`);
    });

    it('is held one byte per character: no character above U+00FF, no comments', () => {
      // V8 keeps a module's source for the life of the process, two bytes per character as soon
      // as one character needs it.
      const wide = b.source.match(/[\u0100-\u{10ffff}]/gu) ?? [];
      assert.deepEqual(wide, []);
      assert.ok(!b.source.includes('\n/**'), 'doc comments stripped');
    });

    it('runs: amko --help prints its usage and exits 0', async () => {
      const { stdout } = await run(process.execPath, [path.join(dist, 'main.js'), '--help']);
      assert.match(stdout, /--leader-contact-timeout/);
    });
  });

  describe('kubectl-amko', () => {
    const file = path.join(dist, 'cli', 'main.js');
    const b = readBundle(file);

    it('is a bundle that keeps its #! line first, so it runs as a program on PATH', () => {
      const [first, second] = b.source.split('\n', 2);
      assert.equal(first, '#!/usr/bin/env node');
      assert.equal(second, BANNER);
    });

    it('holds its own modules and every package: it imports only built-in modules', () => {
      holdsEveryPackage(b, ['@kubernetes/client-node']);
    });

    it('runs: kubectl-amko --help prints its commands and exits 0', async () => {
      const { stdout } = await run(process.execPath, [file, '--help']);
      assert.match(stdout, /promote/);
    });
  });
});
