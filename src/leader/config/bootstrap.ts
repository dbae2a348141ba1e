/**
 * Start-up of the pipeline for one GSLBConfig (gslb-pipeline.md §2.2–2.4): validation,
 * controller credentials, the Avi client, controller version and GSLB leadership, and the member
 * kubeconfig. Every failure carries the GSLBConfig `status.state` text AMKO writes for it.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { AviClient } from '../../shared/avi/avi-client.js';
import type { Clock } from '../../shared/clock.js';
import { AVI_SYSTEM } from '../../shared/crd/common.js';
import {
  GSLB_CONFIG_STATE,
  validateGslbConfig,
  withGslbConfigDefaults,
  type GslbConfig,
} from '../../shared/crd/gslb-config.js';
import { messageOf, OperatorError } from '../../shared/errors.js';
import { isKubeNotFound } from '../../shared/kube/kube-errors.js';
import { memberKubeConfigs } from '../../shared/kube/member-clients.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { LeaderMetrics } from '../../shared/telemetry/metrics.js';
import type { PipelineSettings } from '../pipeline/pipeline-deps.js';
import { AviClientGslbApi } from '../sync/avi-client-api.js';

export const MEMBERS_SECRET = 'gslb-config-secret';
export const MEMBERS_KEY = 'gslb-members';

export interface AviTls {
  readonly ca?: string | Buffer;
  readonly insecure?: boolean;
}

export interface BootstrapDeps {
  /** The local cluster (secrets live in its avi-system). */
  readonly kubeConfig: KubeConfig;
  /** This cluster's context name, sent in the Avi client's User-Agent. */
  readonly context: string;
  readonly version: string;
  readonly aviTls: AviTls;
  readonly clock: Clock;
  readonly log: Logger;
  /** Avi request durations and failures by class. */
  readonly metrics?: LeaderMetrics;
}

export interface Bootstrapped {
  readonly settings: PipelineSettings;
  readonly client: AviClient;
  readonly avi: AviClientGslbApi;
  readonly controllerLeader: boolean;
}

/** A start-up failure, with the status text to write and whether retrying can help. */
export class BootstrapError extends OperatorError {
  constructor(
    readonly state: string,
    retry: 'backoff' | 'slow' | 'never',
    options?: ErrorOptions,
  ) {
    super('CONFIG_INVALID', retry, state, options);
    this.name = 'BootstrapError';
  }
}

function decode(data: Record<string, string> | undefined, key: string): string {
  const v = data?.[key];
  return v === undefined ? '' : Buffer.from(v, 'base64').toString('utf8');
}

async function readSecret(
  core: CoreV1Api,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    return (await core.readNamespacedSecret({ name, namespace: AVI_SYSTEM })).data ?? {};
  } catch (err) {
    if (isKubeNotFound(err)) return undefined;
    throw new BootstrapError(`error: could not read secret ${name}: ${messageOf(err)}`, 'backoff', {
      cause: err,
    });
  }
}

async function aviClient(
  deps: BootstrapDeps,
  gc: ReturnType<typeof withGslbConfigDefaults>,
  creds: Record<string, string>,
): Promise<AviClient> {
  const leader = gc.gslbLeader;
  const base = {
    baseUrl: leader.controllerIP ?? '',
    username: decode(creds, 'username'),
    password: decode(creds, 'password'),
    tenant: leader.tenant,
    userAgent: { version: deps.version, cluster: deps.context },
    logger: deps.log,
    clock: deps.clock,
    ...(deps.metrics === undefined ? {} : { observer: deps.metrics.aviRequest.bind(deps.metrics) }),
    ...(deps.aviTls.ca === undefined ? {} : { caBundle: deps.aviTls.ca }),
    ...(deps.aviTls.insecure === true ? { insecure: true } : {}),
  };
  let version = leader.controllerVersion ?? '';
  try {
    if (version === '') {
      const probe = new AviClient(base);
      version = (await probe.getInitialData()).version.Version;
      await probe.close().catch(() => undefined);
    }
    const client = new AviClient({ ...base, controllerVersion: version });
    await new AviClientGslbApi(client).probe();
    return client;
  } catch (err) {
    throw new BootstrapError(GSLB_CONFIG_STATE.controllerApi(messageOf(err)), 'slow', {
      cause: err,
    });
  }
}

function memberConfigs(
  deps: BootstrapDeps,
  text: string,
  contexts: readonly string[],
): PipelineSettings['memberConfigs'] {
  try {
    const parsed = memberKubeConfigs(text, contexts);
    for (const p of parsed.problems) {
      deps.log.error({ cluster: p.context, err: p.error }, 'member cluster skipped');
    }
    return parsed.configs;
  } catch (err) {
    throw new BootstrapError(GSLB_CONFIG_STATE.kubeconfig(messageOf(err)), 'backoff', {
      cause: err,
    });
  }
}

/** Validates the GSLBConfig and builds everything the pipeline needs. */
export async function bootstrap(
  gcObj: GslbConfig,
  amkoUuid: string,
  deps: BootstrapDeps,
): Promise<Bootstrapped> {
  const validation = validateGslbConfig(gcObj);
  if (validation.problems.length > 0) throw new BootstrapError(validation.status, 'never');
  const gc = withGslbConfigDefaults(gcObj.spec ?? {});
  const core = deps.kubeConfig.makeApiClient(CoreV1Api);
  const credsName = gc.gslbLeader.credentials ?? '';
  const creds = await readSecret(core, credsName);
  if (!creds) throw new BootstrapError(GSLB_CONFIG_STATE.secretMissing(credsName), 'backoff');
  const client = await aviClient(deps, gc, creds);
  const avi = new AviClientGslbApi(client);
  let controllerLeader: boolean;
  try {
    controllerLeader = (await client.leaderCheck()).leader;
  } catch (err) {
    await client.close().catch(() => undefined);
    throw new BootstrapError(GSLB_CONFIG_STATE.leaderSite(messageOf(err)), 'slow', { cause: err });
  }
  const contexts = gc.memberClusters.map((m) => m.clusterContext ?? '').filter((c) => c);
  const members = await readSecret(core, MEMBERS_SECRET);
  const text = decode(members, MEMBERS_KEY);
  if (text === '') {
    await client.close().catch(() => undefined);
    throw new BootstrapError(
      GSLB_CONFIG_STATE.kubeconfig(`secret ${MEMBERS_SECRET} with key ${MEMBERS_KEY} not found`),
      'backoff',
    );
  }
  return {
    settings: {
      amkoUuid,
      defaultTenant: gc.gslbLeader.tenant,
      customFqdn: gc.useCustomGlobalFqdn,
      refreshIntervalMs: gc.refreshInterval * 1000,
      memberClusters: contexts,
      memberConfigs: memberConfigs(deps, text, contexts),
    },
    client,
    avi,
    controllerLeader,
  };
}
