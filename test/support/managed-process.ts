import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, openSync, closeSync, readFileSync } from 'node:fs';
import net from 'node:net';

/** Ports below the kernel's ephemeral range, which outgoing connections never take. */
function ownPortRange(): { low: number; high: number } {
  try {
    const [first] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (first !== undefined && first > 12_000) return { low: 10_000, high: first - 1 };
  } catch {
    // not Linux: the range below is under every common default
  }
  return { low: 10_000, high: 32_767 };
}

const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => {
      resolve(false);
    });
    srv.listen(port, '127.0.0.1', () => {
      srv.close(() => {
        resolve(true);
      });
    });
  });
}

/**
 * A loopback port for a process started later. A port the kernel hands out for `listen(0)` is an
 * ephemeral one, which any outgoing connection may take before that process binds it
 * (EADDRINUSE); so the port is picked at random below the ephemeral range, checked free, and
 * never handed out twice by this process.
 */
export async function freePort(): Promise<number> {
  const { low, high } = ownPortRange();
  for (let tries = 0; tries < 200; tries++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free loopback port in ${low}..${high} after 200 tries`);
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
