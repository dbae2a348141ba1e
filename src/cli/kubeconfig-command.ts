/**
 * `kubectl amko kubeconfig`: read-only credentials for amko in every member cluster, written as
 * the member kubeconfig amko reads (Secret gslb-config-secret, key gslb-members, in avi-system of
 * each amko cluster).
 *
 * In each member: a ServiceAccount, a ClusterRole with get/list/watch on what the leader's
 * ingestion watches (Ingresses, Services, Namespaces, OpenShift Routes, AKO HostRules) and a
 * ClusterRoleBinding; then a token from the TokenRequest API, which the API server answers itself
 * (a token Secret needs the controller-manager's token controller to be filled).
 */
import { readFileSync } from 'node:fs';
import {
  CoreV1Api,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type V1ClusterRole,
  type V1ClusterRoleBinding,
  type V1Secret,
} from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { MEMBERS_KEY, MEMBERS_SECRET } from '../leader/config/bootstrap.js';
import { AVI_SYSTEM } from '../shared/crd/common.js';
import { OperatorError } from '../shared/errors.js';
import { classifyKubeError, isKubeNotFound, kubeStatusOf } from '../shared/kube/kube-errors.js';
import {
  COMMON_HELP,
  formatDuration,
  parseCommand,
  parseDuration,
  parseOutput,
  stringFlag,
  usageError,
  type OutputFormat,
} from './cli-flags.js';
import type { CliIo } from './cli-io.js';
import { loadTarget } from './kube-target.js';

const DEFAULT_SA = 'amko-member-reader';
const DEFAULT_DURATION = '8760h';
const MANAGED_BY = Object.freeze({ 'app.kubernetes.io/managed-by': 'kubectl-amko' });

