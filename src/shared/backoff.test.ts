import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Backoff,
  backoffCeiling,
  backoffDelay,
  doubling,
  isRefusal,
  paceOfRetry,
  ranStably,
  retryPaceOf,
  type BackoffPolicy,
  type Jitter,
} from './backoff.js';
import { OperatorError, type ErrorCode, type Retry } from './errors.js';

/** The largest value `Math.random` can return. */
const TOP = 1 - 2 ** -53;
const policyArb = fc.record({
  baseMs: fc.integer({ min: 0, max: 10_000 }),
  factor: fc.double({ min: 1, max: 10, noNaN: true }),
  extra: fc.integer({ min: 0, max: 100_000 }),
  jitter: fc.constantFrom<Jitter>('none', 'full', 'equal'),
});
const toPolicy = (p: { baseMs: number; factor: number; extra: number; jitter: Jitter }) => ({
  baseMs: p.baseMs,
  factor: p.factor,
  capMs: p.baseMs + p.extra,
  jitter: p.jitter,
});

describe('backoffDelay', function () {
  const policy = (jitter: Jitter): BackoffPolicy => doubling(100, 1_000, jitter);

  it('doubles the ceiling per retry and caps it', function () {
    const none = (retry: number): number => backoffDelay(policy('none'), retry);
    assert.deepEqual([0, 1, 2, 3, 4, 10].map(none), [100, 200, 400, 800, 1_000, 1_000]);
  });

  it('spreads a full-jitter delay over [0, ceiling) with the random source', function () {
    const full = (draw: number): number => backoffDelay(policy('full'), 2, () => draw);
    assert.deepEqual([0, 0.25, 0.5, TOP].map(full), [0, 100, 200, 399]);
  });

  it('keeps an equal-jitter delay in (ceiling/2, ceiling], the ceiling itself for a draw of 0', function () {
    const equal = (draw: number): number => backoffDelay(policy('equal'), 2, () => draw);
    assert.deepEqual([0, 0.5, TOP].map(equal), [400, 300, 201]);
  });

  it('treats a negative retry number as the first retry', function () {
    assert.equal(backoffDelay(policy('none'), -3), 100);
  });

  it('never exceeds the cap, even when the growth overflows', function () {
    assert.equal(backoffDelay(policy('none'), 5_000), 1_000);
    assert.equal(backoffDelay({ ...policy('none'), factor: 10 }, 400), 1_000);
    assert.equal(backoffDelay({ ...policy('none'), baseMs: 0, factor: 10 }, 400), 0);
  });

  it('gives a constant delay with a factor of 1', function () {
    const constant = { baseMs: 5_000, factor: 1, capMs: 5_000, jitter: 'none' } as const;
    assert.deepEqual(
      [0, 1, 7].map((r) => backoffDelay(constant, r)),
      [5_000, 5_000, 5_000],
    );
  });

  it('stays a whole number of ms within the bounds of its jitter, for any policy, retry and draw', function () {
    fc.assert(
      fc.property(
        policyArb,
        fc.integer({ min: -5, max: 2_000 }),
        fc.double({ min: 0, max: TOP, noNaN: true }),
        (p, retry, draw) => {
          const policy = toPolicy(p);
          const d = backoffDelay(policy, retry, () => draw);
          const ceiling = backoffCeiling(policy, retry);
          assert.ok(Number.isInteger(d), `${d} is whole`);
          assert.ok(ceiling <= policy.capMs, `ceiling ${ceiling} within the cap`);
          if (p.jitter === 'none') assert.equal(d, ceiling);
          if (p.jitter === 'full') assert.ok(d >= 0 && (d < ceiling || d === 0), `${d} full`);
          if (p.jitter === 'equal') assert.ok(d > ceiling / 2 || d === ceiling, `${d} equal`);
          assert.ok(d <= ceiling, `${d} at most ${ceiling}`);
        },
      ),
    );
  });

  it('never lowers the ceiling from one retry to the next', function () {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 0, max: 2_000 }), (p, retry) => {
        const policy = toPolicy(p);
        assert.ok(backoffCeiling(policy, retry) <= backoffCeiling(policy, retry + 1));
      }),
    );
  });
});

