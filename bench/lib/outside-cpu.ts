/**
 * CPU used outside the benchmark while it runs: the machine's busy time (/proc/stat) less the
 * time of this process and every process below it (/proc/<pid>/stat, reaped children included).
 * The 1-minute load average cannot tell the two apart: a benchmark that runs API servers, the
 * simulator and amko loads a 2-core machine above 2 by itself, so a quiet machine would show as
 * loaded. Linux only; elsewhere it measures nothing (undefined).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Ticks per second of /proc (USER_HZ, 100 on every Linux this runs on). */
const USER_HZ = 100;

export interface CpuSnapshot {
  readonly at: number;
  readonly machineTicks: number;
  readonly ownTicks: number;
}

function machineBusyTicks(): number {
  const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal …
  const [user, nice, system, , , irq, softirq, steal] = first
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return [user, nice, system, irq, softirq, steal].reduce<number>((a, b) => a + (b ?? 0), 0);
}

interface ProcStat {
  readonly ppid: number;
  /** utime + stime + cutime + cstime. */
  readonly ticks: number;
}

function procStat(pid: string): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone meanwhile
  }
  // After the command in parentheses: state ppid … utime(12) stime(13) cutime(14) cstime(15).
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const n = (i: number): number => Number(f[i] ?? 0);
  return { ppid: n(1), ticks: n(11) + n(12) + n(13) + n(14) };
}

/** Ticks of `root` and every process below it. */
function treeTicks(root: number): number {
  const stats = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = procStat(name);
    if (s) stats.set(Number(name), s);
  }
  const children = new Map<number, number[]>();
  for (const [pid, s] of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  let total = 0;
  const todo = [root];
  for (let pid = todo.pop(); pid !== undefined; pid = todo.pop()) {
    total += stats.get(pid)?.ticks ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}

export function cpuSnapshot(): CpuSnapshot | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return { at: Date.now(), machineTicks: machineBusyTicks(), ownTicks: treeTicks(process.pid) };
  } catch {
    return undefined;
  }
}

/** Cores used on average outside this process tree between two snapshots. */
export function outsideCores(
  before: CpuSnapshot | undefined,
  after: CpuSnapshot | undefined,
): number | undefined {
  if (!before || !after || after.at <= before.at) return undefined;
  const outside = after.machineTicks - before.machineTicks - (after.ownTicks - before.ownTicks);
  return Math.max(0, outside / USER_HZ / ((after.at - before.at) / 1000));
}
