/** Small helpers for JSON object bodies. Pure. */

/** A shallow copy of `obj` without the given keys. */
export function withoutKeys(
  obj: Readonly<Record<string, unknown>>,
  ...keys: readonly string[]
): Record<string, unknown> {
  const drop = new Set(keys);
  return Object.fromEntries(Object.entries(obj).filter(([key]) => !drop.has(key)));
}

/** A value as text for error messages (strings bare, everything else as JSON). */
export function show(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
}
