/**
 * What /proc says about a process the benchmarks started: CPU seconds used so far, and a wait
 * until a set of processes goes quiet (each under a CPU share over one-second windows). No
 * imports beyond Node's: the memory profile loads this module inside the amko it measures.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** User + system CPU seconds `pid` has used (from /proc/PID/stat, in clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number((ticks / 100).toFixed(2));
}

/**
 * Resolves once every process in `pids` used at most `maxCpuS` CPU seconds in the same one-second
 * window; throws after `timeoutMs`. `what` names them in the timeout error.
 */
export async function quiet(
  pids: readonly number[],
  opts: { maxCpuS: number; timeoutMs: number; what: string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = pids.map(cpuSeconds);
  for (;;) {
    await sleep(1000);
    const now = pids.map(cpuSeconds);
    if (now.every((cpu, i) => cpu - (last[i] ?? 0) <= opts.maxCpuS)) return;
    if (Date.now() >= deadline) {
      const used = now.map((cpu, i) => (cpu - (last[i] ?? 0)).toFixed(2)).join(', ');
      throw new Error(
        `${opts.what}: not quiet after ${opts.timeoutMs} ms (CPU s in the last second: ${used})`,
      );
    }
    last = now;
  }
}
