import assert from 'node:assert/strict';
import { ManualClock } from '../shared/kube/manual-clock.js';
import { waitUntil } from '../shared/kube/wait-until.js';
import { LeaderContact } from './leader-contact.js';

describe('LeaderContact', () => {
  let clock: ManualClock;
  let changes: number;
  let contact: LeaderContact;
  const start = 1_000_000;

  beforeEach(() => {
    clock = new ManualClock(start);
    changes = 0;
    contact = new LeaderContact({
      clock,
      timeoutMs: 3_000,
      refreshMs: 1_000,
      onChange: () => {
        changes++;
      },
    });
    contact.start();
  });

  afterEach(() => {
    contact.stop();
  });

  /** Waits until the watch sleeps on the clock, then moves the clock by `ms`. */
  async function advanceWhenAsleep(ms: number): Promise<void> {
    await waitUntil(() => clock.pending > 0, 'the watch waiting on the clock');
    clock.advance(ms);
  }

  it('waits for a first leader, then turns lost when none came within the timeout', async () => {
    assert.equal(contact.view().state, 'awaiting');
    await advanceWhenAsleep(2_999);
    await waitUntil(() => clock.pending > 0, 'the watch sleeping the remainder');
    assert.equal(contact.view().state, 'awaiting');
    clock.advance(1);
    await waitUntil(() => contact.view().state === 'lost', 'lost after the timeout');
    assert.equal(changes, 1);
    assert.deepEqual(contact.view(), {
      state: 'lost',
      leader: undefined,
      lastContact: undefined,
      since: start,
      timeoutMs: 3_000,
    });
  });

  it('publishes a contact at once, then only when it is refreshMs newer', () => {
    contact.heard('cluster1');
    assert.equal(changes, 1);
    assert.deepEqual(contact.view(), {
      state: 'reachable',
      leader: 'cluster1',
      lastContact: start,
      since: start,
      timeoutMs: 3_000,
    });
    clock.advance(400);
    contact.heard('cluster1');
    clock.advance(500);
    contact.heard('cluster1');
    assert.equal(changes, 1, 'messages within refreshMs ask for no status write');
    assert.equal(contact.view().lastContact, start);
    clock.advance(100);
    contact.heard('cluster1');
    assert.equal(changes, 2);
    assert.equal(contact.view().lastContact, start + 1_000);
  });

  it('publishes a new leader at once', () => {
    contact.heard('cluster1');
    clock.advance(10);
    contact.heard('cluster2');
    assert.equal(changes, 2);
    assert.equal(contact.view().leader, 'cluster2');
  });

  it('turns lost timeoutMs after the last contact, showing that contact, and back when heard', async () => {
    contact.heard('cluster1');
    await advanceWhenAsleep(500);
    contact.heard('cluster1'); // within refreshMs: not published, but the timeout restarts
    assert.equal(changes, 1);
    clock.advance(2_500);
    await waitUntil(() => clock.pending > 0, 'the watch sleeping the remainder');
    assert.equal(contact.view().state, 'reachable', 'the timeout counts from the last contact');
    clock.advance(500);
    await waitUntil(() => contact.view().state === 'lost', 'lost');
    assert.equal(contact.view().lastContact, start + 500, 'the last contact, not the published');
    assert.equal(changes, 2);
    clock.advance(60_000);
    contact.heard('cluster1');
    assert.equal(contact.view().state, 'reachable');
    assert.equal(contact.view().lastContact, start + 63_500);
    assert.equal(changes, 3);
    await advanceWhenAsleep(3_000);
    await waitUntil(() => contact.view().state === 'lost', 'lost again');
    assert.equal(changes, 4);
  });

  it('reports nothing more once stopped', async () => {
    contact.heard('cluster1');
    contact.stop();
    clock.advance(10_000);
    await new Promise<void>((resolve) => setImmediate(resolve));
    contact.heard('cluster2');
    assert.equal(changes, 1);
    assert.equal(contact.view().state, 'reachable');
  });
});
