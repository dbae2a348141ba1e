/**
 * Polls `fn` until it returns without throwing and does not return `false` (a function that
 * asserts returns nothing; a predicate returns a boolean), or fails with the last error once the deadline passes. The only way tests wait.
 */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const interval = opts.intervalMs ?? 50;
  let lastError: unknown = new Error('condition not met');
  for (;;) {
    try {
      const value = await fn();
      if (value !== false) return value;
      lastError = new Error(`${opts.what ?? 'condition'} returned false`);
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const what = opts.what ? `${opts.what}: ` : '';
      const msg = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(`eventually timed out after ${opts.timeoutMs ?? 30_000} ms: ${what}${msg}`, {
        cause: lastError,
      });
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
