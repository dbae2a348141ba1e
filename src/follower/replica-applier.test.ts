import assert from 'node:assert/strict';
import { gdpReplica } from './replica-fixtures.js';
import { OperatorError } from '../shared/errors.js';
import {
  keyOfContent,
  type HashedContent,
  type ReplicaKey,
} from '../shared/federation/replicated-object.js';
import { silentLogger } from '../shared/telemetry/logger.js';
import { ReplicaApplier } from './replica-applier.js';
import type { ReplicaMarks } from './replica-plan.js';
import type { ReplicaWriter } from './replica-writer.js';

const gdp = gdpReplica;

/** Records what would be written; every put completes when the test releases it. */
class RecordingWriter {
  readonly calls: string[] = [];
  readonly existing: ReplicaKey[] = [];
  readonly #waiting: (() => void)[] = [];

  put(h: HashedContent, marks: ReplicaMarks): Promise<unknown> {
    this.calls.push(`put ${h.content.name}@${marks.revision}`);
    return new Promise((resolve) => {
      this.#waiting.push(() => {
        resolve({ outcome: 'created', written: { resourceVersion: '1', observedHash: h.hash } });
      });
    });
  }

  remove(key: ReplicaKey): Promise<'deleted'> {
    this.calls.push(`delete ${key}`);
    return Promise.resolve('deleted');
  }

  listReplicas(): Promise<ReplicaKey[]> {
    return Promise.resolve([...this.existing]);
  }

  /** Completes the oldest pending put. */
  release(): boolean {
    const next = this.#waiting.shift();
    next?.();
    return next !== undefined;
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('replica applier', () => {
  it('applies a whole snapshot and deletes the replicas it lacks', async () => {
    const writer = new RecordingWriter();
    writer.existing.push(keyOfContent(gdp('old', 1).content));
    const applier = new ReplicaApplier({
      writer: writer as unknown as ReplicaWriter,
      log: silentLogger(),
      concurrency: 1,
    });
    const marks = { leader: 'cluster1', epoch: 1, revision: 5 };
    const done = applier.replaceAll([gdp('a', 1), gdp('b', 2)], marks);
    while (writer.calls.length < 3) {
      writer.release();
      await flush();
    }
    assert.deepEqual(await done, { written: 2, deleted: 1 });
    assert.deepEqual(writer.calls, [
      'put a@5',
      'put b@5',
      'delete GlobalDeploymentPolicy/avi-system/old',
    ]);
  });

  it('stops a snapshot whose stream was replaced: no later write, no delete', async () => {
    const writer = new RecordingWriter();
    writer.existing.push(keyOfContent(gdp('newer', 1).content));
    const applier = new ReplicaApplier({
      writer: writer as unknown as ReplicaWriter,
      log: silentLogger(),
      concurrency: 1,
    });
    let current = true;
    const marks = { leader: 'cluster1', epoch: 1, revision: 5 };
    const done = applier.replaceAll([gdp('a', 1), gdp('b', 2), gdp('c', 3)], marks, () => current);
    await flush();
    assert.deepEqual(writer.calls, ['put a@5']);
    current = false;
    writer.release();
    await assert.rejects(done, (e: unknown) => e instanceof OperatorError);
    for (let i = 0; i < 3; i++) {
      writer.release();
      await flush();
    }
    assert.deepEqual(writer.calls, ['put a@5'], 'nothing after the stream was replaced');
  });
});
