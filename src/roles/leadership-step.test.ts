import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NO_CLAIM, supersedes, type EpochClaim } from '../shared/federation/epoch-rules.js';
import {
  frontOf,
  initialState,
  step,
  violations,
  type AsyncEffect,
  type Effect,
  type Event,
  type LeadershipState,
} from './leadership-step.js';

const SELF = 'cluster2';

/** Runs events through `step`, checking the invariants after each; returns the last effects. */
class Driver {
  state: LeadershipState;
  effects: Effect[] = [];

  constructor(state = initialState(SELF, 'hot', NO_CLAIM)) {
    this.state = state;
  }

  /** The asynchronous effect in flight: asked for and not answered yet. */
  asked: AsyncEffect | undefined;

  send(e: Event): Effect[] {
    if (
      e.type === 'done' ||
      e.type === 'failed' ||
      e.type === 'persisted' ||
      e.type === 'surveyed' ||
      e.type === 'leased' ||
      e.type === 'lease-taken' ||
      e.type === 'lease-lost'
    ) {
      this.asked = undefined;
    }
    const out = step(this.state, e);
    const broken = violations(out.state);
    assert.deepEqual(broken, [], `after ${JSON.stringify(e)}: ${broken.join('; ')}`);
    this.state = out.state;
    this.effects = out.effects;
    const asked = out.effects.filter(
      (x): x is AsyncEffect => !['status', 'retry-after', 'log'].includes(x.type),
    );
    assert.ok(asked.length <= 1, 'one asynchronous effect at a time');
    if (asked[0]) {
      assert.equal(this.asked, undefined, 'nothing asked while an effect is in flight');
      this.asked = asked[0];
    }
    return out.effects;
  }

  /** Answers the effect in flight as done (persisting epochs as a store would). */
  complete(): Effect[] {
    const a = this.asked;
    assert.ok(a, 'an effect is in flight');
    if (a.type === 'persist-promotion') {
      const epoch = Math.max(a.above.epoch, this.state.highest.epoch) + 1;
      return this.send({ type: 'persisted', highest: { epoch, leader: SELF } });
    }
    if (a.type === 'persist-seen') return this.send({ type: 'persisted', highest: a.claim });
    if (a.type === 'survey') return this.send({ type: 'surveyed', highest: NO_CLAIM, unheard: [] });
    if (a.type === 'acquire-lease') return this.send({ type: 'leased', by: undefined });
    if (a.type === 'take-lease') {
      const claim = { epoch: Math.max(a.above.epoch, this.state.highest.epoch) + 1, leader: SELF };
      return this.send({ type: 'lease-taken', before: a.above, claim });
    }
    return this.send({ type: 'done', effect: a.type });
  }

  /** Completes effects until none is asked for; returns the kinds completed. */
  settle(): string[] {
    const seen: string[] = [];
    for (let i = 0; i < 20 && this.asked; i++) {
      const a = this.asked;
      seen.push(a.type === 'pipeline' ? `pipeline ${a.mode}` : a.type);
      this.complete();
    }
    assert.equal(this.asked, undefined, 'settled');
    return seen;
  }
}

const lead: Event = { type: 'wanted', wanted: { kind: 'lead', status: undefined } };
const follow: Event = { type: 'wanted', wanted: { kind: 'follow' } };

