/**
 * `amko`: the one composition root, run by the entry (main.ts). Reads flags, loads the kubeconfig
 * (in a pod without flags: the in-cluster config), builds the logger and metrics, starts the
 * federation and health servers (the health server alone without --tls-* flags: single-site),
 * watches the AMKOCluster in avi-system and hands it to the role switch, which runs this process
 * as follower, leader or fenced leader and changes role live. Without an AMKOCluster it waits and
 * says so. SIGTERM/SIGINT stop everything in order; a second signal exits at once.
 */
import { offsetClock, systemClock } from './shared/clock.js';
import { AMKO_CLUSTER, type AmkoCluster } from './shared/crd/amko-cluster.js';
import { AVI_SYSTEM } from './shared/crd/common.js';
import { messageOf, OperatorError } from './shared/errors.js';
import { loadFederationTls, type FederationTls } from './shared/federation/credentials.js';
import { keepaliveOf } from './shared/federation/federation-names.js';
import { startFederationServer } from './shared/federation/federation-server.js';
import { loadFederationProto } from './shared/federation/proto.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from './shared/kube/kube-config.js';
import { customInformer } from './shared/kube/resource-informers.js';
import { SubresourceStatusWriter } from './shared/kube/status-writer.js';
import { createLogger, type Logger } from './shared/telemetry/logger.js';
import { startTracing } from './shared/telemetry/tracing.js';
import { HELP, parseFlags, type Flags } from './roles/flags.js';
import { VERSION } from './shared/version.js';
import { oldGenerationOf, youngGenerationOf } from './start-tuning.js';
import { aviTlsOf } from './roles/leader-pipeline.js';
import { startMetricsEndpoint } from './roles/metrics-endpoint.js';
import { RoleSwitch } from './roles/role-switch.js';

/** Watches the AMKOCluster in avi-system and hands every change to the role switch. */
function watchAmkoClusters(
  kubeConfig: KubeConfig,
  roles: RoleSwitch,
  log: Logger,
): { stop(): Promise<void> } {
  const amkoClusters = customInformer<AmkoCluster>(
    { kubeConfig, clock: systemClock, log, name: 'local' },
    AMKO_CLUSTER,
    AVI_SYSTEM,
  );
  const refresh = (): void => {
    if (amkoClusters.synced) roles.update(amkoClusters.list());
  };
  amkoClusters.on(refresh);
  amkoClusters.start();
  void amkoClusters.waitForSync().then(refresh);
  return amkoClusters;
}

/**
 * The federation transport the flags ask for; undefined (single-site: no federation listener,
 * no peer dialled) when neither a --tls-* flag nor --insecure is given.
 */
async function federationTlsOf(flags: Flags, log: Logger): Promise<FederationTls | undefined> {
  const tlsFlags = [flags.tlsCert, flags.tlsKey, flags.tlsCa].some((f) => f !== undefined);
  if (tlsFlags || flags.insecure) return loadFederationTls(flags);
  log.info(
    { healthListen: flags.healthListen },
    'federation off (single-site): no --tls-cert/--tls-key/--tls-ca; serving the health port only',
  );
  return undefined;
}

/** Starts every part; resolves with the function that stops them in order. */
async function start(flags: Flags, log: Logger): Promise<() => Promise<void>> {
  const kubeConfig = loadKubeConfig({ ...flags, env: process.env });
  const context = flags.context ?? kubeConfig.getCurrentContext();
  log.info(
    {
      version: VERSION,
      context,
      standby: flags.standby,
      youngGeneration: youngGenerationOf(),
      oldGeneration: oldGenerationOf(),
    },
    'amko starting',
  );
  const tracing = await startTracing({ cluster: context, version: VERSION, env: process.env });
  if (tracing.enabled) log.info({ endpoint: tracing.endpoint }, 'exporting traces over OTLP');
  const tls = await federationTlsOf(flags, log);
  const keepalive = keepaliveOf(flags.federationKeepaliveMs);
  const proto = loadFederationProto();
  const metrics = flags.metricsListen
    ? await startMetricsEndpoint({ listen: flags.metricsListen, log })
    : undefined;
  const server = await startFederationServer({
    federationListen: flags.federationListen,
    healthListen: flags.healthListen,
    tls,
    proto,
    log,
    keepalive,
  });
  const roles = new RoleSwitch({
    kubeConfig,
    context,
    server,
    proto,
    tls,
    standby: flags.standby,
    version: VERSION,
    aviTls: aviTlsOf(flags),
    meter: metrics?.meter,
    statusWriter: new SubresourceStatusWriter(kubeConfig),
    clock: offsetClock(systemClock, flags.clockOffsetMs),
    log,
    keepalive,
    pingIntervalMs: flags.replicationPingMs,
    leaderContactTimeoutMs: flags.leaderContactTimeoutMs,
  });
  const amkoClusters = watchAmkoClusters(kubeConfig, roles, log);
  return async () => {
    await roles.stop();
    log.debug('stopping: roles stopped');
    await server.stop();
    log.debug('stopping: federation and health servers stopped');
    await amkoClusters.stop();
    log.debug('stopping: AMKOCluster informer stopped');
    await metrics?.stop();
    await tracing.shutdown();
  };
}

function main(): void {
  let flags: Flags;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`amko: ${messageOf(err)}\n\n${HELP}`);
    process.exit(2);
  }
  if (flags.help) {
    process.stdout.write(HELP);
    return;
  }
  const log = createLogger({ level: flags.logLevel, name: 'amko' });
  const started = start(flags, log);
  started.catch((err: unknown) => {
    const config = err instanceof OperatorError && err.code === 'CONFIG_INVALID';
    log.fatal({ err: messageOf(err) }, 'amko could not start');
    log.flush();
    process.exitCode = config ? 2 : 1;
    process.exit();
  });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    void started.then(async (stop) => {
      await stop();
      log.info('stopped');
      log.flush();
      process.exitCode = 0;
      // Everything is stopped; a socket to a peer behind a black-holed link can still hold the
      // event loop open, so the process ends a moment later whatever is left.
      setTimeout(() => process.exit(), 1_000).unref();
    });
  };
  process.on('SIGTERM', () => {
    shutdown('SIGTERM');
  });
  process.on('SIGINT', () => {
    shutdown('SIGINT');
  });
}

main();
