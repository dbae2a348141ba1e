import assert from 'node:assert/strict';
import { OperatorError } from '../shared/errors.js';
import { ManualClock } from '../shared/kube/manual-clock.js';
import type { ResourceRef, StatusWriter, StatusWritten } from '../shared/kube/status-writer.js';
import { waitUntil } from '../shared/kube/wait-until.js';
import { silentLogger } from '../shared/telemetry/logger.js';
import { StatusReporter, type StatusTarget } from './status-reporter.js';

/** A status writer that records what it is asked to write and can be told to fail. */
class RecordingWriter implements StatusWriter {
  readonly writes: { name: string; status: Record<string, unknown> }[] = [];
  failNext = 0;

  patchStatus(
    _ref: ResourceRef,
    _namespace: string,
    name: string,
    status: Record<string, unknown>,
  ): Promise<StatusWritten | undefined> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new OperatorError('KUBE_UNAVAILABLE', 'backoff', 'apiserver down'));
    }
    this.writes.push({ name, status });
    return Promise.resolve({ status });
  }
}

describe('StatusReporter', () => {
  let clock: ManualClock;
  let writer: RecordingWriter;
  let target: StatusTarget | undefined;
  let computed: number;
  let reporter: StatusReporter;

  /** Waits until the reporter sleeps on the clock, then moves the clock by `ms`. */
  async function advanceWhenAsleep(ms: number): Promise<void> {
    await waitUntil(() => clock.pending > 0, 'the reporter waiting on the clock');
    clock.advance(ms);
  }

  beforeEach(() => {
    clock = new ManualClock();
    writer = new RecordingWriter();
    target = { namespace: 'avi-system', name: 'amko', uid: 'u1', patch: { role: 'leader' } };
    computed = 0;
    reporter = new StatusReporter({
      writer,
      compute: () => {
        computed++;
        return target;
      },
      clock,
      log: silentLogger(),
      minIntervalMs: 500,
      retryMs: 2_000,
    });
  });

  afterEach(async () => {
    await reporter.stop();
  });

  it('writes at once, then coalesces a burst of pokes into one write per interval', async () => {
    const start = clock.now();
    reporter.poke();
    await advanceWhenAsleep(0);
    await waitUntil(() => writer.writes.length === 1, 'the first write');
    for (let i = 0; i < 20; i++) {
      target = { ...target!, patch: { role: 'leader', revision: i } };
      reporter.poke();
    }
    await waitUntil(() => clock.pending === 1, 'the burst waiting for the interval');
    assert.equal(clock.nextWakeAt, start + 500, 'one wake-up, an interval after the first write');
    clock.advance(499);
    assert.equal(clock.pending, 1, 'still asleep before the interval has passed');
    assert.equal(writer.writes.length, 1);
    clock.advance(1);
    await waitUntil(() => writer.writes.length === 2, 'the coalesced write');
    assert.deepEqual(writer.writes.at(-1)?.status, { role: 'leader', revision: 19 });
    assert.equal(computed, 2, 'one computation per write, not per poke');
    assert.equal(clock.pending, 0, 'nothing more scheduled');
  });

  it('skips a write that changes nothing, but writes the same patch to a new object', async () => {
    reporter.poke();
    await advanceWhenAsleep(0);
    await waitUntil(() => writer.writes.length === 1, 'the first write');
    reporter.poke();
    await advanceWhenAsleep(500);
    await waitUntil(() => computed === 2, 'the second pass');
    assert.equal(writer.writes.length, 1, 'the unchanged patch is not written again');
    target = { ...target!, uid: 'u2' };
    reporter.poke();
    await advanceWhenAsleep(500);
    await waitUntil(() => writer.writes.length === 2, 'the write to the new object');
    assert.deepEqual(reporter.lastWritten, { uid: 'u2', patch: { role: 'leader' } });
  });

  it('writes nothing without a target', async () => {
    target = undefined;
    reporter.poke();
    await advanceWhenAsleep(0);
    await waitUntil(() => computed === 1, 'the pass');
    await reporter.stop();
    assert.equal(writer.writes.length, 0);
  });

  it('retries a failed write after the retry delay', async () => {
    writer.failNext = 1;
    reporter.poke();
    await advanceWhenAsleep(0);
    await waitUntil(() => writer.failNext === 0, 'the failed attempt');
    await waitUntil(() => clock.pending === 1, 'the retry waiting on the clock');
    assert.equal(clock.nextWakeAt, clock.now() + 2_000);
    clock.advance(1_999);
    assert.equal(clock.pending, 1, 'no retry before the delay');
    assert.equal(writer.writes.length, 0);
    clock.advance(1);
    await advanceWhenAsleep(0);
    await waitUntil(() => writer.writes.length === 1, 'the retried write');
    assert.deepEqual(writer.writes[0]?.status, { role: 'leader' });
  });

  it('doubles the retry delay while writes keep failing, and starts again after one works', async () => {
    writer.failNext = 3;
    reporter.poke();
    await advanceWhenAsleep(0);
    const delays: number[] = [];
    for (let failed = 1; failed <= 3; failed++) {
      await waitUntil(
        () => writer.failNext === 3 - failed && clock.pending === 1,
        `retry ${failed} waiting on the clock`,
      );
      const delay = (clock.nextWakeAt ?? clock.now()) - clock.now();
      delays.push(delay);
      clock.advance(delay);
      await advanceWhenAsleep(0);
    }
    await waitUntil(() => writer.writes.length === 1, 'the write that worked');
    assert.deepEqual(delays, [2_000, 4_000, 8_000]);
    writer.failNext = 1;
    target = { ...target!, patch: { role: 'fenced' } };
    reporter.poke();
    await advanceWhenAsleep(500);
    await waitUntil(() => writer.failNext === 0 && clock.pending === 1, 'the next retry waiting');
    assert.equal(clock.nextWakeAt, clock.now() + 2_000, 'the first delay again');
  });

  it('writes nothing once stopped', async () => {
    reporter.poke();
    await advanceWhenAsleep(0);
    await waitUntil(() => writer.writes.length === 1, 'the first write');
    target = { ...target!, patch: { role: 'fenced' } };
    reporter.poke();
    await waitUntil(() => clock.pending === 1, 'the poke waiting for the interval');
    await reporter.stop();
    assert.equal(clock.pending, 0, 'no sleeper left behind');
    clock.advance(1_000);
    reporter.poke();
    assert.equal(clock.pending, 0, 'a poke after stop schedules nothing');
    assert.equal(writer.writes.length, 1);
  });
});
