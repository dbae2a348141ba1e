import assert from 'node:assert/strict';
import { memberAhead } from './catch-up.js';

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
