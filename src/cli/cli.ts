/**
 * kubectl-amko's command dispatch: finds the command among the arguments (global flags may come
 * before or after it), runs it, and turns any failure into one line on stderr and an exit code:
 * 2 for usage errors (and for any error of `diff`, whose 1 means "differs"), 1 otherwise.
 */
import { parseArgs } from 'node:util';
import { messageOf, OperatorError } from '../shared/errors.js';
import { CERTS_HELP, runCerts } from './certs-command.js';
import { CLEANUP_HELP, runCleanup } from './cleanup-command.js';
import { COMMON_HELP, COMMON_OPTIONS } from './cli-flags.js';
import type { CliIo } from './cli-io.js';
import { DIFF_HELP, runDiff } from './diff-command.js';
import { KUBECONFIG_HELP, runKubeconfig } from './kubeconfig-command.js';
import { DEMOTE_HELP, PROMOTE_HELP, runDemote, runPromote } from './role-command.js';
import { runStatus, STATUS_HELP } from './status-command.js';

type Runner = (argv: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, { run: Runner; help: string }>> = Object.freeze({
  status: { run: runStatus, help: STATUS_HELP },
  promote: { run: runPromote, help: PROMOTE_HELP },
  demote: { run: runDemote, help: DEMOTE_HELP },
  diff: { run: runDiff, help: DIFF_HELP },
  kubeconfig: { run: runKubeconfig, help: KUBECONFIG_HELP },
  certs: { run: runCerts, help: CERTS_HELP },
  cleanup: { run: runCleanup, help: CLEANUP_HELP },
});

export const USAGE = `kubectl-amko: inspect and steer an amko federation (a kubectl plugin).

Usage: kubectl amko <command> [flags]

Commands:
  status      this cluster's role, epoch, members' replication state, and the GSLB objects' status
  promote     make this cluster the leader (optionally pointing gc-1 at a new Avi leader first)
  demote      make this cluster a follower
  diff        compare the replicated objects with another cluster
  kubeconfig  create read-only member credentials and store amko's member kubeconfig
  certs       create the federation CA and a certificate per cluster
  cleanup     list (or with --yes delete) this amko's GslbServices and health monitors on Avi

Every command takes -o json|yaml for machine-readable output (field names in its --help).

${COMMON_HELP}

Run "kubectl amko <command> --help" for a command's own flags.
`;

/** Every flag that takes a value, so the command name is not mistaken for a flag's value. */
const VALUE_FLAGS = Object.freeze({
  kubeconfig: COMMON_OPTIONS.kubeconfig,
  context: COMMON_OPTIONS.context,
  output: { type: 'string', short: 'o' },
  wait: { type: 'string' },
  'controller-ip': { type: 'string' },
  against: { type: 'string' },
  'stale-after': { type: 'string' },
  'peer-timeout': { type: 'string' },
  contexts: { type: 'string' },
  'amko-contexts': { type: 'string' },
  'service-account': { type: 'string' },
  duration: { type: 'string' },
  'out-dir': { type: 'string' },
  days: { type: 'string' },
  'ca-cert': { type: 'string' },
  'ca-key': { type: 'string' },
  'secret-name': { type: 'string' },
  'amko-uuid': { type: 'string' },
  controller: { type: 'string' },
  username: { type: 'string' },
  'password-file': { type: 'string' },
  tenant: { type: 'string' },
  'avi-ca': { type: 'string' },
} as const);

/** The command name and the other arguments, in order. */
function splitCommand(argv: readonly string[]): { command?: string; rest: string[] } {
  const { tokens } = parseArgs({
    args: [...argv],
    options: VALUE_FLAGS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const first = tokens.find((t) => t.kind === 'positional');
  if (!first) return { rest: [...argv] };
  return { command: first.value, rest: argv.filter((_, i) => i !== first.index) };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** `kubectl amko`, `kubectl amko --help`, `kubectl amko help [command]`. */
function printUsage(command: string | undefined, rest: readonly string[], io: CliIo): number {
  const topic = command === 'help' ? COMMANDS[rest[0] ?? ''] : undefined;
  const asked = command === 'help' || rest.includes('--help') || rest.includes('-h');
  (asked ? io.out : io.err)(topic?.help ?? USAGE);
  return asked ? 0 : 2;
}

/** Runs kubectl-amko with `argv` (without node and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const { command, rest } = splitCommand(argv);
  if (command === undefined || command === 'help') return printUsage(command, rest, io);
  const entry = COMMANDS[command];
  if (!entry) {
    io.err(`kubectl-amko: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  try {
    return await entry.run(rest, io);
  } catch (err) {
    io.err(`kubectl-amko ${command}: ${oneLine(messageOf(err))}\n`);
    const usage = err instanceof OperatorError && err.code === 'CONFIG_INVALID';
    return usage || command === 'diff' ? 2 : 1;
  }
}
