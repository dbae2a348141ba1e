#!/usr/bin/env node
/**
 * Replaces dist/src/amko.js (the composition root that dist/src/main.js imports) and
 * dist/src/cli/main.js (the kubectl plugin) each with one ES module holding amko's own modules
 * and every package it loads. Unbundled, amko's start loads about a thousand modules from
 * node_modules (gRPC, protobufjs three times over, OpenTelemetry, undici, ...), each resolved,
 * read and wrapped on its own; bundled, that is one file, and of @kubernetes/client-node (whose
 * entry loads every generated API and model) only what amko reaches is kept. This lowers the
 * process's memory floor and its CPU from start to a settled sync.
 *
 * A package that finds its own files (`__dirname`, `__filename`: the .proto files of gRPC health,
 * reflection and channelz, pino's worker) is given the path of its original file under
 * node_modules, which ships beside dist/ (and in the image, under /app). `require` is defined for
 * the CommonJS packages' calls of Node's built-in modules and of optional packages.
 *
 * Run after `tsc` (`make build` does both). A later `tsc` run writes the unbundled entries again,
 * so neither ever runs a bundle older than the compiled sources.
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
/** The entries bundled: amko's composition root and the kubectl plugin. */
const ENTRIES = [path.join('dist', 'src', 'amko.js'), path.join('dist', 'src', 'cli', 'main.js')];
export const BUNDLE_BANNER = '// amko: bundled by scripts/bundle.mjs';
const BUNDLED = '@kubernetes/client-node';

const pkg = (dir) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
const client = pkg(path.join(root, 'node_modules', ...BUNDLED.split('/')));

// Defined at the top of the bundle: `require` for CommonJS code, and the path of a file or
// directory given relative to the bundle.
const PRELUDE = [
  "import { createRequire as __amkoRequire } from 'node:module';",
  "import { fileURLToPath as __amkoFileUrl } from 'node:url';",
  "import __amkoPathLib from 'node:path';",
  'const require = __amkoRequire(import.meta.url);',
  'const __amkoPath = (rel) =>',
  '  __amkoPathLib.join(__amkoPathLib.dirname(__amkoFileUrl(import.meta.url)), rel);',
].join('\n');

/**
 * Gives package files that use their own location (`__dirname`, `__filename`) their paths
 * relative to the bundle written into `outDir`, and counts them in `rewritten`.
 */
function ownPaths(outDir, rewritten) {
  const rel = (p) => JSON.stringify(path.relative(outDir, p).split(path.sep).join('/'));
  return {
    name: 'own-paths',
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!/\b__(dirname|filename)\b/.test(text)) return undefined;
        rewritten.add(path.relative(root, args.path));
        return {
          contents: text
            .replace(/\b__dirname\b/g, `__amkoPath(${rel(path.dirname(args.path))})`)
            .replace(/\b__filename\b/g, `__amkoPath(${rel(args.path)})`),
          loader: 'js',
          resolveDir: path.dirname(args.path),
        };
      });
    },
  };
}

/** Bytes in the bundle: amko's own modules, client-node's, and every other package's. */
function bytesByOrigin(inputs) {
  const sum = (pick) =>
    Object.entries(inputs)
      .filter(([file]) => pick(file))
      .reduce((total, [, input]) => total + input.bytesInOutput, 0);
  const isClient = (file) => file.includes(`node_modules/${BUNDLED}/`);
  return {
    own: sum((file) => !file.includes('node_modules/')),
    client: sum(isClient),
    other: sum((file) => file.includes('node_modules/') && !isClient(file)),
  };
}

/** Bundles `relEntry` (relative to the repository) in place and prints what it holds. */
async function bundle(relEntry) {
  const entry = path.join(root, relEntry);
  // The first line may be the entry's `#!`; the banner comes after it.
  if (readFileSync(entry, 'utf8').split('\n', 2).includes(BUNDLE_BANNER)) {
    console.error(`${relEntry} is already a bundle; run tsc first`);
    process.exit(2);
  }
  const rewritten = new Set();
  const result = await build({
    entryPoints: [entry],
    outfile: entry,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    sourcemap: 'linked',
    // V8 keeps each module's source text in the heap for as long as the process runs: without
    // comments and indentation it is about a third smaller. Names stay, so stack traces read.
    minifyWhitespace: true,
    // And kept one byte per character: a single character above U+00FF anywhere in the text
    // makes V8 hold the whole source two bytes per character.
    charset: 'ascii',
    banner: { js: `${BUNDLE_BANNER}\n${PRELUDE}` },
    plugins: [ownPaths(path.dirname(entry), rewritten)],
    metafile: true,
    logLevel: 'warning',
  });
  const output = result.metafile.outputs[path.relative(process.cwd(), entry)];
  const bytes = bytesByOrigin(output?.inputs ?? {});
  const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
  console.log(
    `${relEntry}: ${mb(statSync(entry).size)} bundled (amko ${mb(bytes.own)}, ` +
      `${BUNDLED} ${client.version} ${mb(bytes.client)}, other packages ${mb(bytes.other)}); ` +
      `${rewritten.size} package files point at their own place under node_modules`,
  );
}

for (const entry of ENTRIES) await bundle(entry);
