import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { REFUSAL_METADATA } from '../shared/federation/federation-names.js';
import type { Hello__Output } from '../shared/federation/gen/amko/federation/v1/Hello.js';
import type { Membership } from '../shared/federation/membership.js';
import { admitHello } from './admission.js';

const membership: Membership = {
  self: 'cluster2',
  clusters: ['cluster1', 'cluster2', 'cluster3'],
  version: '1.13.1',
};
const cert = (...names: string[]): { verified: true; names: string[] } => ({
  verified: true,
  names,
});
const hello = (over: Partial<Hello__Output> = {}): Hello__Output => ({
  cluster: 'cluster1',
  epoch: '3',
  version: '1.13.1',
  log_id: 'log-a',
  ...over,
});

function refusedWith(d: ReturnType<typeof admitHello>, code: Status): string {
  assert.equal(d.ok, false);
  if (d.ok) throw new Error('unreachable');
  assert.equal(d.status.code, code, d.status.details);
  return d.status.details;
}

describe('follower admission', () => {
  const highest = { epoch: 3, leader: 'cluster1' };

  it('admits a listed leader at the current epoch or above', () => {
    assert.deepEqual(admitHello({ hello: hello(), peer: cert('cluster1'), membership, highest }), {
      ok: true,
      claim: { epoch: 3, leader: 'cluster1' },
      logId: 'log-a',
    });
    const up = admitHello({
      hello: hello({ cluster: 'cluster3', epoch: '4' }),
      peer: cert('cluster3'),
      membership,
      highest,
    });
    assert.deepEqual(up.ok && up.claim, { epoch: 4, leader: 'cluster3' });
  });

  it('refuses a peer whose certificate names no member, or only this cluster', () => {
    const details = refusedWith(
      admitHello({ hello: hello(), peer: cert('intruder'), membership, highest }),
      Status.PERMISSION_DENIED,
    );
    assert.match(details, /certificate names intruder: not a member/);
    refusedWith(
      admitHello({
        hello: hello({ cluster: 'cluster2' }),
        peer: cert('cluster2'),
        membership,
        highest,
      }),
      Status.PERMISSION_DENIED,
    );
  });

  it('refuses a hello that names another cluster than the certificate', () => {
    const details = refusedWith(
      admitHello({
        hello: hello({ cluster: 'cluster3' }),
        peer: cert('cluster1'),
        membership,
        highest,
      }),
      Status.PERMISSION_DENIED,
    );
    assert.match(details, /hello names cluster3 but the certificate names cluster1/);
  });

  it('refuses a stale epoch naming the current leader and epoch in metadata', () => {
    const d = admitHello({
      hello: hello({ cluster: 'cluster3', epoch: '2' }),
      peer: cert('cluster3'),
      membership,
      highest,
    });
    const details = refusedWith(d, Status.FAILED_PRECONDITION);
    assert.equal(details, 'stale epoch 2 from cluster3: cluster1 leads at epoch 3');
    if (d.ok) throw new Error('unreachable');
    assert.deepEqual(d.status.metadata.get(REFUSAL_METADATA.reason), ['stale-epoch']);
    assert.deepEqual(d.status.metadata.get(REFUSAL_METADATA.epoch), ['3']);
    assert.deepEqual(d.status.metadata.get(REFUSAL_METADATA.leader), ['cluster1']);
  });

  it('refuses the lower name at an equal epoch', () => {
    const high = { epoch: 3, leader: 'cluster3' };
    refusedWith(
      admitHello({ hello: hello(), peer: cert('cluster1'), membership, highest: high }),
      Status.FAILED_PRECONDITION,
    );
  });

  it('refuses a version mismatch in AMKO words', () => {
    const details = refusedWith(
      admitHello({
        hello: hello({ version: '1.12.0' }),
        peer: cert('cluster1'),
        membership,
        highest,
      }),
      Status.FAILED_PRECONDITION,
    );
    assert.equal(
      details,
      'version mismatch, current AMKO: 1.13.1, AMKO in cluster cluster1: 1.12.0',
    );
  });

  it('refuses a missing hello or a bad epoch as invalid', () => {
    refusedWith(
      admitHello({ hello: undefined, peer: cert('cluster1'), membership, highest }),
      Status.INVALID_ARGUMENT,
    );
    refusedWith(
      admitHello({ hello: hello({ epoch: '0' }), peer: cert('cluster1'), membership, highest }),
      Status.INVALID_ARGUMENT,
    );
  });

  it('takes a plaintext peer at its word', () => {
    const d = admitHello({ hello: hello(), peer: { verified: false }, membership, highest });
    assert.equal(d.ok, true);
  });
});
