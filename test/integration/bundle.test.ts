/**
 * `make build` bundles amko's entry: the `amko` that every test and the image run is one module
 * holding amko's own code and every package it loads; it imports only Node's built-in modules.
 * Package files that find their own files (gRPC health's and reflection's .proto files) are
 * pointed at their place under node_modules.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/tools.js';

const run = promisify(execFile);

describe('the amko bundle built by make build', function () {
  this.timeout(60_000);
  const dist = path.join(repoRoot(), 'dist', 'src');
  const source = readFileSync(path.join(dist, 'amko.js'), 'utf8');
  const sources = (
    JSON.parse(readFileSync(path.join(dist, 'amko.js.map'), 'utf8')) as { sources: string[] }
  ).sources;
  // Static imports, minified (`import{a as b}from"pkg"`) and wherever esbuild leaves them.
  const imports = [
    ...source.matchAll(/(?:^|[;}\n])import\s*(?:[\w$*{},\s]+?from\s*)?"([^"]+)"/g),
  ].map((m) => m[1]);

  it('is what dist/src/main.js loads: amko.js is the bundle', () => {
    assert.ok(source.startsWith('// amko: bundled by scripts/bundle.mjs'), 'amko.js is a bundle');
    assert.match(readFileSync(path.join(dist, 'main.js'), 'utf8'), /import\('\.\/amko\.js'\)/);
  });

  it('holds its own modules and every package: it imports only built-in modules', () => {
    assert.ok(imports.length > 10, `imports found: ${imports.length}`);
    const builtin = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    assert.deepEqual(
      imports.filter((i) => i === undefined || !builtin.has(i)),
      [],
      'no module of amko and no package is left outside the bundle',
    );
    for (const pkg of ['@grpc/grpc-js', '@kubernetes/client-node', '@opentelemetry/api', 'pino'])
      assert.ok(
        sources.some((s) => s.includes(`node_modules/${pkg}/`)),
        `${pkg} bundled`,
      );
  });

  it('points the package files that read their own files at places that exist', () => {
    const places = [
      ...new Set([...source.matchAll(/__amkoPath\("([^"]+)"\)/g)].map((m) => m[1] ?? '')),
    ];
    const protoDirs = places.filter((p) => /grpc-health-check|@grpc\/reflection/.test(p));
    assert.equal(
      protoDirs.length,
      2,
      `health and reflection find their protos: ${places.join(', ')}`,
    );
    for (const p of places) assert.ok(existsSync(path.join(dist, p)), `${p} exists`);
  });

  it('is held one byte per character: no character above U+00FF, no comments', () => {
    // V8 keeps a module's source for the life of the process, two bytes per character as soon as
    // one character needs it.
    const wide = source.match(/[\u0100-\u{10ffff}]/gu) ?? [];
    assert.deepEqual(wide, []);
    assert.ok(!source.includes('\n/**'), 'doc comments stripped');
  });

  it('runs: amko --help prints its usage and exits 0', async () => {
    const { stdout } = await run(process.execPath, [path.join(dist, 'main.js'), '--help']);
    assert.match(stdout, /--leader-contact-timeout/);
  });
});
