/**
 * Settings applied by the `amko` entry before the rest of the program is loaded: Node's module
 * compile cache (start-up CPU) and a young generation that does not grow (resident memory).
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

/**
 * Keeps V8's young generation at its initial size: left to grow it takes up to 3 × 16 MB of
 * semi-spaces after the first bursts of allocation (list responses, a full sync) and keeps them.
 */
export function keepYoungGenerationSmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}
