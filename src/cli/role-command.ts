/**
 * `kubectl amko promote` and `kubectl amko demote`: flip `spec.isLeader` of this cluster's
 * AMKOCluster and wait until amko reports the new role in status.
 */
import { AMKO_CLUSTER, type AmkoCluster } from '../shared/crd/amko-cluster.js';
import { AVI_SYSTEM, GSLB_CONFIG_NAME } from '../shared/crd/common.js';
import { GSLB_CONFIG, type GslbConfig } from '../shared/crd/gslb-config.js';
import { OperatorError, messageOf, retryOf } from '../shared/errors.js';
import { AmkoApi } from './amko-api.js';
import {
  COMMON_HELP,
  formatDuration,
  parseCommand,
  parseDuration,
  stringFlag,
  usageError,
} from './cli-flags.js';
import type { CliIo } from './cli-io.js';
import { loadTarget } from './kube-target.js';
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

export const PROMOTE_HELP = `Make this cluster the leader of the amko federation.

Usage: kubectl amko promote [--controller-ip ADDR] [--wait DURATION] [flags]

With --controller-ip, first points GSLBConfig ${AVI_SYSTEM}/${GSLB_CONFIG_NAME} at the new Avi
GSLB leader (spec.gslbLeader.controllerIP); then sets spec.isLeader: true on the AMKOCluster in
${AVI_SYSTEM} and waits until amko reports role leader at an epoch higher than before, and
prints that epoch. Fails if the cluster ends up fenced (another leader holds a higher epoch) or
the wait runs out.

Flags:
  --controller-ip ADDR  address of the Avi GSLB leader controller to use from now on
  --wait DURATION       how long to wait for the new role (default ${DEFAULT_WAIT}; 0: do not wait)

${COMMON_HELP}
`;

export const DEMOTE_HELP = `Make this cluster a follower of the amko federation.

Usage: kubectl amko demote [--wait DURATION] [flags]

Sets spec.isLeader: false on the AMKOCluster in ${AVI_SYSTEM} and waits until amko reports
role follower.

Flags:
  --wait DURATION  how long to wait for the new role (default ${DEFAULT_WAIT}; 0: do not wait)

${COMMON_HELP}
`;

const PROMOTE_OPTIONS = Object.freeze({
  'controller-ip': { type: 'string' },
  wait: { type: 'string' },
} as const);
const DEMOTE_OPTIONS = Object.freeze({ wait: { type: 'string' } } as const);

interface RoleChange {
  api: AmkoApi;
  io: CliIo;
  /** The AMKOCluster's name. */
  name: string;
  waitMs: number;
}

export async function runPromote(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, PROMOTE_OPTIONS);
  if (parsed.common.help) {
    io.out(PROMOTE_HELP);
    return 0;
  }
  const controllerIp = stringFlag(parsed, 'controller-ip');
  if (controllerIp?.trim() === '') throw usageError('--controller-ip must not be empty');
  const waitMs = parseDuration(stringFlag(parsed, 'wait') ?? DEFAULT_WAIT);
  const api = new AmkoApi(loadTarget(parsed.common, parsed.common.context));
  const ac = await api.findAmkoCluster();
  await promote({ api, io, name: ac.metadata?.name ?? '', waitMs }, roleViewOf(ac), controllerIp);
  return 0;
}

async function promote(
  change: RoleChange,
  before: RoleView,
  controllerIp: string | undefined,
): Promise<void> {
  const { api, io } = change;
  const done = settled(promotePrecheck(api.context, before), io);
  if (controllerIp !== undefined) await setControllerIp(change, controllerIp);
  if (done) return;
  const patched = await patchIsLeader(change, true);
  if (change.waitMs === 0) return;
  const goal: RoleGoal = { role: 'leader', epochAbove: before.epoch };
  const after = await waitForRole(change, goal, patched.metadata?.resourceVersion);
  // A follower's drift repair may have put the replicated controllerIP back before the role
  // switch stopped it: make sure the new leader ends up with the address asked for.
  if (controllerIp !== undefined) await ensureControllerIp(change, controllerIp);
  io.out(`${api.context} is the leader at epoch ${after.epoch} (was ${before.epoch})\n`);
}

export async function runDemote(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, DEMOTE_OPTIONS);
  if (parsed.common.help) {
    io.out(DEMOTE_HELP);
    return 0;
  }
  const waitMs = parseDuration(stringFlag(parsed, 'wait') ?? DEFAULT_WAIT);
  const api = new AmkoApi(loadTarget(parsed.common, parsed.common.context));
  const ac = await api.findAmkoCluster();
  const change: RoleChange = { api, io, name: ac.metadata?.name ?? '', waitMs };
  if (settled(demotePrecheck(api.context, roleViewOf(ac)), io)) return 0;
  const patched = await patchIsLeader(change, false);
  if (waitMs === 0) return 0;
  const after = await waitForRole(change, { role: 'follower' }, patched.metadata?.resourceVersion);
  io.out(`${api.context} is a follower${after.leader ? ` of ${after.leader}` : ''}\n`);
  return 0;
}

/** True when the precheck says there is nothing to do (after saying so); throws on a refusal. */
function settled(pre: Precheck, io: CliIo): boolean {
  if (pre.action === 'refuse') throw new OperatorError('ROLE_FENCED', 'never', pre.message);
  if (pre.action === 'already') io.out(`${pre.message}\n`);
  return pre.action === 'already';
}

async function setControllerIp(change: RoleChange, address: string): Promise<void> {
  const { api, io } = change;
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
  io.out(`${GSLB_CONFIG_NAME}: controllerIP set to ${address}\n`);
}

async function ensureControllerIp(change: RoleChange, address: string): Promise<void> {
  const gc = await change.api.get<GslbConfig>(GSLB_CONFIG, GSLB_CONFIG_NAME);
  if (gc?.spec?.gslbLeader?.controllerIP === address) return;
  change.io.out(
    `${GSLB_CONFIG_NAME}: controllerIP was reverted during the promotion; setting it again\n`,
  );
  await setControllerIp(change, address);
}

async function patchIsLeader(change: RoleChange, isLeader: boolean): Promise<AmkoCluster> {
  const obj = await change.api.mergePatch<AmkoCluster>(AMKO_CLUSTER, change.name, {
    spec: { isLeader },
  });
  const waiting =
    change.waitMs > 0 ? `; waiting up to ${formatDuration(change.waitMs)}` : '; not waiting';
  change.io.out(`${change.name}: isLeader set to ${isLeader} on ${change.api.context}${waiting}\n`);
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
