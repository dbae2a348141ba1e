/**
 * Settings applied by the `amko` entry before the rest of the program is loaded: Node's module
 * compile cache (start-up CPU), a bounded young generation (resident memory and GC CPU) and a
 * set growth of the old generation between full collections (peak resident memory).
 * Imports only Node built-ins, so that everything else is compiled after the cache is enabled.
 */
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';

/**
 * Enables the compile cache in `$XDG_CACHE_HOME/amko-compile-cache`, else under the temporary
 * directory, and returns that directory. A directory that cannot be written (read-only root
 * filesystem) leaves it off and returns undefined: start-up is then only slower.
 * NODE_COMPILE_CACHE and NODE_DISABLE_COMPILE_CACHE still rule.
 */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { ENABLED, ALREADY_ENABLED } = module.constants.compileCacheStatus;
  try {
    const base = env['XDG_CACHE_HOME'] || os.tmpdir();
    const result = module.enableCompileCache(path.join(base, 'amko-compile-cache'));
    const on = result.status === ENABLED || result.status === ALREADY_ENABLED;
    return on ? result.directory : undefined;
  } catch {
    return undefined;
  }
}

/** The largest semi-space, in MB, amko runs with (AMKO_NODE_FLAGS). */
export const SEMI_SPACE_MB = 4;

/**
 * The node flags amko runs with: the image's NODE_OPTIONS and the chart's `nodeOptions` default.
 * A bound on the heap cannot be set once the heap exists, so only node's command line or
 * NODE_OPTIONS can give it.
 */
export const AMKO_NODE_FLAGS: readonly string[] = Object.freeze([
  `--max-semi-space-size=${SEMI_SPACE_MB}`,
]);

/**
 * The --max-semi-space-size (MB) node was started with: NODE_OPTIONS, then its command line, the
 * last one ruling (as in node).
 */
export function semiSpaceBoundMb(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env['NODE_OPTIONS'] ?? '',
): number | undefined {
  let bound: number | undefined;
  const args = [...nodeOptions.split(/\s+/), ...execArgv];
  for (const [i, arg] of args.entries()) {
    const m = /^--max[-_]semi[-_]space[-_]size(?:=(.*))?$/.exec(arg);
    if (!m) continue;
    const value = Number(m[1] ?? args[i + 1]);
    if (Number.isFinite(value) && value > 0) bound = value;
  }
  return bound;
}

/**
 * Bounds V8's young generation, which left alone grows to 3 × 16 MB of semi-spaces after the
 * first bursts of allocation (list responses, a full sync) and keeps them. Started with a
 * --max-semi-space-size, it grows up to that bound: a full sync then copies far fewer survivors
 * (measured at 5,000 Ingresses with 4 MB: 221 scavenges instead of 907). Started without one,
 * it is kept at its initial size (1 MB), which saves a few MB and costs CPU under load. Returns
 * what holds, for the start-up log.
 */
export function boundYoungGeneration(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env['NODE_OPTIONS'] ?? '',
): string {
  if (semiSpaceBoundMb(execArgv, nodeOptions) === undefined) {
    v8.setFlagsFromString('--semi-space-growth-factor=1');
  }
  return youngGenerationOf(execArgv, nodeOptions);
}

/**
 * How far, in percent, the old generation may grow past what the last full collection kept before
 * V8 collects again. Left alone, V8 picks the factor (1.1 to 4) from its measured speeds; on a busy
 * machine a full sync of 10,000 Ingresses then ended with 200 MB of heap, most of it garbage, and
 * 310 MB resident. At 100 (a factor of 2, used instead of V8's own) the heap stayed under 130 MB
 * and the process under 231 MB, for the same CPU. Where V8 would have picked less (5,000 Ingresses
 * on a quiet machine), it collects less often.
 */
export const OLD_GENERATION_GROWTH_PERCENT = 100;

/**
 * Sets the old generation's growth between full collections (OLD_GENERATION_GROWTH_PERCENT),
 * unless node was started with its own --heap-growing-percent. V8 reads the flag each time it
 * sets the next limit, so it can be set after start. Returns what holds, for the start-up log.
 */
export function boundOldGenerationGrowth(execArgv: readonly string[] = process.execArgv): string {
  const own = execArgv.find((a) => /^--heap[-_]growing[-_]percent\b/.test(a));
  const held =
    own === undefined
      ? `grows ${OLD_GENERATION_GROWTH_PERCENT}% between full collections`
      : `grows as node was told (${own})`;
  if (own === undefined) {
    v8.setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`);
  }
  // For the start-up log, written by the composition root (a module of its own, or a bundle).
  (globalThis as Record<symbol, unknown>)[OLD_GENERATION_KEY] = held;
  return held;
}

const OLD_GENERATION_KEY = Symbol.for('amko.oldGeneration');

/** What sets the old generation's growth in this process (start-up log). */
export function oldGenerationOf(): string {
  const held = (globalThis as Record<symbol, unknown>)[OLD_GENERATION_KEY];
  return typeof held === 'string' ? held : "V8's own growth (not started by the amko entry)";
}

/** What bounds the young generation of a process started with these flags (start-up log). */
export function youngGenerationOf(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env['NODE_OPTIONS'] ?? '',
): string {
  const mb = semiSpaceBoundMb(execArgv, nodeOptions);
  return mb === undefined
    ? 'semi-spaces kept at their initial size (node started without --max-semi-space-size)'
    : `semi-spaces up to ${mb} MB`;
}
