import type { Clock } from '../shared/clock.js';

/** What a command needs from the process: output streams, time, and a terminal to ask on. */
export interface CliIo {
  /** Writes to standard output. */
  readonly out: (text: string) => void;
  /** Writes to standard error. */
  readonly err: (text: string) => void;
  readonly clock: Clock;
  /**
   * Asks a question on the terminal and resolves with the answer line; absent when standard
   * input is not a terminal (a pipe, /dev/null, CI).
   */
  readonly ask?: (question: string) => Promise<string>;
}
