/**
 * Positions in a leader's replication log, and how two of them compare. Pure.
 *
 * A log is what one leader process keeps from its start: its id is `<sequence>.<leader>.<uuid>`,
 * where the sequence is persisted in the leader's AMKOCluster status and raised at every start.
 * Two logs of one leader's epoch are kept one after the other (a leader restarted at its epoch),
 * and a later log starts from the leader's objects, which hold everything an earlier one carried:
 * so a position on a later log is ahead of any position on an earlier one. Two leaders at one
 * epoch are ordered as their claims are (by name). A log id without a sequence (a leader of an
 * older amko-ts) cannot be ordered against another log of its epoch.
 */

/** What a follower has applied: from which leader, epoch and log, up to which revision. */
export interface AppliedPosition {
  readonly leader: string;
  readonly epoch: number;
  readonly logId: string;
  readonly revision: number;
}

export const NO_POSITION: AppliedPosition = Object.freeze({
  leader: '',
  epoch: 0,
  logId: '',
  revision: 0,
});

/** The id of the `sequence`-th log `leader` starts: `<sequence>.<leader>.<uuid>`. */
export function newLogId(sequence: number, leader: string, uuid: string): string {
  return `${String(sequence)}.${leader}.${uuid.replaceAll('.', '-')}`;
}

/** The sequence and leader a log id carries, or undefined for an id that carries none. */
export function logOrigin(logId: string): { sequence: number; leader: string } | undefined {
  const m = /^(\d{1,15})\.(.+)\.[^.]+$/.exec(logId);
  return m ? { sequence: Number(m[1]), leader: m[2] ?? '' } : undefined;
}

/** Positions that may be compared (epoch, log and revision). */
export type LogPoint = Pick<AppliedPosition, 'epoch' | 'logId' | 'revision'>;

/**
 * How `a` stands against `b`: 1 ahead, -1 behind, 0 the same point, undefined when they cannot be
 * ordered (two logs of one epoch when either carries no sequence, or both the same one).
 */
export function comparePositions(a: LogPoint, b: LogPoint): -1 | 0 | 1 | undefined {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  if (a.logId === b.logId) return a.revision === b.revision ? 0 : a.revision > b.revision ? 1 : -1;
  if (a.logId === '' || b.logId === '') return a.logId === '' ? -1 : 1;
  const oa = logOrigin(a.logId);
  const ob = logOrigin(b.logId);
  if (!oa || !ob) return undefined;
  // Two leaders at one epoch: the claims' order (epoch-rules.ts) decides which one followers took.
  if (oa.leader !== ob.leader) return oa.leader > ob.leader ? 1 : -1;
  if (oa.sequence === ob.sequence) return undefined;
  return oa.sequence > ob.sequence ? 1 : -1;
}

/**
 * The higher of two positions; `a` when they cannot be ordered (two logs of one epoch of which
 * one carries no sequence): a position is never raised on a guess.
 */
export function higherPosition(a: AppliedPosition, b: AppliedPosition): AppliedPosition {
  return comparePositions(b, a) === 1 ? b : a;
}
