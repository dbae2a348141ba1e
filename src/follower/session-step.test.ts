import assert from 'node:assert/strict';
import { gdpReplica } from './replica-fixtures.js';
import { deletedObject } from '../shared/federation/controller-view.js';
import type { ReplicaKey } from '../shared/federation/replicated-object.js';
import {
  initialSession,
  step,
  transitionViolations,
  violations,
  type AppliedPosition,
  type FollowerSessionState,
  type SessionEffect,
  type SessionEvent,
} from './session-step.js';

const gdp = gdpReplica;

const CLAIM = Object.freeze({ epoch: 5, leader: 'cluster1' });
const AT = (revision: number, logId = 'log-1', epoch = 5): AppliedPosition => ({
  leader: 'cluster1',
  epoch,
  logId,
  revision,
});

type Ev = SessionEvent;
const HELLO: Ev = { type: 'hello', hello: { cluster: 'cluster1' } };
const admitted = (position: AppliedPosition = AT(3)): Ev => ({
  type: 'admitted',
  claim: CLAIM,
  logId: 'log-1',
  position,
});
const delta = (revision: number, name = 'a'): Ev => ({
  type: 'delta',
  revision,
  change: gdp(name, revision),
});
const part = (revision: number, names: string[], more: boolean): Ev => ({
  type: 'snapshot',
  revision,
  objects: names.map((n) => gdp(n, revision)),
  more,
});
const WRITTEN: Ev = { type: 'written' };

/** Steps every event, checking both kinds of invariants after each step. */
function run(
  events: readonly Ev[],
  from: FollowerSessionState = initialSession(),
): { state: FollowerSessionState; effects: SessionEffect[] } {
  let state = from;
  const effects: SessionEffect[] = [];
  for (const e of events) {
    const r = step(state, e);
    assert.deepEqual(violations(r.state), [], `after ${e.type}`);
    assert.deepEqual(transitionViolations(state, r), [], `after ${e.type}`);
    state = r.state;
    effects.push(...r.effects);
  }
  return { state, effects };
}

const kinds = (fx: readonly SessionEffect[]): string[] =>
  fx
    .filter((f) => f.type !== 'heard')
    .map((f) => (f.type === 'ack' ? `ack ${f.revision}` : f.type));
const endingOf = (fx: readonly SessionEffect[]): string | undefined => {
  const c = fx.find((f) => f.type === 'close');
  return c?.type === 'close' ? (c.ending?.reason ?? 'none') : undefined;
};
const detailsOf = (fx: readonly SessionEffect[]): string => {
  const c = fx.find((f) => f.type === 'close');
  const e = c?.type === 'close' ? c.ending : undefined;
  return e && 'details' in e ? e.details : '';
};

describe('follower session step: hello and admission', () => {
  it('asks for the admission of the hello, then answers with the state', () => {
    const { state, effects } = run([HELLO, admitted()]);
    assert.deepEqual(kinds(effects), ['admit', 'send-state']);
    assert.ok(effects.some((f) => f.type === 'heard'));
    assert.equal(state.phase, 'streaming');
    assert.deepEqual(state.claim, CLAIM);
    assert.deepEqual(state.applied, AT(3));
  });

  it('ends the stream with the refusal of the admission, writing nothing', () => {
    const cause = { code: 9 };
    const { state, effects } = run([HELLO, { type: 'refused', cause }]);
    assert.equal(state.phase, 'closed');
    const close = effects.at(-1);
    assert.deepEqual(close, { type: 'close', ending: { reason: 'refused', cause } });
  });

  it('refuses a first message that is not a hello, without telling the host of it', () => {
    for (const first of [
      delta(4),
      { type: 'ping' } as Ev,
      { type: 'view', objects: [] } as Ev,
      { type: 'malformed', details: 'x' } as Ev,
    ]) {
      const { effects } = run([first]);
      assert.equal(endingOf(effects), 'invalid');
      assert.equal(detailsOf(effects), 'the first message must be a hello');
      assert.ok(!effects.some((f) => f.type === 'heard'));
    }
  });

  it('refuses a second hello and an undecodable message on the admitted stream', () => {
    const second = run([HELLO, admitted(), HELLO]);
    assert.equal(detailsOf(second.effects), 'unexpected hello message');
    const broken = run([HELLO, admitted(), { type: 'malformed', details: 'invalid revision x' }]);
    assert.equal(detailsOf(broken.effects), 'invalid revision x');
  });

  it('takes no message while the admission or a write is in flight', () => {
    const admitting = run([HELLO]).state;
    assert.throws(() => step(admitting, delta(4)), /while the admission/);
    const writing = run([HELLO, admitted(), delta(4)]).state;
    assert.throws(() => step(writing, delta(5)), /while a write/);
  });
});

