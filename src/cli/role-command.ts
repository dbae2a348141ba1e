/**
 * `kubectl amko promote` and `kubectl amko demote`: flip `spec.isLeader` of this cluster's
 * AMKOCluster and wait until amko reports the new role in status. A promotion first looks at
 * every other member (positions, other leaders) and asks for confirmation.
 */
import { AMKO_CLUSTER, type AmkoCluster } from '../shared/crd/amko-cluster.js';
import { AVI_SYSTEM, GSLB_CONFIG_NAME } from '../shared/crd/common.js';
import { GSLB_CONFIG, type GslbConfig } from '../shared/crd/gslb-config.js';
import { OperatorError, messageOf, retryOf } from '../shared/errors.js';
import { stringify } from 'yaml';
import { AmkoApi } from './amko-api.js';
import {
  COMMON_HELP,
  formatDuration,
  parseCommand,
  parseDuration,
  parseOutput,
  stringFlag,
  usageError,
  type OutputFormat,
  type ParsedCommand,
} from './cli-flags.js';
import type { CliIo } from './cli-io.js';
import { loadTarget } from './kube-target.js';
import {
  DEFAULT_PEER_TIMEOUT,
  liveLeaders,
  surveyMembers,
  type LiveLeader,
  type Survey,
} from './member-survey.js';
import { catchUpSource, type MemberPositionView } from './positions.js';
import { checkOtherLeaders, confirmPromotion, planLines } from './promote-guard.js';
import {
  demotePrecheck,
  describeView,
  promotePrecheck,
  roleViewOf,
  supersededBy,
  waitOutcome,
  type Precheck,
  type RoleGoal,
  type RoleView,
} from './role-wait.js';

const DEFAULT_WAIT = '60s';
const POLL_MS = 250;

const OUTPUT_HELP = `  -o, --output FORMAT   json or yaml: print the result as one document on stdout (progress
                        and the confirmation question go to stderr)`;

export const PROMOTE_HELP = `Make this cluster the leader of the amko federation.

Usage: kubectl amko promote [--yes] [--force] [--controller-ip ADDR] [--wait DURATION]
                            [-o json|yaml] [flags]

First reads the AMKOCluster of every other member through its kubeconfig context (the
federation set's names are context names) and shows where each member stands: role, the
leader whose log it follows, epoch and applied revision, from its own AMKOCluster status (or,
when its cluster cannot be read, from what the leader reports), with the most up-to-date one
marked. When this cluster is behind another follower, says that amko will first catch up from
that member (fetch and apply its replicas) before writing to the controller or replicating.

Refuses, changing nothing, while another member is reachable and leads as its own status
says (spec.isLeader, status role leader; with --stale-after, a status written within that
time), and names it with its epoch and role; --force promotes anyway. Then asks for
confirmation (type the cluster name) unless --yes; without a terminal on stdin and without
--yes it refuses.

With --controller-ip, first points GSLBConfig ${AVI_SYSTEM}/${GSLB_CONFIG_NAME} at the new Avi
GSLB leader (spec.gslbLeader.controllerIP); then sets spec.isLeader: true on the AMKOCluster in
${AVI_SYSTEM} and waits until amko reports role leader at an epoch higher than before, and
prints that epoch. Fails if the cluster ends up fenced (another leader holds a higher epoch) or
the wait runs out.

Flags:
  -y, --yes             do not ask for confirmation
  --force               promote even while another member reports that it leads
  --controller-ip ADDR  address of the Avi GSLB leader controller to use from now on
  --wait DURATION       how long to wait for the new role (default ${DEFAULT_WAIT}; 0: do not wait)
  --stale-after DURATION  another leader whose status was last written longer ago than this
                        does not block (default: never stale; amko writes its status only when
                        something changes)
  --peer-timeout DURATION  how long to wait for each member's API server (default ${DEFAULT_PEER_TIMEOUT})
${OUTPUT_HELP}

Output fields (-o json|yaml):
  command, context, amkoCluster, cluster   "promote", the context, the AMKOCluster's name,
                        this cluster's name in the federation set
  result                "promoted", "already-leader" or "requested" (--wait 0)
  before, after         {role, epoch} before the change and as amko reported it after
  controllerIP          the address set with --controller-ip
  members[]             {cluster, source, isLeader, role, leader, epoch, revision, statusTime,
                        error, mostUpToDate}; source is own-status, leader-status or unknown
  mostUpToDate[]        the most up-to-date member(s)
  catchUpFrom           the member this cluster will first catch up from, if any
  otherLeaders[]        {cluster, epoch, role, statusTime} other members that lead
  staleLeaders[]        the same, for leaders older than --stale-after

${COMMON_HELP}
`;