/** What amko's ingestion reads in a member cluster: get, list and watch only. */
export const MEMBER_READ_RULES = Object.freeze([
  { apiGroups: [''], resources: ['services', 'namespaces'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['route.openshift.io'], resources: ['routes'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['ako.vmware.com'], resources: ['hostrules'], verbs: ['get', 'list', 'watch'] },
]);

export const KUBECONFIG_HELP = `Create read-only credentials for amko in every member cluster and store them as
amko's member kubeconfig.

Usage: kubectl amko kubeconfig --contexts A,B[,...] --amko-contexts X[,...]
                               [--service-account NAME] [--duration DURATION] [-o json|yaml] [flags]

For each member context (from --kubeconfig): creates or updates, in that cluster, the
ServiceAccount ${AVI_SYSTEM}/NAME, a ClusterRole NAME that may only get, list and watch what
amko reads in a member (services, namespaces; networking.k8s.io ingresses;
route.openshift.io routes; ako.vmware.com hostrules) and a ClusterRoleBinding NAME; then asks
the TokenRequest API for a token of that ServiceAccount (serviceaccounts/NAME/token) valid for
DURATION. The API server may cap the duration (--service-account-max-token-expiration); the
expiry it granted is printed: run the command again before then.

Writes a kubeconfig with one context per member (named as the member's context, token
authentication, the member's server and CA from the kubeconfig) into Secret
${AVI_SYSTEM}/${MEMBERS_SECRET}, key ${MEMBERS_KEY}, in every cluster of --amko-contexts
(other keys of that Secret are kept).

Flags:
  --contexts A,B           member contexts to create credentials in (required)
  --amko-contexts X,Y      contexts of the clusters running amko, to write the Secret in (required)
  --service-account NAME   name of the ServiceAccount, ClusterRole and binding (default ${DEFAULT_SA})
  --duration DURATION      token lifetime to ask for (default ${DEFAULT_DURATION})
  -o, --output FORMAT      json or yaml instead of text

Output fields (-o json|yaml):
  members[]     {context, server, serviceAccount, clusterRole, tokenExpires}
  secret        {namespace, name, key}
  writtenTo[]   the amko contexts the Secret was written in

${COMMON_HELP}
`;

const OPTIONS = Object.freeze({
  contexts: { type: 'string' },
  'amko-contexts': { type: 'string' },
  'service-account': { type: 'string' },
  duration: { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const);

export interface MemberCredentials {
  context: string;
  server: string;
  serviceAccount: string;
  clusterRole: string;
  tokenExpires: string;
}

export interface KubeconfigResult {
  members: MemberCredentials[];
  secret: { namespace: string; name: string; key: string };
  writtenTo: string[];
}

/** `a,b` into its non-empty names, without duplicates; a usage error when there are none. */
export function contextList(value: string | undefined, flag: string): string[] {
  const names = [...new Set((value ?? '').split(',').map((s) => s.trim()))].filter((s) => s);
  if (names.length === 0) throw usageError(`--${flag} is required (comma-separated contexts)`);
  return names;
}

function fail(context: string, what: string, err: unknown): OperatorError {
  return classifyKubeError(err, `${context}: ${what}`);
}

const isConflict = (err: unknown): boolean => kubeStatusOf(err) === 409;
/** Creates the object, or replaces it when it exists. */
async function createOrReplace<T>(
  create: () => Promise<T>,
  replace: () => Promise<T>,
): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (!isConflict(err)) throw err;
    await replace();
  }
}

/** The member's server and CA as its kubeconfig context names them. */
function clusterOf(
  kc: KubeConfig,
  context: string,
): { server: string; caData?: string; insecure: boolean } {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw usageError(`context ${context} names no cluster in the kubeconfig`);
  const caData =
    cluster.caData ??
    (cluster.caFile ? readFileSync(cluster.caFile).toString('base64') : undefined);
  return {
    server: cluster.server,
    ...(caData === undefined ? {} : { caData }),
    insecure: cluster.skipTLSVerify,
  };
}

interface Issued extends MemberCredentials {
  token: string;
  caData?: string;
  insecure: boolean;
}

async function ensureNamespace(core: CoreV1Api, context: string): Promise<void> {
  try {
    await core.readNamespace({ name: AVI_SYSTEM });
  } catch (err) {
    if (!isKubeNotFound(err)) throw fail(context, `read namespace ${AVI_SYSTEM}`, err);
    await core.createNamespace({ body: { metadata: { name: AVI_SYSTEM } } }).catch((e: unknown) => {
      if (!isConflict(e)) throw fail(context, `create namespace ${AVI_SYSTEM}`, e);
    });
  }
}

/** The read-only ClusterRole and its binding to the ServiceAccount, created or replaced. */
async function ensureRbac(
  rbac: RbacAuthorizationV1Api,
  context: string,
  sa: string,
): Promise<void> {
  const labels = { ...MANAGED_BY };
  const role: V1ClusterRole = { metadata: { name: sa, labels }, rules: [...MEMBER_READ_RULES] };
  await createOrReplace(
    () => rbac.createClusterRole({ body: role }),
    () => rbac.replaceClusterRole({ name: sa, body: role }),
  ).catch((err: unknown) => {
    throw fail(context, `create ClusterRole ${sa}`, err);
  });
  const binding: V1ClusterRoleBinding = {
    metadata: { name: sa, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: sa },
    subjects: [{ kind: 'ServiceAccount', name: sa, namespace: AVI_SYSTEM }],
  };
  await createOrReplace(
    () => rbac.createClusterRoleBinding({ body: binding }),
    () => rbac.replaceClusterRoleBinding({ name: sa, body: binding }),
  ).catch((err: unknown) => {
    throw fail(context, `create ClusterRoleBinding ${sa}`, err);
  });
}

/** The ServiceAccount, ClusterRole, binding and a token in one member. */
async function issue(
  flags: { kubeconfig?: string },
  context: string,
  sa: string,
  seconds: number,
): Promise<Issued> {
  const { kubeConfig } = loadTarget(flags, context);
  const where = clusterOf(kubeConfig, context);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const rbac = kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  await ensureNamespace(core, context);
  await core
    .createNamespacedServiceAccount({
      namespace: AVI_SYSTEM,
      body: { metadata: { name: sa, namespace: AVI_SYSTEM, labels: { ...MANAGED_BY } } },
    })
    .catch((err: unknown) => {
      if (!isConflict(err)) throw fail(context, `create ServiceAccount ${AVI_SYSTEM}/${sa}`, err);
    });
  await ensureRbac(rbac, context, sa);
  let answer;
  try {
    answer = await core.createNamespacedServiceAccountToken({
      name: sa,
      namespace: AVI_SYSTEM,
      body: { spec: { audiences: [], expirationSeconds: seconds } },
    });
  } catch (err) {
    throw fail(context, `request a token for ServiceAccount ${AVI_SYSTEM}/${sa}`, err);
  }
  const token = answer.status?.token ?? '';
  if (token === '') {
    throw new OperatorError(
      'KUBE_REJECTED',
      'never',
      `${context}: the TokenRequest returned no token`,
    );
  }
  const expires = answer.status?.expirationTimestamp;
  return {
    context,
    server: where.server,
    serviceAccount: `${AVI_SYSTEM}/${sa}`,
    clusterRole: sa,
    tokenExpires: expires instanceof Date ? expires.toISOString() : (expires ?? ''),
    token,
    ...(where.caData === undefined ? {} : { caData: where.caData }),
    insecure: where.insecure,
  };
}

/** The member kubeconfig: one context per member, named as the member's context. */
export function membersKubeconfig(members: readonly Issued[]): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: members.map((m) => ({
      name: m.context,
      cluster: {
        server: m.server,
        ...(m.caData === undefined ? {} : { 'certificate-authority-data': m.caData }),
        ...(m.insecure ? { 'insecure-skip-tls-verify': true } : {}),
      },
    })),
    users: members.map((m) => ({ name: `${m.context}-amko`, user: { token: m.token } })),
    contexts: members.map((m) => ({
      name: m.context,
      context: { cluster: m.context, user: `${m.context}-amko` },
    })),
    'current-context': members[0]?.context ?? '',
  });
}

