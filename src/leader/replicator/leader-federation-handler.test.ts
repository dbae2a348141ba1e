import assert from 'node:assert/strict';
import { silentLogger } from '../../shared/telemetry/logger.js';
import { LeaderFederationHandler } from './leader-federation-handler.js';

const membership = () => ({ self: 'c2', clusters: ['c1', 'c2', 'c3'], version: 'v1' });
const peer = { verified: true, names: ['c3'] };
const log = silentLogger();

describe('the take-over and fenced Federation handler: GetState', () => {
  it('reports the highest claim seen while its own claim is not persisted yet', async () => {
    const h = new LeaderFederationHandler({
      claim: { epoch: 0, leader: 'c2' },
      membership,
      fencedBy: () => undefined,
      position: () => ({ logId: '', revision: 0 }),
      highest: () => ({ epoch: 4, leader: 'c1' }),
      onFenced: () => undefined,
      log,
    });
    const s = await h.getState(peer);
    assert.equal(s.highest_epoch, '4');
    assert.equal(s.highest_epoch_leader, 'c1');
    assert.equal(s.role, 'leader');
  });

  it('reports the recorded position, with its epoch, when it has no log of its own', async () => {
    const h = new LeaderFederationHandler({
      claim: { epoch: 5, leader: 'c2' },
      membership,
      fencedBy: () => ({ epoch: 6, leader: 'c3' }),
      position: () => ({ logId: '3.c2.writing', revision: 0, epoch: 5 }),
      onFenced: () => undefined,
      log,
    });
    const s = await h.getState(peer);
    assert.equal(s.applied_log_id, '3.c2.writing');
    assert.equal(s.applied_epoch, '5');
    assert.equal(s.highest_epoch, '6');
    assert.equal(s.role, 'fenced');
  });

  it('tells who asked, when a member identified by its certificate asks, and nobody else', async () => {
    const asked: string[] = [];
    const h = new LeaderFederationHandler({
      claim: { epoch: 5, leader: 'c2' },
      membership,
      fencedBy: () => undefined,
      position: () => ({ logId: '1.c2.a', revision: 3 }),
      onFenced: () => undefined,
      onMemberAsked: (c) => asked.push(c),
      log,
    });
    await h.getState(peer);
    await assert.rejects(h.getState({ verified: true, names: ['c9'] }), /not a member/);
    await h.getState({ verified: false });
    assert.deepEqual(asked, ['c3']);
  });
});
