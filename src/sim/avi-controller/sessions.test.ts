import assert from 'node:assert/strict';
import { ManualClock } from '../../shared/kube/manual-clock.js';
import { Sessions } from './sessions.js';

describe('Sessions', function () {
  let clock: ManualClock;
  let sessions: Sessions;

  beforeEach(function () {
    clock = new ManualClock();
    sessions = new Sessions({ clock, idleMs: 1_000 });
    sessions.setUser({ username: 'amko', password: 's3cret', token: 'tok' });
  });

  it('accepts the password or the API token, nothing else', function () {
    assert.equal(sessions.authenticate('amko', { password: 's3cret' })?.username, 'amko');
    assert.equal(sessions.authenticate('amko', { token: 'tok' })?.username, 'amko');
    assert.equal(sessions.authenticate('amko', { password: 'tok' }), undefined);
    assert.equal(sessions.authenticate('other', { password: 's3cret' }), undefined);
    assert.equal(sessions.authenticate(undefined, {}), undefined);
  });

  it('expires a session after the idle time, and keeps a used one alive', function () {
    const s = sessions.create('amko');
    assert.notEqual(s.id, s.csrf);
    clock.advance(900);
    assert.equal(sessions.lookup(s.id).state, 'valid');
    clock.advance(900);
    assert.equal(sessions.lookup(s.id).state, 'valid', 'the lookup at 900 ms refreshed it');
    clock.advance(1_001);
    assert.deepEqual(sessions.lookup(s.id), { state: 'expired', username: 'amko' });
    assert.equal(sessions.lookup('nope').state, 'unknown');
    assert.equal(sessions.lookup(undefined).state, 'unknown');
  });

  it('expires all sessions on demand and counts the live ones', function () {
    sessions.create('amko');
    sessions.create('amko');
    assert.equal(sessions.liveCount(), 2);
    assert.equal(sessions.expireAll(), 2);
    assert.equal(sessions.liveCount(), 0);
  });

  it('rejects the next N logins and follows password changes', function () {
    sessions.rejectNextLogins(1);
    assert.equal(sessions.authenticate('amko', { password: 's3cret' }), undefined);
    assert.ok(sessions.authenticate('amko', { password: 's3cret' }));
    assert.equal(sessions.setPassword('amko', 'new'), true);
    assert.equal(sessions.setPassword('ghost', 'new'), false);
    assert.equal(sessions.authenticate('amko', { password: 's3cret' }), undefined);
    assert.ok(sessions.authenticate('amko', { password: 'new' }));
  });
});
