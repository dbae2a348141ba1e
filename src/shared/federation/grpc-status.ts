/**
 * The one table between operator errors and gRPC statuses, both ways, plus the structured
 * refusal a follower sends (status + trailing metadata) and its reading on the leader side.
 * Nothing else in the federation code looks at status codes or message texts.
 */
import { Metadata, status as Status, type StatusObject } from '@grpc/grpc-js';
import { messageOf, OperatorError, type ErrorCode, type Retry } from '../errors.js';
import type { EpochClaim } from './epoch-rules.js';
import { REFUSAL_METADATA, type RefusalReason } from './federation-names.js';

/** How the server answers an error with each code; codes not listed answer INTERNAL. */
const STATUS_OF_CODE: Readonly<Partial<Record<ErrorCode, Status>>> = Object.freeze({
  PEER_NOT_MEMBER: Status.PERMISSION_DENIED,
  EPOCH_STALE: Status.FAILED_PRECONDITION,
  PEER_REJECTED: Status.FAILED_PRECONDITION,
  FEDERATION_BAD_MESSAGE: Status.INVALID_ARGUMENT,
  PEER_UNAVAILABLE: Status.UNAVAILABLE,
  KUBE_UNAVAILABLE: Status.UNAVAILABLE,
  KUBE_CONFLICT: Status.ABORTED,
  KUBE_REJECTED: Status.INTERNAL,
});

/** How the client classifies a status that ended a call (refusal reasons refine some). */
const CODE_OF_STATUS: Readonly<Record<Status, { code: ErrorCode; retry: Retry }>> = Object.freeze({
  [Status.OK]: { code: 'PEER_UNAVAILABLE', retry: 'backoff' },
  [Status.CANCELLED]: { code: 'PEER_UNAVAILABLE', retry: 'backoff' },
  [Status.UNKNOWN]: { code: 'PEER_UNAVAILABLE', retry: 'backoff' },
  [Status.INVALID_ARGUMENT]: { code: 'PEER_REJECTED', retry: 'slow' },
  [Status.DEADLINE_EXCEEDED]: { code: 'PEER_UNAVAILABLE', retry: 'backoff' },
  [Status.NOT_FOUND]: { code: 'PEER_REJECTED', retry: 'slow' },
  [Status.ALREADY_EXISTS]: { code: 'PEER_REJECTED', retry: 'slow' },
  [Status.PERMISSION_DENIED]: { code: 'PEER_REJECTED', retry: 'slow' },
  [Status.RESOURCE_EXHAUSTED]: { code: 'PEER_UNAVAILABLE', retry: 'backoff' },
  [Status.FAILED_PRECONDITION]: { code: 'PEER_REJECTED', retry: 'slow' },
  [Status.ABORTED]: { code: 'PEER_UNAVAILABLE', retry: 'backoff' },
  [Status.OUT_OF_RANGE]: { code: 'PEER_UNAVAILABLE', retry: 'backoff' },
  [Status.UNIMPLEMENTED]: { code: 'PEER_REJECTED', retry: 'slow' },
  [Status.INTERNAL]: { code: 'PEER_UNAVAILABLE', retry: 'backoff' },
  [Status.UNAVAILABLE]: { code: 'PEER_UNAVAILABLE', retry: 'backoff' },
  [Status.DATA_LOSS]: { code: 'PEER_UNAVAILABLE', retry: 'backoff' },
  [Status.UNAUTHENTICATED]: { code: 'PEER_REJECTED', retry: 'slow' },
});

/** Refusal reasons that change the classification of FAILED_PRECONDITION. */
const CODE_OF_REFUSAL: Readonly<Record<RefusalReason, { code: ErrorCode; retry: Retry }>> =
  Object.freeze({
    'stale-epoch': { code: 'EPOCH_STALE', retry: 'never' },
    'is-leader': { code: 'PEER_REJECTED', retry: 'slow' },
    'version-mismatch': { code: 'PEER_REJECTED', retry: 'slow' },
    'revision-gap': { code: 'PEER_UNAVAILABLE', retry: 'backoff' },
  });

/** The status a server answers for any thrown value. */
export function toStatus(err: unknown): StatusObject {
  const code =
    err instanceof OperatorError ? (STATUS_OF_CODE[err.code] ?? Status.INTERNAL) : Status.INTERNAL;
  return { code, details: messageOf(err), metadata: new Metadata() };
}

/** A refusal: FAILED_PRECONDITION with the reason and the claim the refusing side knows of. */
export function refusalStatus(
  reason: RefusalReason,
  details: string,
  claim?: EpochClaim,
): StatusObject {
  const metadata = new Metadata();
  metadata.set(REFUSAL_METADATA.reason, reason);
  if (claim) {
    metadata.set(REFUSAL_METADATA.epoch, String(claim.epoch));
    metadata.set(REFUSAL_METADATA.leader, claim.leader);
  }
  return { code: Status.FAILED_PRECONDITION, details, metadata };
}

/** What a client learns from a status that ended a call. */
export interface PeerFailure {
  readonly status: Status;
  readonly error: OperatorError;
  readonly refusal?: RefusalReason;
  /** The claim the peer named in its refusal, when it named one. */
  readonly claim?: EpochClaim;
}

function metadataString(md: Metadata | undefined, key: string): string | undefined {
  const v = md?.get(key)[0];
  return typeof v === 'string' ? v : undefined;
}

function refusalOf(md: Metadata | undefined): RefusalReason | undefined {
  const r = metadataString(md, REFUSAL_METADATA.reason);
  return r !== undefined && r in CODE_OF_REFUSAL ? (r as RefusalReason) : undefined;
}

function claimOf(md: Metadata | undefined): EpochClaim | undefined {
  const epoch = Number(metadataString(md, REFUSAL_METADATA.epoch));
  const leader = metadataString(md, REFUSAL_METADATA.leader);
  return Number.isSafeInteger(epoch) && leader !== undefined ? { epoch, leader } : undefined;
}

/** Classifies the status that ended a call to `peer`. */
export function peerFailure(
  s: Pick<StatusObject, 'code' | 'details'> & { metadata?: Metadata | undefined },
  peer: string,
): PeerFailure {
  const refusal = s.code === Status.FAILED_PRECONDITION ? refusalOf(s.metadata) : undefined;
  const claim = refusal ? claimOf(s.metadata) : undefined;
  const cls = refusal
    ? CODE_OF_REFUSAL[refusal]
    : (CODE_OF_STATUS[s.code] ?? CODE_OF_STATUS[Status.UNKNOWN]);
  const error = new OperatorError(cls.code, cls.retry, `${peer}: ${Status[s.code]}: ${s.details}`);
  return {
    status: s.code,
    error,
    ...(refusal ? { refusal } : {}),
    ...(claim ? { claim } : {}),
  };
}