describe('follower session step: deltas and snapshots', () => {
  it('writes the next delta and acks it only once written', () => {
    const asked = run([HELLO, admitted(), delta(4)]);
    assert.deepEqual(kinds(asked.effects).slice(2), ['apply-delta']);
    assert.deepEqual(asked.state.writing, AT(4));
    const done = run([WRITTEN], asked.state);
    assert.deepEqual(kinds(done.effects), ['ack 4']);
    assert.deepEqual(done.state.applied, AT(4));
    assert.equal(done.state.writing, undefined);
  });

  it('acks a replayed delta or snapshot with the applied revision, writing nothing', () => {
    const { effects, state } = run([HELLO, admitted(), delta(3), delta(1), part(2, ['a'], false)]);
    assert.deepEqual(kinds(effects).slice(2), ['ack 3', 'ack 3', 'ack 3']);
    assert.deepEqual(state.applied, AT(3));
  });

  it('refuses a delta that skips a revision, or of another log or epoch, as a revision gap', () => {
    const cases: [AppliedPosition, number][] = [
      [AT(3), 5],
      [AT(3, 'log-0'), 4],
      [AT(3, 'log-1', 4), 4],
    ];
    for (const [position, revision] of cases) {
      const { effects, state } = run([HELLO, admitted(position), delta(revision)]);
      assert.equal(endingOf(effects), 'revision-gap');
      assert.ok(!effects.some((f) => f.type === 'apply-delta' || f.type === 'ack'));
      assert.equal(state.phase, 'closed');
    }
    const gap = run([HELLO, admitted(), delta(5)]);
    assert.equal(detailsOf(gap.effects), 'delta 5 does not follow applied revision 3 of log log-1');
  });

  it('writes a snapshot of parts only at its last part, as one write', () => {
    const { effects, state } = run([
      HELLO,
      admitted(AT(9, 'log-0')),
      part(2, ['a', 'b'], true),
      part(2, ['c'], true),
    ]);
    assert.deepEqual(kinds(effects), ['admit', 'send-state']);
    assert.equal(state.snapshot?.objects.length, 3);
    const last = run([part(2, ['d'], false)], state);
    const apply = last.effects.find((f) => f.type === 'apply-snapshot');
    assert.equal(apply?.type === 'apply-snapshot' ? apply.objects.length : 0, 4);
    assert.deepEqual(apply?.type === 'apply-snapshot' ? apply.at : undefined, AT(2));
    assert.deepEqual(kinds(run([WRITTEN], last.state).effects), ['ack 2']);
  });

  it('ends a snapshot holding a key twice, mixing revisions or interrupted by a delta', () => {
    const twice = run([HELLO, admitted(), part(8, ['a'], true), part(8, ['a'], false)]);
    assert.match(detailsOf(twice.effects), /holds GlobalDeploymentPolicy\/avi-system\/a twice/);
    const mixed = run([HELLO, admitted(), part(8, ['a'], true), part(9, ['b'], false)]);
    assert.equal(detailsOf(mixed.effects), 'snapshot part of revision 9 inside 8');
    const cut = run([HELLO, admitted(), part(8, ['a'], true), delta(4)]);
    assert.equal(detailsOf(cut.effects), 'delta inside a snapshot');
    for (const r of [twice, mixed, cut]) {
      assert.ok(!r.effects.some((f) => f.type === 'apply-snapshot' || f.type === 'apply-delta'));
    }
  });

  it('answers a ping on a stream of another log with 0: nothing of that log is applied', () => {
    // Acking the revision of the old log would tell the new leader a revision of its own log.
    const { effects } = run([
      HELLO,
      admitted(AT(9, 'log-0')),
      part(5, ['a'], true),
      { type: 'ping' },
    ]);
    assert.deepEqual(kinds(effects).slice(2), ['ack 0']);
  });

  it('answers a ping with the applied revision, inside a snapshot too', () => {
    const { effects } = run([
      HELLO,
      admitted(),
      { type: 'ping' },
      part(8, ['a'], true),
      { type: 'ping' },
    ]);
    assert.deepEqual(kinds(effects).slice(2), ['ack 3', 'ack 3']);
  });

  it('hands what the leader wrote to the host as it comes, inside a snapshot too, acking nothing', () => {
    const written = deletedObject('gslbservice', 'admin', 'shop.example.com', 'gslbservice-1');
    const view: Ev = { type: 'view', objects: [written] };
    const { state, effects } = run([HELLO, admitted(), view, part(8, ['a'], true), view]);
    assert.deepEqual(kinds(effects).slice(2), ['controller-view', 'controller-view']);
    const handed = effects.filter((f) => f.type === 'controller-view');
    assert.deepEqual(handed[0], { type: 'controller-view', objects: [written] });
    assert.equal(
      effects.filter((f) => f.type === 'heard').length,
      4,
      'each tells the leader lives',
    );
    assert.equal(state.applied.revision, 3, 'no revision');
    assert.equal(state.snapshot?.revision, 8, 'the snapshot still waits for its last part');
  });
});

