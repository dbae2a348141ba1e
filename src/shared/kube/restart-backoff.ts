/**
 * The restart delay of a list/watch informer. Pure.
 *
 * The delay doubles with each restart in a row (from `minMs`, capped at `maxMs`). A run counts as
 * healthy, and resets the count, only when it stayed up (listed and watching, with no error) for
 * at least `stableMs`: a watch that is accepted and then fails at once must not bring the delay
 * back to `minMs` on every round.
 */
export interface RestartBackoffPolicy {
  readonly minMs: number;
  readonly maxMs: number;
  readonly stableMs: number;
}

export interface RestartBackoffInput {
  /** Restarts in a row so far. */
  readonly failures: number;
  /** When the run that just ended came up, if it came up at all. */
  readonly upSince: number | undefined;
  readonly now: number;
}

/** The delay before the next restart and the count of restarts in a row that includes it. */
export function nextRestartDelay(
  input: RestartBackoffInput,
  policy: RestartBackoffPolicy,
): { delayMs: number; failures: number } {
  const stable = input.upSince !== undefined && input.now - input.upSince >= policy.stableMs;
  const before = stable ? 0 : input.failures;
  const delayMs = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(before, 30));
  return { delayMs, failures: before + 1 };
}
