/** `kubectl amko status`: the federation as this cluster sees it. */
import { stringify } from 'yaml';
import { AMKO_CLUSTER_NAME, AVI_SYSTEM } from '../shared/crd/common.js';
import {
  GLOBAL_DEPLOYMENT_POLICY,
  type GlobalDeploymentPolicy,
} from '../shared/crd/global-deployment-policy.js';
import { GSLB_CONFIG, type GslbConfig } from '../shared/crd/gslb-config.js';
import { GSLB_HOST_RULE, type GslbHostRule } from '../shared/crd/gslb-host-rule.js';
import { AmkoApi } from './amko-api.js';
import { COMMON_HELP, parseCommand, parseDuration, parseOutput, stringFlag } from './cli-flags.js';
import { DEFAULT_PEER_TIMEOUT, surveyMembers } from './member-survey.js';
import type { CliIo } from './cli-io.js';
import { loadTarget } from './kube-target.js';
import { formatStatus, statusReport } from './status-report.js';

export const STATUS_HELP = `Show this cluster's place in the amko federation.

Usage: kubectl amko status [-o json|yaml] [flags]

Prints the AMKOCluster in ${AVI_SYSTEM} (normally ${AMKO_CLUSTER_NAME}): role, epoch, the
leader it follows, members in sync, and per member the applied revision, lag, last ack and
last error; its conditions; with automatic failover on, its settings and the lease on the
Avi controller as this cluster last saw it (state, holder, epoch, renew age); then the state
of the GSLBConfigs and GlobalDeploymentPolicies in ${AVI_SYSTEM} and of the GSLBHostRules in
every namespace (replicas show where they came from).

Then the position of every member of the federation set: each one's AMKOCluster is read
through the kubeconfig context of the same name (role, leader followed, epoch, applied
revision); a member whose cluster cannot be read is shown as its leader reports it, else as
unknown with the reason. The most up-to-date member (highest epoch, then highest applied
revision) is marked with *.

Flags:
  -o, --output FORMAT     json or yaml instead of text
  --peer-timeout DURATION how long to wait for each other member's API server (default ${DEFAULT_PEER_TIMEOUT})

Output fields (-o json|yaml):
  context               the context used
  amkoCluster           {namespace, name, clusterContext, isLeader, clusters, role, epoch, leader,
                        inSync, revision, highestEpochSeen, message, members[], conditions[],
                        autoFailover, lease}; with spec.federation.autoFailover enabled,
                        autoFailover {enabled, leaseSeconds, promoteAfterSeconds, priority} and
                        lease {state, holder, epoch, renewTime, renewAgeSeconds, condition,
                        reason}: the failover lease as this cluster last saw it
  gslbConfigs[]         {namespace, name, controllerIP, amkoUuid, state, replicaOf}
  globalDeploymentPolicies[]  {namespace, name, errorStatus, replicaOf}
  gslbHostRules[]       {namespace, name, fqdn, status, error, replicaOf}
  positions[]           {cluster, source, isLeader, role, leader, epoch, revision, statusTime,
                        error, mostUpToDate}; source is own-status, leader-status or unknown
  mostUpToDate[]        the most up-to-date member(s)

${COMMON_HELP}
`;

const OPTIONS = Object.freeze({
  output: { type: 'string', short: 'o' },
  'peer-timeout': { type: 'string' },
} as const);

export async function runStatus(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, OPTIONS);
  if (parsed.common.help) {
    io.out(STATUS_HELP);
    return 0;
  }
  const output = parseOutput(stringFlag(parsed, 'output'));
  const timeoutMs = parseDuration(stringFlag(parsed, 'peer-timeout') ?? DEFAULT_PEER_TIMEOUT);
  const target = loadTarget(parsed.common, parsed.common.context);
  const api = new AmkoApi(target);
  const amkoCluster = await api.findAmkoCluster();
  const [survey, gslbConfigs, gdps, gslbHostRules] = await Promise.all([
    surveyMembers({
      flags: parsed.common,
      context: target.context,
      own: amkoCluster,
      io,
      timeoutMs,
    }),
    api.list<GslbConfig>(GSLB_CONFIG, AVI_SYSTEM),
    api.list<GlobalDeploymentPolicy>(GLOBAL_DEPLOYMENT_POLICY, AVI_SYSTEM),
    api.list<GslbHostRule>(GSLB_HOST_RULE),
  ]);
  const report = statusReport({
    context: target.context,
    amkoCluster,
    gslbConfigs,
    gdps,
    gslbHostRules,
    positions: survey.positions,
    now: io.clock.now(),
  });
  if (output === 'json') io.out(`${JSON.stringify(report, null, 2)}\n`);
  else if (output === 'yaml') io.out(stringify(report));
  else io.out(formatStatus(report));
  return 0;
}
