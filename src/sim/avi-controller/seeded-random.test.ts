import assert from 'node:assert/strict';
import { seededRandom } from './seeded-random.js';

describe('simulator seeded random source', function () {
  it('repeats for a seed, differs between seeds and stays in [0, 1)', () => {
    const draw = (seed: number): number[] => {
      const r = seededRandom(seed);
      return Array.from({ length: 1000 }, () => r());
    };
    assert.deepEqual(draw(42), draw(42));
    assert.notDeepEqual(draw(42), draw(43));
    assert.ok(draw(1).every((x) => x >= 0 && x < 1));
  });
});
