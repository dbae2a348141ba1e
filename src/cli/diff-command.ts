/** `kubectl amko diff --against CONTEXT`: are the replicated objects the same on both clusters? */
import { stringify } from 'yaml';
import { AVI_SYSTEM } from '../shared/crd/common.js';
import { REPLICATED_KINDS } from '../shared/federation/replicated-kinds.js';
import { AmkoApi } from './amko-api.js';
import { COMMON_HELP, parseCommand, parseOutput, stringFlag, usageError } from './cli-flags.js';
import type { CliIo } from './cli-io.js';
import {
  diffReplicated,
  formatDiff,
  type ComparableObject,
  type KindObjects,
} from './diff-report.js';
import { loadTarget } from './kube-target.js';

export const DIFF_HELP = `Compare the replicated objects of this cluster with another one.

Usage: kubectl amko diff --against CONTEXT [-o json|yaml] [flags]

Reads the GSLBConfigs, GlobalDeploymentPolicies and GSLBHostRules in ${AVI_SYSTEM} on this
cluster and on the cluster of CONTEXT (from the same kubeconfig), and prints per object whether
it is the same on both, differs, or is missing on one side. Objects are compared by the SHA-256
of the canonical JSON of their spec and amko.vmware.com/amko-uuid annotation.

Exit status: 0 when everything is the same, 1 when anything differs or is missing, 2 on error.

Flags:
  --against CONTEXT    kubeconfig context of the cluster to compare with (required)
  -o, --output FORMAT  json or yaml instead of text

${COMMON_HELP}
`;

const OPTIONS = Object.freeze({
  against: { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const);

async function readReplicated(api: AmkoApi): Promise<KindObjects[]> {
  return Promise.all(
    REPLICATED_KINDS.map(async (res) => ({
      kind: res.kind,
      objects: await api.list<ComparableObject & { apiVersion?: string; kind?: string }>(
        res,
        AVI_SYSTEM,
      ),
    })),
  );
}

export async function runDiff(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, OPTIONS);
  if (parsed.common.help) {
    io.out(DIFF_HELP);
    return 0;
  }
  const against = stringFlag(parsed, 'against');
  if (!against) throw usageError('--against CONTEXT is required');
  const output = parseOutput(stringFlag(parsed, 'output'));
  const local = new AmkoApi(loadTarget(parsed.common, parsed.common.context));
  const other = new AmkoApi(loadTarget(parsed.common, against));
  const [mine, theirs] = await Promise.all([readReplicated(local), readReplicated(other)]);
  const report = diffReplicated({ context: local.context, against: other.context }, mine, theirs);
  if (output === 'json') io.out(`${JSON.stringify(report, null, 2)}\n`);
  else if (output === 'yaml') io.out(stringify(report));
  else io.out(formatDiff(report));
  return report.inSync ? 0 : 1;
}
