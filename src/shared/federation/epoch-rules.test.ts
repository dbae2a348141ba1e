import assert from 'node:assert/strict';
import {
  admitClaim,
  compareClaims,
  isFencedBy,
  maxClaim,
  NO_CLAIM,
  promotionEpoch,
  staleEpochMessage,
  supersedes,
} from './epoch-rules.js';

const c = (epoch: number, leader: string): { epoch: number; leader: string } => ({ epoch, leader });

describe('epoch rules', () => {
  it('promotes to the highest epoch seen plus one', () => {
    assert.equal(promotionEpoch(0), 1);
    assert.equal(promotionEpoch(41), 42);
    assert.throws(() => promotionEpoch(-1), RangeError);
    assert.throws(() => promotionEpoch(1.5), RangeError);
  });

  it('lets the higher epoch win whatever the names', () => {
    assert.ok(supersedes(c(5, 'a'), c(4, 'z')));
    assert.ok(!supersedes(c(4, 'z'), c(5, 'a')));
  });

  it('with the same epoch, the lower cluster name loses', () => {
    assert.ok(supersedes(c(3, 'cluster2'), c(3, 'cluster1')));
    assert.ok(!supersedes(c(3, 'cluster1'), c(3, 'cluster2')));
    assert.deepEqual(maxClaim(c(3, 'cluster1'), c(3, 'cluster2')), c(3, 'cluster2'));
  });

  it('orders every pair of distinct claims one way only', () => {
    const claims = [c(1, 'a'), c(1, 'b'), c(2, 'a'), c(2, 'b'), NO_CLAIM];
    for (const x of claims) {
      for (const y of claims) {
        const xy = Math.sign(compareClaims(x, y));
        assert.equal(xy + Math.sign(compareClaims(y, x)), 0);
        assert.equal(xy === 0, x === y);
      }
    }
  });

  it('admits the same or a winning claim and refuses a stale one', () => {
    assert.deepEqual(admitClaim(c(4, 'cluster1'), c(4, 'cluster1')), {
      accept: true,
      claim: c(4, 'cluster1'),
      raised: false,
    });
    assert.deepEqual(admitClaim(c(4, 'cluster1'), c(5, 'cluster2')), {
      accept: true,
      claim: c(5, 'cluster2'),
      raised: true,
    });
    assert.deepEqual(admitClaim(c(5, 'cluster2'), c(4, 'cluster1')), {
      accept: false,
      current: c(5, 'cluster2'),
    });
    assert.deepEqual(admitClaim(c(5, 'cluster2'), c(5, 'cluster1')), {
      accept: false,
      current: c(5, 'cluster2'),
    });
  });

  it('admits any first leader but never epoch 0', () => {
    assert.equal(admitClaim(NO_CLAIM, c(1, 'cluster1')).accept, true);
    assert.equal(admitClaim(NO_CLAIM, c(0, 'cluster1')).accept, false);
  });

  it('fences a leader that learns of a winning claim', () => {
    assert.ok(isFencedBy(c(4, 'cluster1'), c(5, 'cluster2')));
    assert.ok(isFencedBy(c(5, 'cluster1'), c(5, 'cluster2')));
    assert.ok(!isFencedBy(c(5, 'cluster1'), c(5, 'cluster1')));
    assert.ok(!isFencedBy(c(5, 'cluster1'), c(4, 'cluster3')));
  });

  it('names the current leader and epoch in a stale refusal', () => {
    assert.equal(
      staleEpochMessage(c(3, 'cluster1'), c(5, 'cluster2')),
      'stale epoch 3 from cluster1: cluster2 leads at epoch 5',
    );
  });
});
