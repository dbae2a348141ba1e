import assert from 'node:assert/strict';
import { Faults, type FaultTarget, mangles } from './faults.js';
import { SimError } from './sim-error.js';

const target = (extra: Partial<FaultTarget> = {}): FaultTarget => ({
  method: 'POST',
  path: '/api/gslbservice',
  objectType: 'gslbservice',
  tenant: 'retail',
  bodyText: '{"name":"shop.example.com"}',
  ...extra,
});

describe('Faults', function () {
  it('matches on method, object type, path pattern, tenant and body text', function () {
    const faults = new Faults({ random: () => 0 });
    faults.add({
      match: {
        method: 'post',
        objectType: 'gslbservice',
        path: '^/api/gslb',
        tenant: 'retail',
        bodyContains: 'shop',
      },
      effect: { status: 503 },
    });
    assert.equal(faults.take(target())?.effect.status, 503);
    assert.equal(faults.take(target({ method: 'GET' })), undefined);
    assert.equal(
      faults.take(target({ tenant: undefined })),
      undefined,
      'absent tenant header means admin',
    );
    assert.equal(faults.take(target({ bodyText: '{}' })), undefined);
    assert.equal(faults.take(target({ objectType: 'healthmonitor' })), undefined);
  });

  it('applies a rule `count` times, then lets requests through', function () {
    const faults = new Faults({ random: () => 0 });
    const rule = faults.add({ effect: { reset: true }, count: 2 });
    assert.ok(faults.take(target()));
    assert.ok(faults.take(target()));
    assert.equal(faults.take(target()), undefined);
    assert.deepEqual(
      faults.list().map((r) => [r.id, r.hits, r.remaining]),
      [[rule.id, 2, 0]],
    );
  });

  it('applies a rule with its probability', function () {
    const draws = [0.1, 0.9, 0.49, 0.5];
    const faults = new Faults({ random: () => draws.shift() ?? 1 });
    faults.add({ effect: { latencyMs: 10 }, probability: 0.5 });
    assert.deepEqual(
      [1, 2, 3, 4].map(() => faults.take(target()) !== undefined),
      [true, false, true, false],
    );
  });

  it('removes one rule by id or all of them', function () {
    const faults = new Faults({ random: () => 0 });
    const a = faults.add({ effect: { status: 500 } });
    faults.add({ effect: { timeout: true } });
    assert.equal(faults.clear(a.id), 1);
    assert.equal(faults.take(target())?.effect.timeout, true);
    assert.equal(faults.clear(), 1);
    assert.equal(faults.take(target()), undefined);
  });

  it('validates rules', function () {
    const faults = new Faults({ random: () => 0 });
    for (const bad of [
      null,
      {},
      { effect: {} },
      { effect: { status: 99 } },
      { effect: { status: 500 }, count: 0 },
      { effect: { status: 500 }, probability: 2 },
      { match: { path: '(' }, effect: { status: 500 } },
      { match: { method: 1 }, effect: { status: 500 } },
      { effect: { apply: true } },
      { effect: { contentType: 'text/html' } },
      { effect: { status: 200, contentType: 'text/html' } },
      { effect: { rawBody: 1 } },
      { effect: { rawBody: '<html/>', bodyBytes: 10 } },
      { effect: { dropField: 7 } },
      { effect: { nextLoop: 'back' } },
      { effect: { bodyBytes: -1 } },
      { effect: { bodyBytes: 1.5 } },
      { effect: { bodyBytes: 2 * 1024 * 1024 * 1024 } },
    ]) {
      assert.throws(() => faults.add(bad), SimError, JSON.stringify(bad));
    }
  });

  it('accepts the bad-answer effects and tells which of them mangle a real reply', function () {
    const faults = new Faults({ random: () => 0 });
    const html = faults.add({ effect: { rawBody: '<html/>', contentType: 'text/html' } });
    assert.deepEqual(html.effect, { rawBody: '<html/>', contentType: 'text/html' });
    assert.equal(mangles(html.effect), false, 'a raw body alone replaces the request');
    const after = faults.add({ effect: { rawBody: '{"uuid":', apply: true } });
    assert.equal(mangles(after.effect), true);
    for (const effect of [
      { dropField: 'uuid' },
      { nextLoop: 'self' },
      { nextLoop: 'first' },
      { bodyBytes: 1024, declareLength: true },
      { apply: true, status: 500 },
    ]) {
      const rule = faults.add({ effect });
      assert.deepEqual(rule.effect, effect);
      assert.equal(mangles(rule.effect), true, JSON.stringify(effect));
    }
  });
});
