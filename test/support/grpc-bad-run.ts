/**
 * Runs one bad-input case (grpc-bad-cases.ts) against a running follower and judges it: the
 * status it ended with, whether anything changed on the follower (its replicas' resourceVersions
 * and its persisted epoch), and whether the follower still serves its real leader afterwards (an
 * update made on the leader is applied and acknowledged).
 */
import { status as Status } from '@grpc/grpc-js';
import { callGetState, federationClient } from '../../src/shared/federation/federation-client.js';
import type { State__Output } from '../../src/shared/federation/gen/amko/federation/v1/State.js';
import type { BadCase, BadInputTarget, CaseOutcome } from './grpc-bad-cases.js';

/** What a harness (in-process fixture or amko processes) provides. */
export interface BadInputHarness {
  readonly target: BadInputTarget;
  /** The follower's replicas with their resourceVersions and its persisted epoch, comparable. */
  observe(): Promise<string>;
  /** Changes an object on the real leader (the `n`-th change) and waits until it is acked. */
  leaderUpdate(n: number): Promise<void>;
  /** False once the follower is no longer running. */
  alive(): boolean;
}

/** One row of the outcome. */
export interface CaseResult {
  readonly case: string;
  readonly expected: string;
  readonly code: string;
  readonly details: string;
  readonly applied: boolean;
  readonly followerServing: boolean;
  readonly problems: readonly string[];
  /** Runs of the case (more than one when the real leader replaced the case's session). */
  readonly attempts: number;
}

const MAX_ATTEMPTS = 5;

/** The follower's state as the real leader would ask for it. */
export async function followerState(t: BadInputTarget): Promise<State__Output> {
  const client = federationClient(t.proto, await t.certs.tls(t.leader), {
    cluster: t.follower,
    address: t.address,
  });
  try {
    return await callGetState(client, t.follower, 10_000);
  } finally {
    client.close();
  }
}

/** The real leader took its stream back while the case ran. */
function superseded(o: CaseOutcome): boolean {
  return o.code === Status.CANCELLED && /replaced by a stream/.test(o.details);
}

async function serving(h: BadInputHarness, update: number): Promise<string | undefined> {
  if (!h.alive()) return 'the follower is not running';
  try {
    await h.leaderUpdate(update);
    return undefined;
  } catch (err) {
    return `a leader update was not replicated: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Runs `c` (again while the real leader replaces its session), then checks the follower. */
export async function runBadCase(
  h: BadInputHarness,
  c: BadCase,
  update: number,
): Promise<CaseResult> {
  const before = await h.observe();
  let result: CaseOutcome | undefined;
  let attempts = 0;
  while (attempts < MAX_ATTEMPTS && (result === undefined || (c.admitted && superseded(result)))) {
    attempts++;
    result = await c.run(h.target, await followerState(h.target));
  }
  const o = result ?? { code: Status.UNKNOWN, details: 'not run', problems: [] };
  const after = h.alive() ? await h.observe() : before;
  const notServing = await serving(h, update);
  return {
    case: c.name,
    expected: Status[c.expected],
    code: Status[o.code],
    details: o.details.slice(0, 200),
    applied: after !== before,
    followerServing: notServing === undefined,
    problems: notServing ? [...o.problems, notServing] : o.problems,
    attempts,
  };
}

/** What is wrong with a case's result (empty when it was refused cleanly). */
export function violationsOf(r: CaseResult): string[] {
  const out: string[] = [];
  if (r.code !== r.expected)
    out.push(`${r.case}: ended ${r.code} (${r.details}), want ${r.expected}`);
  if (r.applied) out.push(`${r.case}: changed the follower's replicas or epoch`);
  if (!r.followerServing) out.push(`${r.case}: the follower stopped serving its leader`);
  for (const p of r.problems) out.push(`${r.case}: ${p}`);
  return out;
}
