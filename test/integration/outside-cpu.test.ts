import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpuSnapshot, outsideCores, type CpuSnapshot } from '../../bench/lib/outside-cpu.js';

/** A child node process that burns `ms` of CPU, then exits. */
function busyChild(ms: number): Promise<void> {
  const child = spawn(process.execPath, ['-e', `const e=Date.now()+${ms};while(Date.now()<e){}`]);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => {
      resolve();
    });
  });
}

describe('benchmarks: CPU used outside the benchmark', () => {
  it("counts a child's CPU as the benchmark's own, also once the child has exited", async () => {
    const before = cpuSnapshot();
    assert.ok(before, 'Linux /proc is readable');
    await busyChild(500);
    const after = cpuSnapshot();
    assert.ok(after);
    // 500 ms of a busy child is about 50 ticks; the reaped child's time is in our cutime.
    assert.ok(
      after.ownTicks - before.ownTicks >= 30,
      `own ticks grew by ${after.ownTicks - before.ownTicks}`,
    );
  });

  it('is the machine busy time less our own, per second of wall time', () => {
    const at = (s: number, machine: number, own: number): CpuSnapshot => ({
      at: s * 1000,
      machineTicks: machine,
      ownTicks: own,
    });
    // 2 s; the machine was busy 300 ticks (3 core-seconds), of which 100 were ours.
    assert.equal(outsideCores(at(10, 1000, 500), at(12, 1300, 600)), 1);
    assert.equal(outsideCores(at(10, 1000, 500), at(12, 1100, 600)), 0);
    assert.equal(outsideCores(at(10, 0, 0), at(10, 5, 5)), undefined);
    assert.equal(outsideCores(undefined, at(10, 5, 5)), undefined);
  });
});
