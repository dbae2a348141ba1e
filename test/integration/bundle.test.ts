/**
 * `make build` bundles amko's entry: the `amko` that every test and the image run is one module
 * holding amko's own code and the parts of @kubernetes/client-node it uses, every other package
 * imported from node_modules.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/tools.js';

const run = promisify(execFile);

describe('the amko bundle built by make build', function () {
  this.timeout(60_000);
  const dist = path.join(repoRoot(), 'dist', 'src');
  const source = readFileSync(path.join(dist, 'amko.js'), 'utf8');
  // Static imports, minified (`import{a as b}from"pkg"`) and wherever esbuild leaves them.
  const imports = [
    ...source.matchAll(/(?:^|[;}\n])import\s*(?:[\w$*{},\s]+?from\s*)?"([^"]+)"/g),
  ].map((m) => m[1]);

  it('is what dist/src/main.js loads: amko.js is the bundle', () => {
    assert.ok(source.startsWith('// amko: bundled by scripts/bundle.mjs'), 'amko.js is a bundle');
    assert.match(readFileSync(path.join(dist, 'main.js'), 'utf8'), /import\('\.\/amko\.js'\)/);
  });

  it('holds its own modules and client-node, and imports every other package', () => {
    assert.ok(imports.length > 10, `imports found: ${imports.length}`);
    const relative = imports.filter((i) => i?.startsWith('.'));
    assert.deepEqual(relative, [], 'no module of amko is left outside the bundle');
    assert.ok(
      !imports.some((i) => i?.startsWith('@kubernetes/client-node')),
      'client-node inlined',
    );
    assert.ok(imports.includes('@grpc/grpc-js'), 'gRPC stays a package import');
    assert.ok(imports.includes('@opentelemetry/api'), 'one OpenTelemetry API for every module');
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
