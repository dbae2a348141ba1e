/**
 * `--state FILE`: the store kept on disk so a restart keeps the configuration. Every write is
 * atomic (temporary file, then rename); saves requested while one is running coalesce into one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { StoreSnapshot } from './store.js';

export interface StateFileOptions {
  path: string;
  /** Called with the error of a failed save (the next save tries again). */
  onError: (err: unknown) => void;
}

export class StateFile {
  readonly #opts: StateFileOptions;
  #running: Promise<void> | undefined;
  #pending: (() => StoreSnapshot) | undefined;

  constructor(opts: StateFileOptions) {
    this.#opts = opts;
  }

  /** The saved snapshot, or undefined when the file does not exist yet. */
  load(): StoreSnapshot | undefined {
    if (!existsSync(this.#opts.path)) return undefined;
    const parsed = JSON.parse(readFileSync(this.#opts.path, 'utf8')) as unknown;
    if (
      parsed === null ||
      typeof parsed !== 'object' ||
      !Array.isArray((parsed as StoreSnapshot).objects)
    ) {
      throw new Error(`${this.#opts.path}: not a simulator state file`);
    }
    return parsed as StoreSnapshot;
  }

  /** Schedules a save of the snapshot `take()` returns when the write starts. */
  save(take: () => StoreSnapshot): void {
    this.#pending = take;
    this.#running ??= this.#drain();
  }

  /** Resolves once every requested save is on disk. */
  async flush(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async #drain(): Promise<void> {
    try {
      for (let take = this.#pending; take !== undefined; take = this.#pending) {
        this.#pending = undefined;
        await this.#write(JSON.stringify(take()));
      }
    } finally {
      this.#running = undefined;
    }
  }

  async #write(text: string): Promise<void> {
    const tmp = `${this.#opts.path}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, text, { mode: 0o600 });
      await rename(tmp, this.#opts.path);
    } catch (err) {
      this.#opts.onError(err);
    }
  }
}