describe('Backoff', function () {
  it('counts retries in a row and starts again from the base after a reset', function () {
    const b = new Backoff(doubling(500, 30_000));
    const first = Array.from({ length: 9 }, () => b.next());
    assert.deepEqual(first, [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    assert.equal(b.retries, 9);
    b.reset();
    assert.equal(b.retries, 0);
    assert.deepEqual([b.next(), b.next()], [500, 1_000]);
  });

  it('draws each delay from its random source', function () {
    const draws = [0, 0.5, 0.5];
    const b = new Backoff(doubling(100, 1_000, 'full'), () => draws.shift() ?? 0);
    assert.deepEqual([b.next(), b.next(), b.next()], [0, 100, 200]);
  });

  it('matches the pure policy for any run of failures and successes', function () {
    fc.assert(
      fc.property(policyArb, fc.array(fc.boolean(), { maxLength: 60 }), (p, outcomes) => {
        const policy = toPolicy(p);
        const b = new Backoff(policy, () => 0.5);
        let inARow = 0;
        for (const failed of outcomes) {
          if (!failed) {
            b.reset();
            inARow = 0;
            continue;
          }
          assert.equal(
            b.next(),
            backoffDelay(policy, inARow++, () => 0.5),
          );
        }
        assert.equal(b.retries, inARow);
      }),
    );
  });
});

describe('ranStably', function () {
  const stableMs = 10_000;

  /** Restart delays of `n` runs in a row, each having come up `upFor` ms before it failed. */
  function restarts(n: number, upFor: number | undefined): number[] {
    const b = new Backoff(doubling(500, 30_000));
    let now = 0;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const upSince = upFor === undefined ? undefined : now - upFor;
      if (ranStably(upSince, now, stableMs)) b.reset();
      const delay = b.next();
      out.push(delay);
      now += delay + (upFor ?? 0);
    }
    return out;
  }

  it('keeps the restarts doubling while runs never come up', function () {
    assert.deepEqual(restarts(7, undefined), [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
  });

  it('keeps them doubling when each run comes up but fails before stableMs', function () {
    assert.deepEqual(restarts(7, 0), [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
    assert.deepEqual(restarts(4, stableMs - 1), [500, 1_000, 2_000, 4_000]);
  });

  it('starts them again from the base after a run that stayed up for stableMs', function () {
    assert.deepEqual(restarts(4, stableMs), [500, 500, 500, 500]);
  });
});

describe('retry pace', function () {
  const error = (code: ErrorCode, retry: Retry): OperatorError =>
    new OperatorError(code, retry, `${code} ${retry}`);

  it('follows the retry class: backoff fast, slow slow, never never', function () {
    assert.equal(retryPaceOf(error('AVI_UNAVAILABLE', 'backoff')), 'fast');
    assert.equal(retryPaceOf(error('AVI_MAINTENANCE', 'slow')), 'slow');
    assert.equal(retryPaceOf(error('AVI_FENCED', 'never')), 'never');
    assert.deepEqual((['backoff', 'slow', 'never'] as const).map(paceOfRetry), [
      'fast',
      'slow',
      'never',
    ]);
  });

  it('retries errors it does not know fast', function () {
    assert.equal(retryPaceOf(new Error('socket hang up')), 'fast');
    assert.equal(retryPaceOf('a string'), 'fast');
  });

  it('retries a refusal slowly only where the loop asks for it', function () {
    const rejected = error('AVI_REJECTED', 'never');
    assert.equal(isRefusal(rejected), true);
    assert.equal(retryPaceOf(rejected), 'never');
    assert.equal(retryPaceOf(rejected, { refusals: 'slow' }), 'slow');
    assert.equal(retryPaceOf(error('KUBE_REJECTED', 'never'), { refusals: 'slow' }), 'slow');
  });

  it('never retries what ends the right to act, even where refusals are retried', function () {
    for (const code of ['AVI_FENCED', 'AVI_NOT_LEADER', 'EPOCH_STALE', 'ROLE_FENCED'] as const) {
      assert.equal(isRefusal(error(code, 'never')), false, code);
      assert.equal(retryPaceOf(error(code, 'never'), { refusals: 'slow' }), 'never', code);
    }
  });

  it('keeps the pace of retryable errors whatever the refusal option', function () {
    fc.assert(
      fc.property(
        fc.constantFrom<ErrorCode>('AVI_REJECTED', 'AVI_UNAVAILABLE', 'KUBE_CONFLICT', 'AVI_AUTH'),
        fc.constantFrom<Retry>('backoff', 'slow'),
        fc.constantFrom<'slow' | 'never'>('slow', 'never'),
        (code, retry, refusals) => {
          assert.equal(retryPaceOf(error(code, retry), { refusals }), paceOfRetry(retry));
        },
      ),
    );
  });
});
