import v8 from 'node:v8';
import vm from 'node:vm';

/** The process's memory in MB, for the pass-finished log lines. */
export function memoryMb(): { rss: number; heapUsed: number; heapTotal: number; external: number } {
  const mem = process.memoryUsage();
  const mb = (n: number): number => Math.round(n / 1048576);
  return {
    rss: mb(mem.rss),
    heapUsed: mb(mem.heapUsed),
    heapTotal: mb(mem.heapTotal),
    external: mb(mem.external),
  };
}

type Collector = (options: { type: 'major'; execution: 'async' }) => Promise<void>;

/**
 * V8's collector: the global `gc` when Node was started with `--expose-gc`, else exposed now
 * (the flag set at run time, the function taken from a fresh context). Null where the runtime
 * refuses either.
 */
function v8Collector(): Collector | null {
  const global = (globalThis as { gc?: unknown }).gc;
  if (typeof global === 'function') return global as Collector;
  try {
    v8.setFlagsFromString('--expose-gc');
    const exposed: unknown = vm.runInNewContext('typeof gc === "function" ? gc : undefined');
    return typeof exposed === 'function' ? (exposed as Collector) : null;
  } catch {
    return null;
  }
}

/**
 * Collects the garbage a bulk pass left behind (a bootup or full sync lists every object of
 * every cluster and of the controller). V8 grows the heap through such a burst and, with no major
 * collection after it, an idle process holds that garbage (about as much again as the live
 * heap) for good. One concurrent major collection (no long pause) frees it, and V8's memory
 * reducer, which starts after a major collection in an idle process, then returns the pages to
 * the system.
 */
export class PassGarbageCollector {
  #collector: Collector | null | undefined;

  /** Collects; false when no collector can be had. */
  async collect(): Promise<boolean> {
    this.#collector ??= v8Collector();
    if (!this.#collector) return false;
    await this.#collector({ type: 'major', execution: 'async' });
    return true;
  }
}
