/** Time as a dependency, so tests can step it instead of sleeping. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** `clock` shifted by `offsetMs` (clock-skew experiments); durations are unchanged. */
export function offsetClock(clock: Clock, offsetMs: number): Clock {
  if (offsetMs === 0) return clock;
  return Object.freeze({
    now: (): number => clock.now() + offsetMs,
    sleep: (ms: number, signal?: AbortSignal): Promise<void> => clock.sleep(ms, signal),
  });
}

export const systemClock: Clock = Object.freeze({
  now: (): number => Date.now(),
  sleep: (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
});