describe('follower session step: stream ends and failed writes', () => {
  it('refuses a half-close wherever it comes, with where the stream was', () => {
    const cases: [Ev[], RegExp][] = [
      [[], /ended before a hello/],
      [[HELLO, admitted(), part(8, ['a'], true)], /ended inside snapshot 8/],
      [[HELLO, admitted(), delta(4), WRITTEN], /half-closed/],
    ];
    for (const [before, expected] of cases) {
      const { effects } = run([...before, { type: 'half-close' }]);
      assert.equal(endingOf(effects), 'invalid');
      assert.match(detailsOf(effects), expected);
      assert.ok(!effects.some((f) => f.type === 'apply-snapshot'));
    }
  });

  it('ends the stream unacked when a write fails, with the write error', () => {
    const cause = new Error('apiserver down');
    const { effects, state } = run([HELLO, admitted(), delta(4), { type: 'write-failed', cause }]);
    assert.deepEqual(effects.at(-1), { type: 'close', ending: { reason: 'write-failed', cause } });
    assert.ok(!effects.some((f) => f.type === 'ack'));
    assert.deepEqual(state.applied, AT(3));
  });

  it('acks nothing once cancelled, even a write that finishes later', () => {
    const { effects, state } = run([HELLO, admitted(), delta(4), { type: 'cancelled' }, WRITTEN]);
    assert.equal(endingOf(effects), 'none');
    assert.ok(!effects.some((f) => f.type === 'ack'));
    assert.equal(state.phase, 'closed');
    const after = run(
      [delta(5), { type: 'ping' }, { type: 'half-close' }, { type: 'stop', cause: 1 }],
      state,
    );
    assert.deepEqual(after.effects, []);
  });

  it('ends with the host status when stopped, an admission answering late included', () => {
    const stopped = run([HELLO, { type: 'stop', cause: 'replaced' }, admitted()]);
    assert.deepEqual(kinds(stopped.effects), ['admit', 'close']);
    assert.equal(stopped.state.claim, undefined);
  });
});

describe('follower session step: the invariant checks', () => {
  const streaming = run([HELLO, admitted()]).state;
  const result = (effects: SessionEffect[], state = streaming) => ({ state, effects });

  it('catch a write that does not go forward and an ack above the applied revision', () => {
    const back = result([{ type: 'apply-delta', change: 'k' as ReplicaKey, at: AT(3) }]);
    assert.match(transitionViolations(streaming, back).join(), /F2/);
    const old = result([{ type: 'apply-snapshot', objects: [], at: AT(2) }]);
    assert.match(transitionViolations(streaming, old).join(), /F2/);
    assert.match(
      transitionViolations(streaming, result([{ type: 'ack', revision: 4 }])).join(),
      /F3/,
    );
  });

  it('catch writes before the admission, effects after close, and state that breaks F1, F4, F5', () => {
    const fresh = initialSession();
    assert.match(transitionViolations(fresh, result([{ type: 'ack', revision: 0 }])).join(), /F1/);
    const closed = { ...streaming, phase: 'closed' as const };
    assert.match(transitionViolations(closed, result([{ type: 'heard' }])).join(), /F5/);
    assert.match(violations({ ...closed, writing: AT(4) }).join(), /F5/);
    assert.match(violations({ ...fresh, claim: CLAIM }).join(), /F1/);
    const snap = { revision: 2, objects: [gdp('a', 1), gdp('a', 2)], keys: new Set<ReplicaKey>() };
    assert.match(violations({ ...streaming, snapshot: snap }).join(), /F4/);
  });
});
