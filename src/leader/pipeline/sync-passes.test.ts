import assert from 'node:assert/strict';
import { SyncPasses } from './sync-passes.js';

describe('sync passes', () => {
  it('finishes a pass when its last key is passed over, once, with its duration', () => {
    let now = 1000;
    const p = new SyncPasses<string>(() => now);
    p.start('bootup', ['a', 'b']);
    now = 1250;
    assert.equal(p.passed('a'), undefined);
    assert.equal(p.passed('a'), undefined, 'a key counts once');
    assert.equal(p.passed('x'), undefined, 'keys outside the pass do not count');
    assert.equal(p.booted, false);
    assert.deepEqual(p.passed('b'), { what: 'bootup', ms: 250 });
    assert.equal(p.booted, true);
    assert.equal(p.running, false);
    assert.equal(p.passed('b'), undefined);
  });

  it('ends a bootup without keys at once and tells full syncs apart', () => {
    const p = new SyncPasses<string>(() => 0);
    p.start('bootup', []);
    assert.deepEqual(p.finish(), { what: 'bootup', ms: 0 });
    assert.equal(p.booted, true);
    p.start('full sync', ['a']);
    assert.equal(p.running, true);
    assert.deepEqual(p.passed('a'), { what: 'full sync', ms: 0 });
  });
});
