import assert from 'node:assert/strict';
import { Metadata, status as Status } from '@grpc/grpc-js';
import { OperatorError } from '../errors.js';
import { peerFailure, refusalStatus, toStatus } from './grpc-status.js';

describe('gRPC status mapping', () => {
  it('answers each federation error with its status', () => {
    const cases: [OperatorError, Status][] = [
      [new OperatorError('PEER_NOT_MEMBER', 'never', 'x'), Status.PERMISSION_DENIED],
      [new OperatorError('FEDERATION_BAD_MESSAGE', 'never', 'x'), Status.INVALID_ARGUMENT],
      [new OperatorError('EPOCH_STALE', 'never', 'x'), Status.FAILED_PRECONDITION],
      [new OperatorError('KUBE_UNAVAILABLE', 'backoff', 'x'), Status.UNAVAILABLE],
      [new OperatorError('AVI_AUTH', 'slow', 'x'), Status.INTERNAL],
    ];
    for (const [err, code] of cases) assert.equal(toStatus(err).code, code, err.code);
    assert.equal(toStatus(new Error('boom')).code, Status.INTERNAL);
    assert.equal(toStatus(new Error('boom')).details, 'boom');
  });

  it('reads a stale-epoch refusal back as EPOCH_STALE naming the current leader', () => {
    const s = refusalStatus('stale-epoch', 'stale', { epoch: 7, leader: 'cluster2' });
    const f = peerFailure(s, 'cluster3');
    assert.equal(f.status, Status.FAILED_PRECONDITION);
    assert.equal(f.error.code, 'EPOCH_STALE');
    assert.equal(f.error.retry, 'never');
    assert.equal(f.refusal, 'stale-epoch');
    assert.deepEqual(f.claim, { epoch: 7, leader: 'cluster2' });
    assert.match(f.error.message, /^cluster3: FAILED_PRECONDITION: stale$/);
  });

  it('classifies other statuses by code alone', () => {
    const md = new Metadata();
    assert.equal(
      peerFailure({ code: Status.UNAVAILABLE, details: '', metadata: md }, 'p').error.retry,
      'backoff',
    );
    assert.equal(
      peerFailure({ code: Status.PERMISSION_DENIED, details: '' }, 'p').error.code,
      'PEER_REJECTED',
    );
    const plain = peerFailure({ code: Status.FAILED_PRECONDITION, details: 'version' }, 'p');
    assert.equal(plain.refusal, undefined);
    assert.equal(plain.claim, undefined);
    assert.equal(plain.error.retry, 'slow');
    const gap = peerFailure(refusalStatus('revision-gap', 'gap'), 'p');
    assert.equal(gap.error.code, 'PEER_UNAVAILABLE');
    assert.equal(gap.claim, undefined);
  });
});
