import assert from 'node:assert/strict';
import {
  comparePositions,
  higherPosition,
  logOrigin,
  newLogId,
  NO_POSITION,
} from './log-position.js';

const at = (epoch: number, logId: string, revision: number) => ({ epoch, logId, revision });

describe('log positions', () => {
  it('carry the log sequence and the leader in the log id', () => {
    const id = newLogId(12, 'site.a', '0f4e-uuid');
    assert.equal(id, '12.site.a.0f4e-uuid');
    assert.deepEqual(logOrigin(id), { sequence: 12, leader: 'site.a' });
    assert.equal(logOrigin('0f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c'), undefined);
    assert.equal(logOrigin(''), undefined);
  });

  it('order by epoch first, whatever the log or revision', () => {
    assert.equal(comparePositions(at(2, '1.c1.a', 1), at(1, '9.c1.b', 500)), 1);
    assert.equal(comparePositions(at(1, '9.c1.b', 500), at(2, '1.c1.a', 1)), -1);
  });

  it('order by revision on the same log', () => {
    assert.equal(comparePositions(at(1, '1.a', 5), at(1, '1.a', 4)), 1);
    assert.equal(comparePositions(at(1, '1.a', 4), at(1, '1.a', 5)), -1);
    assert.equal(comparePositions(at(1, '1.a', 4), at(1, '1.a', 4)), 0);
  });

  it("put a leader's later log of one epoch ahead of its earlier one, whatever the revisions", () => {
    assert.equal(comparePositions(at(3, '5.c1.b', 1), at(3, '4.c1.a', 800)), 1);
    assert.equal(comparePositions(at(3, '4.c1.a', 800), at(3, '5.c1.b', 1)), -1);
  });

  it('order two leaders at one epoch as their claims are, by name', () => {
    assert.equal(comparePositions(at(3, '1.c2.b', 1), at(3, '9.c1.a', 800)), 1);
    assert.equal(comparePositions(at(3, '9.c1.a', 800), at(3, '1.c2.b', 1)), -1);
  });

  it('cannot order two logs of one epoch without sequences, or with equal ones', () => {
    assert.equal(comparePositions(at(3, 'uuid-a', 1), at(3, 'uuid-b', 2)), undefined);
    assert.equal(comparePositions(at(3, '4.c1.a', 1), at(3, 'uuid-b', 2)), undefined);
    assert.equal(comparePositions(at(3, '4.c1.a', 1), at(3, '4.c1.b', 2)), undefined);
  });

  it('put any applied position ahead of none', () => {
    assert.equal(comparePositions(at(0, '1.c1.a', 0), NO_POSITION), 1);
    assert.equal(comparePositions(NO_POSITION, at(0, '1.c1.a', 3)), -1);
    assert.equal(comparePositions(NO_POSITION, NO_POSITION), 0);
  });

  it('take the higher of two positions, and never raise one on a guess', () => {
    const p = (epoch: number, logId: string, revision: number) => ({
      leader: 'c1',
      epoch,
      logId,
      revision,
    });
    assert.deepEqual(higherPosition(p(1, '1.c1.a', 5), p(1, '1.c1.a', 7)), p(1, '1.c1.a', 7));
    assert.deepEqual(higherPosition(p(2, '1.c1.a', 1), p(1, '9.c1.a', 70)), p(2, '1.c1.a', 1));
    assert.deepEqual(higherPosition(NO_POSITION, p(1, '1.c1.a', 1)), p(1, '1.c1.a', 1));
    // Unordered (an old log id without a sequence): the first stays.
    assert.deepEqual(higherPosition(p(3, 'uuid-a', 1), p(3, '4.c1.b', 9)), p(3, 'uuid-a', 1));
  });
});
