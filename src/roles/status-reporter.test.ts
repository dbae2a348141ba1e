import assert from 'node:assert/strict';
import { setImmediate as flush } from 'node:timers/promises';
import { OperatorError } from '../shared/errors.js';
import { ManualClock } from '../shared/kube/manual-clock.js';
import type { ResourceRef, StatusWriter } from '../shared/kube/status-writer.js';
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
  ): Promise<boolean> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new OperatorError('KUBE_UNAVAILABLE', 'backoff', 'apiserver down'));
    }
    this.writes.push({ name, status });
    return Promise.resolve(true);
  }
}

async function settle(clock: ManualClock, ms = 0): Promise<void> {
  await flush();
  clock.advance(ms);
  await flush();
  await flush();
}

describe('StatusReporter', () => {
  let clock: ManualClock;
  let writer: RecordingWriter;
  let target: StatusTarget | undefined;
  let reporter: StatusReporter;

  beforeEach(() => {
    clock = new ManualClock();
    writer = new RecordingWriter();
    target = { namespace: 'avi-system', name: 'amko', uid: 'u1', patch: { role: 'leader' } };
    reporter = new StatusReporter({
      writer,
      compute: () => target,
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
    reporter.poke();
    await settle(clock);
    assert.equal(writer.writes.length, 1);
    for (let i = 0; i < 20; i++) {
      target = { ...target!, patch: { role: 'leader', revision: i } };
      reporter.poke();
    }
    await settle(clock, 499);
    assert.equal(writer.writes.length, 1, 'not before the interval has passed');
    await settle(clock, 1);
    assert.deepEqual(writer.writes.at(-1)?.status, { role: 'leader', revision: 19 });
    assert.equal(writer.writes.length, 2);
  });

  it('skips a write that changes nothing, but writes the same patch to a new object', async () => {
    reporter.poke();
    await settle(clock);
    reporter.poke();
    await settle(clock, 500);
    assert.equal(writer.writes.length, 1);
    target = { ...target!, uid: 'u2' };
    reporter.poke();
    await settle(clock, 500);
    assert.equal(writer.writes.length, 2);
    assert.deepEqual(reporter.lastWritten, { uid: 'u2', patch: { role: 'leader' } });
  });

  it('writes nothing without a target', async () => {
    target = undefined;
    reporter.poke();
    await settle(clock, 1_000);
    assert.equal(writer.writes.length, 0);
  });

  it('retries a failed write after the retry delay', async () => {
    writer.failNext = 1;
    reporter.poke();
    await settle(clock);
    assert.equal(writer.writes.length, 0);
    await settle(clock, 1_999);
    assert.equal(writer.writes.length, 0);
    await settle(clock, 1);
    await settle(clock);
    assert.equal(writer.writes.length, 1);
  });

  it('writes nothing once stopped', async () => {
    reporter.poke();
    await settle(clock);
    target = { ...target!, patch: { role: 'fenced' } };
    reporter.poke();
    await reporter.stop();
    await settle(clock, 1_000);
    assert.equal(writer.writes.length, 1);
    assert.equal(clock.pending, 0, 'no sleeper left behind');
  });
});