export const DEMOTE_HELP = `Make this cluster a follower of the amko federation.

Usage: kubectl amko demote [--wait DURATION] [-o json|yaml] [flags]

Sets spec.isLeader: false on the AMKOCluster in ${AVI_SYSTEM} and waits until amko reports
role follower.

Flags:
  --wait DURATION       how long to wait for the new role (default ${DEFAULT_WAIT}; 0: do not wait)
${OUTPUT_HELP}

Output fields (-o json|yaml):
  command, context, amkoCluster   "demote", the context, the AMKOCluster's name
  result                "demoted", "already-follower" or "requested" (--wait 0)
  before, after         {role, epoch} before the change and as amko reported it after
  leader                the leader this cluster follows, when amko reports one

${COMMON_HELP}
`;

const PROMOTE_OPTIONS = Object.freeze({
  'controller-ip': { type: 'string' },
  wait: { type: 'string' },
  output: { type: 'string', short: 'o' },
  yes: { type: 'boolean', short: 'y' },
  force: { type: 'boolean' },
  'stale-after': { type: 'string' },
  'peer-timeout': { type: 'string' },
} as const);
const DEMOTE_OPTIONS = Object.freeze({
  wait: { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const);

interface RoleChange {
  api: AmkoApi;
  io: CliIo;
  /** The AMKOCluster's name. */
  name: string;
  waitMs: number;
  /** Progress lines: stdout for text, stderr when stdout carries a document. */
  say: (line: string) => void;
}

/** Role and epoch, as the JSON output shows them. */
export interface RoleState {
  role?: string;
  epoch: number;
}

export interface PromoteResult {
  command: 'promote';
  context: string;
  amkoCluster: string;
  cluster: string;
  result: 'promoted' | 'already-leader' | 'requested';
  before: RoleState;
  after?: RoleState;
  controllerIP?: string;
  members: MemberPositionView[];
  mostUpToDate: string[];
  catchUpFrom?: string;
  otherLeaders: LiveLeader[];
  staleLeaders: LiveLeader[];
}

export interface DemoteResult {
  command: 'demote';
  context: string;
  amkoCluster: string;
  result: 'demoted' | 'already-follower' | 'requested';
  before: RoleState;
  after?: RoleState;
  leader?: string;
}

const stateOf = (v: RoleView): RoleState =>
  v.role === undefined ? { epoch: v.epoch } : { role: v.role, epoch: v.epoch };

function printer(io: CliIo, output: OutputFormat): (line: string) => void {
  const write = output === 'text' ? io.out : io.err;
  return (line) => {
    write(`${line}\n`);
  };
}

function emit(io: CliIo, output: OutputFormat, doc: object): void {
  if (output === 'json') io.out(`${JSON.stringify(doc, null, 2)}\n`);
  else if (output === 'yaml') io.out(stringify(doc));
}

function optionalDuration(p: ParsedCommand, name: string): number | undefined {
  const v = stringFlag(p, name);
  return v === undefined ? undefined : parseDuration(v);
}

interface PromoteFlags {
  output: OutputFormat;
  controllerIp: string | undefined;
  waitMs: number;
  staleAfterMs: number | undefined;
  peerTimeoutMs: number;
  force: boolean;
  yes: boolean;
}

function promoteFlags(parsed: ParsedCommand): PromoteFlags {
  const controllerIp = stringFlag(parsed, 'controller-ip');
  if (controllerIp?.trim() === '') throw usageError('--controller-ip must not be empty');
  return {
    output: parseOutput(stringFlag(parsed, 'output')),
    controllerIp,
    waitMs: parseDuration(stringFlag(parsed, 'wait') ?? DEFAULT_WAIT),
    staleAfterMs: optionalDuration(parsed, 'stale-after'),
    peerTimeoutMs: parseDuration(stringFlag(parsed, 'peer-timeout') ?? DEFAULT_PEER_TIMEOUT),
    force: parsed.flags['force'] === true,
    yes: parsed.flags['yes'] === true,
  };
}

/** The result before the change: who is where, who else leads, where the catch-up comes from. */
function promoteResult(
  change: RoleChange,
  before: RoleView,
  survey: Survey,
  extra: { leaders: ReturnType<typeof liveLeaders>; controllerIp: string | undefined },
): PromoteResult {
  const from = catchUpSource(survey.self, survey.positions);
  return {
    command: 'promote',
    context: change.api.context,
    amkoCluster: change.name,
    cluster: survey.self,
    result: 'already-leader',
    before: stateOf(before),
    members: survey.positions,
    mostUpToDate: survey.positions.filter((p) => p.mostUpToDate).map((p) => p.cluster),
    ...(from ? { catchUpFrom: from.cluster } : {}),
    otherLeaders: extra.leaders.live,
    staleLeaders: extra.leaders.stale,
    ...(extra.controllerIp === undefined ? {} : { controllerIP: extra.controllerIp }),
  };
}

export async function runPromote(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, PROMOTE_OPTIONS);
  if (parsed.common.help) {
    io.out(PROMOTE_HELP);
    return 0;
  }
  const f = promoteFlags(parsed);
  const target = loadTarget(parsed.common, parsed.common.context);
  const api = new AmkoApi(target);
  const ac = await api.findAmkoCluster();
  const say = printer(io, f.output);
  const change: RoleChange = { api, io, name: ac.metadata?.name ?? '', waitMs: f.waitMs, say };
  const before = roleViewOf(ac);
  const pre = promotePrecheck(api.context, before);
  if (pre.action === 'refuse') throw new OperatorError('ROLE_FENCED', 'never', pre.message);
  const survey = await surveyMembers({
    flags: parsed.common,
    context: target.context,
    own: ac,
    io,
    timeoutMs: f.peerTimeoutMs,
  });
  const leaders = liveLeaders(survey, io.clock.now(), f.staleAfterMs);
  const result = promoteResult(change, before, survey, { leaders, controllerIp: f.controllerIp });
  if (pre.action === 'already') {
    say(pre.message);
    emit(io, f.output, result);
    return 0;
  }
  const now = io.clock.now();
  for (const line of planLines(survey, leaders, now)) say(line);
  checkOtherLeaders({ self: survey.self, live: leaders.live, force: f.force, say, now });
  await confirmPromotion(io, survey.self, f.yes);
  const after = await promote(change, before, f.controllerIp);
  result.result = after ? 'promoted' : 'requested';
  if (after) result.after = stateOf(after);
  emit(io, f.output, result);
  return 0;
}

/** Promotes; returns what amko reported after, or undefined when not waiting. */
async function promote(
  change: RoleChange,
  before: RoleView,
  controllerIp: string | undefined,
): Promise<RoleView | undefined> {
  const { api } = change;
  if (controllerIp !== undefined) await setControllerIp(change, controllerIp);
  const patched = await patchIsLeader(change, true);
  if (change.waitMs === 0) return undefined;
  const goal: RoleGoal = { role: 'leader', epochAbove: before.epoch };
  const after = await waitForRole(change, goal, patched.metadata?.resourceVersion);
  // A follower's drift repair may have put the replicated controllerIP back before the role
  // switch stopped it: make sure the new leader ends up with the address asked for.
  if (controllerIp !== undefined) await ensureControllerIp(change, controllerIp);
  change.say(`${api.context} is the leader at epoch ${after.epoch} (was ${before.epoch})`);
  return after;
}

export async function runDemote(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, DEMOTE_OPTIONS);
  if (parsed.common.help) {
    io.out(DEMOTE_HELP);
    return 0;
  }
  const output = parseOutput(stringFlag(parsed, 'output'));
  const waitMs = parseDuration(stringFlag(parsed, 'wait') ?? DEFAULT_WAIT);
  const api = new AmkoApi(loadTarget(parsed.common, parsed.common.context));
  const ac = await api.findAmkoCluster();
  const say = printer(io, output);
  const change: RoleChange = { api, io, name: ac.metadata?.name ?? '', waitMs, say };
  const before = roleViewOf(ac);
  const result: DemoteResult = {
    command: 'demote',
    context: api.context,
    amkoCluster: change.name,
    result: 'already-follower',
    before: stateOf(before),
  };
  if (!settled(demotePrecheck(api.context, before), say)) {
    const patched = await patchIsLeader(change, false);
    result.result = 'requested';
    if (waitMs > 0) {
      const after = await waitForRole(
        change,
        { role: 'follower' },
        patched.metadata?.resourceVersion,
      );
      say(`${api.context} is a follower${after.leader ? ` of ${after.leader}` : ''}`);
      result.result = 'demoted';
      result.after = stateOf(after);
      if (after.leader !== undefined) result.leader = after.leader;
    }
  }
  emit(io, output, result);
  return 0;
}

