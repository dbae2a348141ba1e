import type { Clock } from '../shared/clock.js';

/** What a command needs from the process: output streams and time. */
export interface CliIo {
  /** Writes to standard output. */
  readonly out: (text: string) => void;
  /** Writes to standard error. */
  readonly err: (text: string) => void;
  readonly clock: Clock;
}
