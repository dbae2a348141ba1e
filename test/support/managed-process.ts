import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, openSync, closeSync } from 'node:fs';
import net from 'node:net';

/** A free TCP port on 127.0.0.1 (bound and released; callers start their server at once). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => {
        resolve(port);
      });
    });
  });
}

/** Whether a process with this pid still exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: readonly string[];
  /** File that receives the process's stdout and stderr. */
  logFile: string;
  /** File to which the process group id is appended, for the watchdog. */
  pgidFile: string;
}

/**
 * A child process in its own process group, so stopping it stops everything it started. It can be
 * stopped and started again with the same arguments (a cluster's data survives a restart).
 */
export class ManagedProcess {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(readonly spec: ProcessSpec) {}

  get pid(): number | undefined {
    return this.#child?.exitCode === null ? this.#child.pid : undefined;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && !this.#child.signalCode;
  }

  start(): void {
    if (this.running) throw new Error(`${this.spec.name} is already running`);
    const fd = openSync(this.spec.logFile, 'a');
    const child = spawn(this.spec.command, [...this.spec.args], {
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.#exited = new Promise((resolve) =>
      child.once('exit', () => {
        resolve();
      }),
    );
    child.once('error', () => undefined);
    if (child.pid !== undefined) appendFileSync(this.spec.pgidFile, `${child.pid}\n`);
    this.#child = child;
  }

  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.#child;
    if (!child || !this.running || child.pid === undefined) return;
    const pgid = child.pid;
    killGroup(pgid, 'SIGTERM');
    const timer = setTimeout(() => {
      killGroup(pgid, 'SIGKILL');
    }, graceMs);
    await this.#exited;
    clearTimeout(timer);
    killGroup(pgid, 'SIGKILL'); // anything the process left behind in its group
  }

  /** Synchronous last-resort kill, for process exit handlers. */
  killNow(): void {
    if (this.#child?.pid !== undefined) killGroup(this.#child.pid, 'SIGKILL');
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}
