#!/usr/bin/env node
/**
 * Replaces dist/src/amko.js (the composition root that dist/src/main.js imports) with one ES
 * module holding amko's own modules and the parts of @kubernetes/client-node it uses. The client
 * library's entry loads every generated API and model; bundled, only what amko reaches is kept,
 * which lowers the process's memory floor and its start-up time. Every other package stays an
 * ordinary import from node_modules (one copy of OpenTelemetry's globals, protobuf files found
 * where their packages expect them).
 *
 * Run after `tsc` (`make build` does both). A later `tsc` run writes the unbundled amko.js again,
 * so amko never runs a bundle older than the compiled sources.
 *
 *     node scripts/bundle.mjs            (prints what the bundle holds)
 */
import console from 'node:console';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'src', 'amko.js');
export const BUNDLE_BANNER = '// amko: bundled by scripts/bundle.mjs';
const BUNDLED = '@kubernetes/client-node';

const pkg = (dir) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
const own = pkg(root);
const client = pkg(path.join(root, 'node_modules', ...BUNDLED.split('/')));
const external = [
  ...Object.keys(own.dependencies ?? {}).filter((d) => d !== BUNDLED),
  ...Object.keys(client.dependencies ?? {}),
].flatMap((d) => [d, `${d}/*`]);

const source = readFileSync(entry, 'utf8');
if (source.startsWith(BUNDLE_BANNER)) {
  console.error(`${path.relative(root, entry)} is already a bundle; run tsc first`);
  process.exit(2);
}

const result = await build({
  entryPoints: [entry],
  outfile: entry,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  external,
  sourcemap: 'linked',
  // V8 keeps each module's source text in the heap for as long as the process runs: without
  // comments and indentation it is about a third smaller. Names stay, so stack traces read.
  minifyWhitespace: true,
  // And kept one byte per character: a single character above U+00FF anywhere in the text makes
  // V8 hold the whole source two bytes per character.
  charset: 'ascii',
  banner: { js: BUNDLE_BANNER },
  metafile: true,
  logLevel: 'warning',
});

/** Bytes in the bundle from client-node and from everything else (amko's own modules). */
function bytesByOrigin(inputs) {
  const clientBytes = Object.entries(inputs)
    .filter(([file]) => file.includes(`node_modules/${BUNDLED}/`))
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
  const all = Object.values(inputs).reduce((sum, input) => sum + input.bytesInOutput, 0);
  return { ownBytes: all - clientBytes, clientBytes };
}
const { ownBytes, clientBytes } = bytesByOrigin(
  result.metafile.outputs[path.relative(process.cwd(), entry)]?.inputs ?? {},
);
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
console.log(
  `${path.relative(root, entry)}: ${mb(statSync(entry).size)} bundled ` +
    `(amko ${mb(ownBytes)}, ${BUNDLED} ${mb(clientBytes)} of ${client.version}); ` +
    `${external.length / 2} packages stay in node_modules`,
);
