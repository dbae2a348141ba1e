#!/usr/bin/env node
/**
 * `amko`: the one composition root. Reads flags, loads the kubeconfig (in a pod without flags:
 * the in-cluster config), builds the logger, watches the AMKOCluster in avi-system and starts or
 * stops the leader pipeline live when `spec.isLeader` changes. Without an AMKOCluster it waits
 * and says so. SIGTERM/SIGINT stop everything in order; a second signal exits at once.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { systemClock } from './shared/clock.js';
import { AMKO_CLUSTER, type AmkoCluster } from './shared/crd/amko-cluster.js';
import { AVI_SYSTEM } from './shared/crd/common.js';
import { messageOf } from './shared/errors.js';
import { customInformer } from './shared/kube/resource-informers.js';
import { createLogger, type Logger } from './shared/telemetry/logger.js';
import { startLeader, type LeaderHandle } from './leader/leader.js';

const VERSION = '0.1.0';

const OPTIONS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'log-level': { type: 'string', default: 'info' },
  standby: { type: 'string', default: 'hot' },
  'avi-ca-file': { type: 'string' },
  'avi-insecure': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const HELP = `amko ${VERSION}: Avi Multi-Cluster Kubernetes Operator

Usage: amko [flags]

Flags:
  --kubeconfig FILE     kubeconfig of this cluster (default: in-cluster config in a pod,
                        else $KUBECONFIG or ~/.kube/config)
  --context NAME        context of this cluster in the kubeconfig; also sent to the Avi
                        controller in the User-Agent (default: the current context)
  --log-level LEVEL     trace, debug, info, warn or error (default info); the GSLBConfig's
                        logLevel overrides it once a GSLBConfig is in force
  --standby hot|cold    hot (default): while not the leader, keep the GSLB pipeline warm and
                        read-only so a promotion only writes what changed; cold: run nothing
  --avi-ca-file FILE    PEM bundle to verify the Avi controller's certificate
  --avi-insecure        do not verify the Avi controller's certificate
  -h, --help            print this help
`;

type Flags = ReturnType<typeof parseFlags>;

function parseFlags(argv: string[]): {
  kubeconfig: string | undefined;
  context: string | undefined;
  logLevel: string;
  standby: 'hot' | 'cold';
  aviCaFile: string | undefined;
  aviInsecure: boolean;
  help: boolean;
} {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true });
  const standby = values.standby;
  if (standby !== 'hot' && standby !== 'cold')
    throw new Error(`--standby must be hot or cold, got ${standby}`);
  const levels = ['trace', 'debug', 'info', 'warn', 'error'];
  const logLevel = values['log-level'].toLowerCase();
  if (!levels.includes(logLevel))
    throw new Error(`--log-level must be one of ${levels.join(', ')}`);
  return {
    kubeconfig: values.kubeconfig,
    context: values.context,
    logLevel,
    standby,
    aviCaFile: values['avi-ca-file'],
    aviInsecure: values['avi-insecure'],
    help: values.help,
  };
}

function loadKubeConfig(flags: Flags): KubeConfig {
  const kc = new KubeConfig();
  if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
  else if (process.env['KUBERNETES_SERVICE_HOST']) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (flags.context) kc.setCurrentContext(flags.context);
  return kc;
}

/** Starts, activates, deactivates or stops the leader as the AMKOCluster says. */
class RoleSwitch {
  #leader: LeaderHandle | undefined;
  #lastSay = '';
  #chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: { kubeConfig: KubeConfig; context: string; flags: Flags; log: Logger },
  ) {}

  /** Serialises role changes. */
  update(clusters: readonly AmkoCluster[]): void {
    this.#chain = this.#chain
      .then(() => this.#apply(clusters))
      .catch((err: unknown) => {
        this.deps.log.error({ err: messageOf(err) }, 'role change failed');
      });
  }

  async stop(): Promise<void> {
    await this.#chain;
    const leader = this.#leader;
    this.#leader = undefined;
    await leader?.stop();
  }

  #say(msg: string, extra: Record<string, unknown> = {}): void {
    if (msg === this.#lastSay) return;
    this.#lastSay = msg;
    this.deps.log.info(extra, msg);
  }

  async #apply(clusters: readonly AmkoCluster[]): Promise<void> {
    if (clusters.length === 0) {
      this.#say('no AMKOCluster in avi-system; waiting for one before taking any role');
      return this.#demote(false);
    }
    if (clusters.length > 1) {
      this.deps.log.error('only one AMKOClusterObject allowed per cluster; taking no role');
      return this.#demote(false);
    }
    const isLeader = clusters[0]?.spec?.isLeader === true;
    this.#say(
      isLeader
        ? 'AMKOCluster says isLeader: true; leading'
        : 'AMKOCluster says isLeader: false; following',
      {
        isLeader,
      },
    );
    if (isLeader) await this.#promote();
    else await this.#demote(this.deps.flags.standby === 'hot');
  }

  async #promote(): Promise<void> {
    if (this.#leader) {
      await this.#leader.activate(1);
      return;
    }
    this.#leader = await this.#start('active');
  }

  async #demote(keepStandby: boolean): Promise<void> {
    if (keepStandby) {
      if (this.#leader) await this.#leader.deactivate();
      else this.#leader = await this.#start('standby');
      return;
    }
    const leader = this.#leader;
    this.#leader = undefined;
    await leader?.stop();
  }

  #start(mode: 'active' | 'standby'): Promise<LeaderHandle> {
    const { flags } = this.deps;
    return startLeader({
      kubeConfig: this.deps.kubeConfig,
      context: this.deps.context,
      log: this.deps.log,
      clock: systemClock,
      epoch: 1,
      isFenced: () => false,
      mode,
      version: VERSION,
      aviTls: {
        ...(flags.aviCaFile ? { ca: readFileSync(flags.aviCaFile) } : {}),
        ...(flags.aviInsecure ? { insecure: true } : {}),
      },
    });
  }
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
  const log = createLogger({ level: flags.logLevel as 'info', name: 'amko' });
  const kubeConfig = loadKubeConfig(flags);
  const context = flags.context ?? kubeConfig.getCurrentContext();
  log.info({ version: VERSION, context, standby: flags.standby }, 'amko starting');
  const roles = new RoleSwitch({ kubeConfig, context, flags, log });
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
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    void (async (): Promise<void> => {
      await roles.stop();
      await amkoClusters.stop();
      log.info('stopped');
      log.flush();
      process.exitCode = 0;
    })();
  };
  process.on('SIGTERM', () => {
    shutdown('SIGTERM');
  });
  process.on('SIGINT', () => {
    shutdown('SIGINT');
  });
}

main();
