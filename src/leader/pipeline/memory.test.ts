import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { PassGarbageCollector } from './memory.js';

describe('collecting the garbage of a pass', () => {
  it('frees what a burst left unreachable, without --expose-gc', async () => {
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'mocha runs without it');
    // A burst whose objects live long enough to reach the old generation, then die.
    let burst: { id: number; tags: string[] }[][] = [];
    for (let i = 0; i < 40; i++) {
      burst.push(Array.from({ length: 5_000 }, (_, id) => ({ id, tags: [`t${id}`, `u${i}`] })));
    }
    const held = burst.length;
    burst = [];
    const before = v8.getHeapStatistics().used_heap_size;
    assert.equal(await new PassGarbageCollector().collect(), true);
    const after = v8.getHeapStatistics().used_heap_size;
    assert.ok(
      before - after > 10 * 1024 * 1024,
      `${held} arrays dropped: heap ${before} -> ${after} bytes`,
    );
  });
});