describe('leadership step', () => {
  it('takes over in order: persist, survey, catch up, write, replicate; SERVING after a good pass', () => {
    const d = new Driver();
    d.send(lead);
    assert.deepEqual(d.settle(), [
      'persist-promotion',
      'survey',
      'catch-up',
      'pipeline active',
      'replicator',
    ]);
    assert.equal(d.state.role, 'leader');
    assert.deepEqual(d.state.claim, { epoch: 1, leader: SELF });
    assert.equal(d.state.mayWrite, true);
    assert.equal(frontOf(d.state).leader, false, 'not SERVING before a pass succeeds');
    d.send({ type: 'pass', ok: true });
    assert.deepEqual(frontOf(d.state), {
      handler: 'leader',
      claim: { epoch: 1, leader: SELF },
      federation: true,
      leader: true,
    });
  });

  it('may not write before its epoch is persisted and surveyed', () => {
    const d = new Driver();
    d.send(lead);
    assert.equal(d.asked?.type, 'persist-promotion');
    assert.equal(d.state.mayWrite, false);
    d.complete();
    assert.equal(d.asked?.type, 'survey');
    assert.equal(d.state.mayWrite, false);
  });

  for (const source of ['controller', 'peer', 'refusal'] as const) {
    it(`fences at once on a higher epoch from the ${source}, then settles read-only`, () => {
      const d = new Driver();
      d.send(lead);
      d.settle();
      d.send({ type: 'pass', ok: true });
      const by: EpochClaim | undefined =
        source === 'controller' ? undefined : { epoch: 5, leader: 'cluster3' };
      const effects = d.send({ type: 'higher-epoch', by, source });
      assert.equal(d.state.mayWrite, false, 'no write permission in the same step');
      assert.ok(effects.some((x) => x.type === 'log' && x.msg.startsWith('fenced:')));
      assert.deepEqual(frontOf(d.state), {
        handler: 'fenced',
        claim: { epoch: 1, leader: SELF },
        federation: false,
        leader: false,
      });
      const rest = d.settle();
      assert.deepEqual(rest, ['replicator', 'pipeline standby', ...(by ? ['persist-seen'] : [])]);
      assert.equal(d.state.role, 'fenced');
      if (by) assert.deepEqual(d.state.highest, by);
    });
  }

  it('ignores an equal or lower epoch', () => {
    const d = new Driver();
    d.send(lead);
    d.settle();
    d.send({ type: 'higher-epoch', by: { epoch: 1, leader: 'cluster1' }, source: 'peer' });
    assert.equal(d.state.mayWrite, true, 'cluster1 < cluster2 at the same epoch');
  });

  it('a fence learnt while the pipeline is being activated stops the take-over', () => {
    const d = new Driver();
    d.send(lead);
    d.complete();
    d.complete();
    d.complete();
    assert.equal(d.asked?.type, 'pipeline');
    assert.equal(d.state.mayWrite, true);
    d.send({ type: 'higher-epoch', by: { epoch: 2, leader: 'cluster3' }, source: 'peer' });
    assert.equal(d.state.mayWrite, false);
    assert.deepEqual(d.settle(), ['pipeline active', 'pipeline standby', 'persist-seen']);
    assert.equal(d.state.replicating, false, 'never replicated');
  });

  it('resumes its persisted epoch after a restart while leading', () => {
    const claim = { epoch: 4, leader: SELF };
    const d = new Driver(initialState(SELF, 'hot', claim));
    d.send({ type: 'wanted', wanted: { kind: 'lead', status: { role: 'leader' } } });
    assert.deepEqual(d.settle(), ['survey', 'catch-up', 'pipeline active', 'replicator']);
    assert.deepEqual(d.state.claim, claim);
  });

  it('stays fenced after a restart that finds itself fenced', () => {
    const d = new Driver(initialState(SELF, 'cold', { epoch: 4, leader: 'cluster3' }));
    d.send({
      type: 'wanted',
      wanted: {
        kind: 'lead',
        status: { role: 'fenced', message: 'fenced by cluster3 at epoch 4' },
      },
    });
    assert.deepEqual(d.settle(), []);
    assert.equal(d.state.role, 'fenced');
    assert.equal(frontOf(d.state).handler, 'fenced');
  });

  it('promotes above a higher epoch a member reports, when it was promoted', () => {
    const d = new Driver();
    d.send(lead);
    d.complete();
    d.send({ type: 'surveyed', highest: { epoch: 7, leader: 'cluster1' }, unheard: [] });
    assert.equal(d.asked?.type, 'persist-promotion');
    d.complete();
    assert.deepEqual(d.state.claim, { epoch: 8, leader: SELF });
  });

  it('promotes above a claim tied at its own epoch that a member reports, when it was promoted', () => {
    // The controller's epoch marker cannot tell two claims of one epoch apart: a promotion that
    // hears of one goes above it, even when its cluster name would win the tie.
    const d = new Driver();
    d.send(lead);
    d.complete();
    assert.deepEqual(d.state.claim, { epoch: 1, leader: SELF });
    d.send({ type: 'surveyed', highest: { epoch: 1, leader: 'cluster0' }, unheard: [] });
    assert.equal(d.asked?.type, 'persist-promotion');
    assert.equal(d.state.mayWrite, false);
    d.complete();
    assert.deepEqual(d.state.claim, { epoch: 2, leader: SELF });
    assert.deepEqual(d.settle(), ['survey', 'catch-up', 'pipeline active', 'replicator']);
  });

  it('promotes above a tied claim of a member that leads, even one fenced by us', () => {
    // A fenced leader answers with the claim that fenced it: its own is in `leaders`.
    const d = new Driver();
    d.send(lead);
    d.complete();
    const own = { epoch: 1, leader: SELF };
    d.send({ type: 'surveyed', highest: own, unheard: [], leaders: [{ epoch: 1, leader: 'c0' }] });
    assert.equal(d.asked?.type, 'persist-promotion');
    d.complete();
    assert.deepEqual(d.state.claim, { epoch: 2, leader: SELF });
  });

  it('forgets an interrupted take-over once it follows: leading again promotes anew', () => {
    const d = new Driver();
    d.send(lead);
    d.complete();
    d.send({ type: 'failed', effect: 'survey', error: 'timeout' });
    d.send(follow);
    d.send({ type: 'retry' });
    d.settle();
    assert.equal(d.state.role, 'follower');
    // Following, its store takes a winning claim the step never hears of; then it is promoted.
    d.send(lead);
    assert.deepEqual(d.settle().slice(0, 2), ['follower', 'persist-promotion']);
  });

  it('goes above a tied claim after resuming an interrupted promotion', () => {
    const d = new Driver();
    d.send(lead);
    d.complete();
    d.send({ type: 'failed', effect: 'survey', error: 'timeout' });
    d.send({ type: 'retry' });
    assert.equal(d.state.promoted, false, 'resumed');
    d.send({ type: 'surveyed', highest: { epoch: 1, leader: 'c0' }, unheard: [] });
    assert.equal(d.asked?.type, 'persist-promotion');
  });

  it('goes above a tie it would win after resuming its epoch, and is fenced by one it loses', () => {
    const claim = { epoch: 4, leader: SELF };
    const resumed = {
      type: 'wanted',
      wanted: { kind: 'lead', status: { role: 'leader' } },
    } as const;
    const wins = new Driver(initialState(SELF, 'hot', claim));
    wins.send(resumed);
    wins.send({
      type: 'surveyed',
      highest: claim,
      unheard: [],
      leaders: [{ epoch: 4, leader: 'c0' }],
    });
    assert.equal(wins.asked?.type, 'persist-promotion');
    // The epoch it now takes is a promotion's: its catch-up goes by the recorded position.
    wins.send({ type: 'persisted', highest: { epoch: 5, leader: SELF } });
    wins.complete();
    assert.deepEqual(wins.asked, { type: 'catch-up', promoted: true });
    const loses = new Driver(initialState(SELF, 'hot', claim));
    loses.send(resumed);
    loses.send({ type: 'surveyed', highest: { epoch: 4, leader: 'cluster9' }, unheard: [] });
    assert.equal(loses.state.role, 'fenced');
  });

  it('tells the catch-up whether the take-over promoted (a resumed leader holds its source)', () => {
    const promoted = new Driver();
    promoted.send(lead);
    promoted.complete();
    promoted.complete();
    assert.deepEqual(promoted.asked, { type: 'catch-up', promoted: true });
    const claim = { epoch: 4, leader: SELF };
    const resumed = new Driver(initialState(SELF, 'hot', claim));
    resumed.send({ type: 'wanted', wanted: { kind: 'lead', status: { role: 'leader' } } });
    resumed.complete();
    assert.deepEqual(resumed.asked, { type: 'catch-up', promoted: false });
    // A promotion interrupted before its catch-up resumes as the promotion it was.
    promoted.send({ type: 'failed', effect: 'catch-up', error: 'fetch failed' });
    promoted.send({ type: 'retry' });
    promoted.complete();
    assert.deepEqual(promoted.asked, { type: 'catch-up', promoted: true });
  });

  it('is fenced by a higher epoch a member reports when it resumed', () => {
    const claim = { epoch: 4, leader: SELF };
    const d = new Driver(initialState(SELF, 'hot', claim));
    d.send({ type: 'wanted', wanted: { kind: 'lead', status: { role: 'leader' } } });
    d.send({ type: 'surveyed', highest: { epoch: 5, leader: 'cluster3' }, unheard: [] });
    assert.equal(d.state.role, 'fenced');
    assert.deepEqual(d.settle(), ['pipeline standby', 'persist-seen']);
  });

  it('retries a failed take-over and resumes the claim it persisted', () => {
    const d = new Driver();
    d.send(lead);
    d.complete();
    const effects = d.send({ type: 'failed', effect: 'survey', error: 'timeout' });
    assert.ok(effects.some((e) => e.type === 'retry-after'));
    assert.equal(d.state.role, 'none');
    assert.equal(d.asked, undefined, 'nothing until the timer');
    d.send({ type: 'retry' });
    assert.deepEqual(d.settle(), ['survey', 'catch-up', 'pipeline active', 'replicator']);
    assert.deepEqual(d.state.claim, { epoch: 1, leader: SELF }, 'no second promotion');
  });

  it('waits longer after each failure in a row, and starts again after a success', () => {
    const d = new Driver();
    d.send(lead);
    d.complete();
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const effects = d.send({ type: 'failed', effect: 'survey', error: 'timeout' });
      const retry = effects.find((e) => e.type === 'retry-after');
      waits.push(retry?.type === 'retry-after' ? retry.ms : -1);
      d.send({ type: 'retry' });
    }
    assert.deepEqual(waits, [2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    assert.equal(d.asked?.type, 'survey');
    d.complete();
    assert.equal(d.state.failures, 0, 'a survey that answered ends the run of failures');
    const next = d.send({ type: 'failed', effect: 'catch-up', error: 'unreachable' });
    assert.deepEqual(
      next.filter((e) => e.type === 'retry-after'),
      [{ type: 'retry-after', ms: 2_000 }],
    );
  });

  it('demotes: replication off, the fence forgotten, then follows with a read-only pipeline', () => {
    const d = new Driver();
    d.send(lead);
    d.settle();
    d.send({ type: 'higher-epoch', by: { epoch: 3, leader: 'cluster1' }, source: 'refusal' });
    d.settle();
    d.send(follow);
    assert.deepEqual(d.settle(), ['follower']);
    assert.equal(d.state.role, 'follower');
    assert.equal(d.state.fence, undefined);
    assert.deepEqual(frontOf(d.state).handler, 'follower');
  });

  it('follows: hot standby starts the pipeline read-only first, cold does not', () => {
    const hot = new Driver();
    hot.send(follow);
    assert.deepEqual(hot.settle(), ['pipeline standby', 'follower']);
    const cold = new Driver(initialState(SELF, 'cold', NO_CLAIM));
    cold.send(follow);
    assert.deepEqual(cold.settle(), ['follower']);
  });

  it('clears epoch unverified member by member', () => {
    const d = new Driver();
    d.send(lead);
    d.complete();
    d.send({ type: 'surveyed', highest: NO_CLAIM, unheard: ['cluster1', 'cluster3'] });
    d.settle();
    d.send({ type: 'heard', members: ['cluster3'] });
    assert.deepEqual(d.state.unheard, ['cluster1']);
    d.send({ type: 'heard', members: ['cluster1'] });
    assert.deepEqual(d.state.unheard, []);
  });

  it('holds its invariants over any sequence of events and answers (property)', () => {
    const claimArb = fc.record({
      epoch: fc.integer({ min: 0, max: 6 }),
      leader: fc.constantFrom('cluster1', 'cluster2', 'cluster3'),
    });
    const eventArb: fc.Arbitrary<Event | 'answer' | 'fail' | { superseded: EpochClaim }> = fc.oneof(
      fc.constant<'answer'>('answer'),
      fc.constant<'answer'>('answer'),
      fc.constant<'fail'>('fail'),
      claimArb.map((c) => ({ superseded: c })),
      fc.constantFrom<Event>(
        { type: 'auto-failover', enabled: true },
        { type: 'auto-failover', enabled: true },
        { type: 'auto-failover', enabled: false },
        { type: 'lease-held' },
        { type: 'lease-lapsed', reason: 'not renewed' },
        lead,
        follow,
        { type: 'wanted', wanted: { kind: 'none' } },
        { type: 'wanted', wanted: { kind: 'lead', status: { role: 'leader' } } },
        { type: 'wanted', wanted: { kind: 'lead', status: { role: 'fenced' } } },
        { type: 'retry' },
        { type: 'pass', ok: true },
        { type: 'pass', ok: false },
        { type: 'heard', members: ['cluster1'] },
        { type: 'higher-epoch', by: undefined, source: 'controller' },
        { type: 'endpoints' },
      ),
      claimArb.map<Event>((by) => ({ type: 'higher-epoch', by, source: 'peer' })),
      claimArb.map<Event>((by) => ({ type: 'higher-epoch', by, source: 'lease' })),
      claimArb.map<Event>((lease) => ({ type: 'lease-vacant', lease })),
    );
    fc.assert(
      fc.property(claimArb, fc.array(eventArb, { maxLength: 60 }), (start, events) => {
        const d = new Driver(initialState(SELF, 'hot', start));
        /** Claims this process held when it learnt of a higher one: never written at again. */
        const superseded: EpochClaim[] = [];
        for (const e of events) {
          const asked = d.asked;
          if (e === 'answer') {
            if (asked) d.complete();
          } else if (e === 'fail') {
            if (asked) d.send({ type: 'failed', effect: asked.type, error: 'injected' });
          } else if ('superseded' in e) {
            // The lease answers that another claim holds it.
            if (asked?.type === 'acquire-lease') d.send({ type: 'leased', by: e.superseded });
            if (asked?.type === 'take-lease') d.send({ type: 'lease-lost', holder: e.superseded });
          } else {
            d.send(e);
          }
          const { claim, learnt, mayWrite } = d.state;
          if (claim && supersedes(learnt, claim)) superseded.push(claim);
          if (mayWrite && claim) {
            assert.ok(
              !superseded.some((c) => c.epoch === claim.epoch && c.leader === claim.leader),
              `writes again at ${JSON.stringify(claim)} after learning of a higher claim`,
            );
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('leadership step: the failover lease (autoFailover)', () => {
  const auto: Event = { type: 'auto-failover', enabled: true };
  const held: Event = { type: 'lease-held' };
  const lapsed: Event = { type: 'lease-lapsed', reason: 'the lease was not renewed for 2 s' };

  function leading(): Driver {
    const d = new Driver();
    d.send(auto);
    d.send(lead);
    return d;
  }

  it('changes nothing with autoFailover off: no lease effect, lease events ignored', () => {
    const d = new Driver();
    d.send(lead);
    assert.ok(!d.settle().includes('acquire-lease'));
    d.send(lapsed);
    assert.equal(d.state.role, 'leader');
    assert.equal(d.state.mayWrite, true);
    d.send({ type: 'lease-vacant', lease: { epoch: 1, leader: 'cluster1' } });
    assert.equal(d.state.vacant, undefined);
  });

  it('acquires the lease after catching up and before the first write (pipeline read-only first)', () => {
    const d = leading();
    const seen = d.settle();
    const at = (k: string): number => seen.indexOf(k);
    assert.ok(at('catch-up') < at('pipeline standby'), seen.join());
    assert.ok(at('pipeline standby') < at('acquire-lease'), seen.join());
    assert.ok(at('acquire-lease') < at('pipeline active'), seen.join());
    assert.equal(d.state.role, 'leader');
    assert.equal(d.state.lease, 'held');
  });

  it('is fenced, writes nothing and demotes itself when the lease is held at a higher epoch', () => {
    const d = leading();
    for (let i = 0; i < 20 && d.asked?.type !== 'acquire-lease'; i++) d.complete();
    const by = { epoch: 2, leader: 'cluster3' };
    d.send({ type: 'leased', by });
    assert.equal(d.state.role, 'fenced');
    assert.equal(d.state.mayWrite, false);
    const seen = d.settle();
    assert.ok(seen.includes('set-leader'), seen.join());
    assert.deepEqual(d.state.selfSet, { isLeader: false, sent: true });
    d.send(follow);
    assert.equal(d.state.selfSet, undefined);
    d.settle();
    assert.equal(d.state.role, 'follower');
  });

  it('self-fences when the lease lapses and writes again once it is renewed', () => {
    const d = leading();
    d.settle();
    d.send(lapsed);
    assert.equal(d.state.role, 'fenced');
    assert.equal(d.state.mayWrite, false);
    assert.equal(d.state.fence?.lapsed, true);
    assert.equal(frontOf(d.state).leader, false);
    const off = d.settle();
    assert.ok(off.includes('replicator'), off.join());
    assert.ok(!off.includes('set-leader'), 'a lapsed lease does not demote');
    d.send(held);
    assert.equal(d.state.role, 'promoting');
    const again = d.settle();
    assert.deepEqual(again, ['pipeline active', 'replicator']);
    assert.equal(d.state.role, 'leader');
    assert.equal(d.state.mayWrite, true);
  });

  it('a lapsed-lease fence becomes a real fence only on a claim above its own', () => {
    const d = leading();
    d.settle();
    d.send(lapsed);
    d.send({ type: 'higher-epoch', by: { epoch: 0, leader: 'cluster1' }, source: 'peer' });
    assert.equal(d.state.fence?.lapsed, true);
    d.send({ type: 'higher-epoch', by: { epoch: 5, leader: 'cluster1' }, source: 'lease' });
    assert.equal(d.state.fence?.lapsed, undefined);
    d.send(held);
    assert.equal(d.state.role, 'fenced', 'a renewal no longer lifts it');
  });

  it('a follower takes a vacant lease, then sets isLeader true; a loser stays a follower', () => {
    const d = new Driver();
    d.send(auto);
    d.send(follow);
    d.settle();
    const old = { epoch: 3, leader: 'cluster1' };
    d.send({ type: 'lease-vacant', lease: old });
    assert.equal(d.asked?.type, 'take-lease');
    d.send({ type: 'lease-lost', holder: { epoch: 4, leader: 'cluster3' } });
    assert.equal(d.state.role, 'follower');
    assert.equal(d.asked, undefined);
    d.send({ type: 'lease-vacant', lease: old });
    const seen = d.settle();
    assert.deepEqual(seen, ['take-lease', 'set-leader']);
    assert.deepEqual(d.state.taken, { epoch: 4, leader: SELF }, 'the lease it holds meanwhile');
    d.send(lead);
    d.settle();
    assert.equal(d.state.role, 'leader');
    assert.ok((d.state.claim?.epoch ?? 0) > old.epoch, 'leads above the lease it took');
    d.send(held);
    assert.equal(d.state.taken, undefined, 'renewed at its own claim: the taken one is done');
  });
});
