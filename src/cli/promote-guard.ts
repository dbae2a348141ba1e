/**
 * What `kubectl amko promote` shows and checks before it changes anything: the members'
 * positions and the catch-up to come, another member that still leads, and the confirmation.
 */
import { OperatorError } from '../shared/errors.js';
import { formatDuration, usageError } from './cli-flags.js';
import type { CliIo } from './cli-io.js';
import type { LiveLeader, Survey } from './member-survey.js';
import { catchUpLine, POSITION_HEADERS, POSITION_LEGEND, positionRows } from './positions.js';
import { formatTable } from './table.js';

/** `cluster2 reports role leader at epoch 5 (status written 3s ago)`. */
export function describeLeader(l: LiveLeader, now: number): string {
  const age =
    l.statusTime === undefined
      ? 'status time unknown'
      : `status written ${formatDuration(Math.max(0, now - Date.parse(l.statusTime)))} ago`;
  return `${l.cluster} reports role ${l.role} at epoch ${l.epoch} (${age})`;
}

/** The positions table, its legend, the catch-up to come, and the leaders not counted. */
export function planLines(
  survey: Survey,
  leaders: { stale: readonly LiveLeader[] },
  now: number,
): string[] {
  return [
    formatTable(POSITION_HEADERS, positionRows(survey.positions)),
    POSITION_LEGEND,
    catchUpLine(survey.self, survey.positions),
    ...leaders.stale.map(
      (l) => `note: ${describeLeader(l, now)}, older than --stale-after: not counted as leading`,
    ),
  ];
}

/** Refuses while another member leads, unless forced (then only warns). */
export function checkOtherLeaders(input: {
  self: string;
  live: readonly LiveLeader[];
  force: boolean;
  say: (line: string) => void;
  now: number;
}): void {
  const { self, live } = input;
  if (live.length === 0) return;
  const seen = live.map((l) => describeLeader(l, input.now)).join('; ');
  if (input.force) {
    input.say(`warning: ${seen}; promoting ${self} anyway (--force)`);
    return;
  }
  throw new OperatorError(
    'ROLE_FENCED',
    'never',
    `refusing to promote ${self}: ${seen} and is not fenced; demote it first ` +
      `(kubectl amko demote --context ${live[0]?.cluster ?? ''}), or use --force if it is not really serving`,
  );
}

/** Asks for the cluster name on the terminal, unless --yes; refuses without a terminal. */
export async function confirmPromotion(io: CliIo, self: string, yes: boolean): Promise<void> {
  if (yes) return;
  if (!io.ask) {
    throw usageError(
      `refusing to promote ${self} without confirmation: standard input is not a terminal; ` +
        `pass --yes to promote without asking`,
    );
  }
  const answer = (
    await io.ask(`Promote ${self} to leader? Type the cluster name (${self}) to confirm: `)
  ).trim();
  if (answer !== self) {
    throw new OperatorError(
      'ROLE_FENCED',
      'never',
      `not confirmed (answer ${JSON.stringify(answer)} is not ${self}): nothing changed`,
    );
  }
}