/** True when the precheck says there is nothing to do (after saying so); throws on a refusal. */
function settled(pre: Precheck, say: (line: string) => void): boolean {
  if (pre.action === 'refuse') throw new OperatorError('ROLE_FENCED', 'never', pre.message);
  if (pre.action === 'already') say(pre.message);
  return pre.action === 'already';
}

async function setControllerIp(change: RoleChange, address: string): Promise<void> {
  const { api } = change;
  if (!(await api.get<GslbConfig>(GSLB_CONFIG, GSLB_CONFIG_NAME))) {
    throw new OperatorError(
      'KUBE_REJECTED',
      'never',
      `${api.context}: no GSLBConfig ${AVI_SYSTEM}/${GSLB_CONFIG_NAME} to set the controller IP on`,
    );
  }
  await api.mergePatch(GSLB_CONFIG, GSLB_CONFIG_NAME, {
    spec: { gslbLeader: { controllerIP: address } },
  });
  change.say(`${GSLB_CONFIG_NAME}: controllerIP set to ${address}`);
}

async function ensureControllerIp(change: RoleChange, address: string): Promise<void> {
  const gc = await change.api.get<GslbConfig>(GSLB_CONFIG, GSLB_CONFIG_NAME);
  if (gc?.spec?.gslbLeader?.controllerIP === address) return;
  change.say(
    `${GSLB_CONFIG_NAME}: controllerIP was reverted during the promotion; setting it again`,
  );
  await setControllerIp(change, address);
}