/** Writes the key into Secret avi-system/gslb-config-secret, keeping its other keys. */
async function writeSecret(
  flags: { kubeconfig?: string },
  context: string,
  text: string,
): Promise<void> {
  const core = loadTarget(flags, context).kubeConfig.makeApiClient(CoreV1Api);
  const value = Buffer.from(text).toString('base64');
  let existing: V1Secret | undefined;
  try {
    existing = await core.readNamespacedSecret({ name: MEMBERS_SECRET, namespace: AVI_SYSTEM });
  } catch (err) {
    if (!isKubeNotFound(err))
      throw fail(context, `read Secret ${AVI_SYSTEM}/${MEMBERS_SECRET}`, err);
  }
  try {
    if (existing) {
      existing.data = { ...existing.data, [MEMBERS_KEY]: value };
      await core.replaceNamespacedSecret({
        name: MEMBERS_SECRET,
        namespace: AVI_SYSTEM,
        body: existing,
      });
    } else {
      await ensureNamespace(core, context);
      await core.createNamespacedSecret({
        namespace: AVI_SYSTEM,
        body: {
          metadata: { name: MEMBERS_SECRET, namespace: AVI_SYSTEM },
          type: 'Opaque',
          data: { [MEMBERS_KEY]: value },
        },
      });
    }
  } catch (err) {
    throw fail(context, `write Secret ${AVI_SYSTEM}/${MEMBERS_SECRET}`, err);
  }
}

function print(io: CliIo, output: OutputFormat, result: KubeconfigResult, askedMs: number): void {
  if (output !== 'text') {
    io.out(output === 'json' ? `${JSON.stringify(result, null, 2)}\n` : stringify(result));
    return;
  }
  for (const m of result.members) {
    io.out(
      `${m.context}: ServiceAccount ${m.serviceAccount}, ClusterRole ${m.clusterRole} (read-only); ` +
        `token expires ${m.tokenExpires}\n`,
    );
  }
  const s = result.secret;
  io.out(
    `member kubeconfig (${result.members.length} contexts, tokens asked for ${formatDuration(askedMs)}) ` +
      `written to Secret ${s.namespace}/${s.name} key ${s.key} on ${result.writtenTo.join(', ')}\n`,
  );
}

export async function runKubeconfig(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, OPTIONS);
  if (parsed.common.help) {
    io.out(KUBECONFIG_HELP);
    return 0;
  }
  const output = parseOutput(stringFlag(parsed, 'output'));
  const members = contextList(stringFlag(parsed, 'contexts'), 'contexts');
  const amko = contextList(stringFlag(parsed, 'amko-contexts'), 'amko-contexts');
  const sa = stringFlag(parsed, 'service-account') ?? DEFAULT_SA;
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(sa)) {
    throw usageError(`--service-account ${JSON.stringify(sa)} is not a valid Kubernetes name`);
  }
  const ms = parseDuration(stringFlag(parsed, 'duration') ?? DEFAULT_DURATION);
  if (ms < 600_000) throw usageError('--duration must be at least 10m (the TokenRequest minimum)');
  for (const c of [...members, ...amko]) loadTarget(parsed.common, c);
  const issued: Issued[] = [];
  for (const c of members) issued.push(await issue(parsed.common, c, sa, Math.floor(ms / 1000)));
  const text = membersKubeconfig(issued);
  for (const c of amko) await writeSecret(parsed.common, c, text);
  const result: KubeconfigResult = {
    members: issued.map(({ context, server, serviceAccount, clusterRole, tokenExpires }) => ({
      context,
      server,
      serviceAccount,
      clusterRole,
      tokenExpires,
    })),
    secret: { namespace: AVI_SYSTEM, name: MEMBERS_SECRET, key: MEMBERS_KEY },
    writtenTo: amko,
  };
  print(io, output, result, ms);
  return 0;
}
