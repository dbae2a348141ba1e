/**
 * For unit tests on a `ManualClock`: waits until `condition` holds, checking it once per turn of
 * the event loop (promise callbacks run in between), and fails once `maxTurns` turns have passed
 * without it. No real timers: the deadline is counted in turns, so a slow machine does not change
 * the outcome.
 */
export async function waitUntil(
  condition: () => boolean,
  what: string,
  maxTurns = 1_000,
): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (!condition()) throw new Error(`not reached within ${maxTurns} event-loop turns: ${what}`);
}