async function patchIsLeader(change: RoleChange, isLeader: boolean): Promise<AmkoCluster> {
  const obj = await change.api.mergePatch<AmkoCluster>(AMKO_CLUSTER, change.name, {
    spec: { isLeader },
  });
  const waiting =
    change.waitMs > 0 ? `; waiting up to ${formatDuration(change.waitMs)}` : '; not waiting';
  change.say(`${change.name}: isLeader set to ${isLeader} on ${change.api.context}${waiting}`);
  return obj;
}

/**
 * Polls the AMKOCluster until the goal is reached, the cluster is fenced, or the wait runs
 * out. Transient read failures are retried until the deadline.
 */
async function waitForRole(
  change: RoleChange,
  goal: RoleGoal,
  patchedVersion: string | undefined,
): Promise<RoleView> {
  const { api, io } = change;
  const deadline = io.clock.now() + change.waitMs;
  let last: RoleView | undefined;
  let lastError = '';
  for (;;) {
    try {
      const ac = await api.get<AmkoCluster>(AMKO_CLUSTER, change.name);
      if (!ac)
        throw new OperatorError(
          'KUBE_REJECTED',
          'never',
          `${api.context}: AMKOCluster ${change.name} was deleted`,
        );
      last = roleViewOf(ac);
      const outcome = waitOutcome(goal, last, patchedVersion);
      if (outcome === 'reached') return last;
      if (outcome === 'fenced') throw fencedError(api.context, last);
    } catch (err) {
      if (retryOf(err) === 'never') throw err;
      lastError = messageOf(err);
    }
    const left = deadline - io.clock.now();
    if (left <= 0) throw timeoutError(change, goal, last ?? lastError);
    await io.clock.sleep(Math.min(POLL_MS, left));
  }
}

function fencedError(context: string, view: RoleView): OperatorError {
  return new OperatorError('ROLE_FENCED', 'never', `${context} is fenced: ${supersededBy(view)}`);
}

function timeoutError(change: RoleChange, goal: RoleGoal, last: RoleView | string): OperatorError {
  const want =
    goal.role === 'leader' ? `role leader at an epoch above ${goal.epochAbove}` : 'role follower';
  const seen =
    typeof last === 'string' ? `last error: ${last}` : `last seen: ${describeView(last)}`;
  return new OperatorError(
    'ROLE_CHANGE_TIMEOUT',
    'never',
    `timed out after ${formatDuration(change.waitMs)} waiting for ${change.api.context} to report ${want} (${seen}); is amko running there?`,
  );
}
