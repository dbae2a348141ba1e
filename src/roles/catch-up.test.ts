import assert from 'node:assert/strict';
import { claimsSeen, memberAhead } from './catch-up.js';

const own = Object.freeze({ leader: 'cluster1', epoch: 1, logId: 'log-a', revision: 40 });
const member = (cluster: string, over: Record<string, unknown> = {}) =>
  Object.freeze({ cluster, logId: 'log-a', epoch: 1, revision: 40, role: 'follower', ...over });

describe('catch-up: the member a promoted follower fetches from', () => {
  it('is none when every member is at or behind us on the same log', () => {
    assert.equal(
      memberAhead(own, [member('cluster2'), member('cluster3', { revision: 12 })]),
      undefined,
    );
  });

  it('is the member furthest ahead on the same log', () => {
    const ahead = memberAhead(own, [
      member('cluster2', { revision: 45 }),
      member('cluster3', { revision: 50 }),
    ]);
    assert.equal(ahead?.cluster, 'cluster3');
  });

  it('ignores another log of the same epoch (revisions of two logs cannot be ordered)', () => {
    assert.equal(
      memberAhead(own, [member('cluster2', { logId: 'log-b', revision: 99 })]),
      undefined,
    );
  });

  it('takes a member on a later log of the same epoch, whatever its revision', () => {
    const mine = { ...own, logId: '3.cluster1.aaaa' };
    const ahead = memberAhead(mine, [
      member('cluster2', { logId: '2.cluster1.bbbb', revision: 90 }),
      member('cluster3', { logId: '4.cluster1.cccc', revision: 2 }),
    ]);
    assert.equal(ahead?.cluster, 'cluster3');
    assert.equal(
      memberAhead({ ...mine, logId: '5.cluster1.dddd' }, [member('c', { logId: '4.cluster1.c' })]),
      undefined,
    );
  });

  it('prefers the latest log over a higher revision on an earlier one', () => {
    const ahead = memberAhead(undefined, [
      member('cluster2', { logId: '7.cluster1.x', revision: 900 }),
      member('cluster3', { logId: '8.cluster1.y', revision: 1 }),
    ]);
    assert.equal(ahead?.cluster, 'cluster3');
  });

  it('never fetches our own log back from a member (an earlier take-over of ours)', () => {
    const mine = memberAhead(
      undefined,
      [member('cluster2', { logId: '1.cluster3.z', epoch: 4 })],
      'cluster3',
    );
    assert.equal(mine, undefined);
    const other = memberAhead(
      undefined,
      [member('cluster2', { logId: '1.cluster1.z', epoch: 4 })],
      'cluster3',
    );
    assert.equal(other?.cluster, 'cluster2');
  });

  it('takes a member at a higher applied epoch, whatever its log', () => {
    const ahead = memberAhead(own, [member('cluster2', { logId: 'log-b', epoch: 2, revision: 3 })]);
    assert.equal(ahead?.cluster, 'cluster2');
  });

  it('never fetches from a leader, nor from a member that has applied nothing', () => {
    assert.equal(
      memberAhead(own, [
        member('cluster2', { role: 'leader', revision: 90 }),
        member('cluster3', { logId: '', revision: 0, epoch: 0 }),
      ]),
      undefined,
    );
  });

  it('without a known position of our own, any member that applied something is ahead', () => {
    assert.equal(memberAhead(undefined, [member('cluster2')])?.cluster, 'cluster2');
  });
});

describe('catch-up: the claims a survey shows', () => {
  it('names members that lead or are fenced, and the leader of every log a member holds', () => {
    const claims = claimsSeen([
      member('cluster2', { role: 'fenced', epoch: 3, logId: '' }),
      member('cluster3', { epoch: 3, logId: '2.cluster4.u' }),
      member('cluster5', { epoch: 0, logId: '', revision: 0 }),
      member('cluster6', { epoch: 2, logId: 'legacy-uuid' }),
    ]);
    assert.deepEqual(claims, [
      { epoch: 3, leader: 'cluster2' },
      { epoch: 3, leader: 'cluster4' },
    ]);
  });
});
