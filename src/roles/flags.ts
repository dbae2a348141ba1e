/**
 * The command line of `amko`: the flags, their defaults and checks, and the help text. Pure: it
 * reads nothing but the argument list it is given.
 */
import { parseArgs } from 'node:util';
import { VERSION } from '../shared/version.js';

const OPTIONS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'log-level': { type: 'string', default: 'info' },
  standby: { type: 'string', default: 'hot' },
  'avi-ca-file': { type: 'string' },
  'avi-insecure': { type: 'boolean', default: false },
  'federation-listen': { type: 'string', default: '0.0.0.0:50051' },
  'health-listen': { type: 'string', default: '0.0.0.0:50052' },
  'metrics-listen': { type: 'string' },
  'federation-keepalive-ms': { type: 'string', default: '10000' },
  'replication-ping-ms': { type: 'string', default: '15000' },
  'leader-contact-timeout': { type: 'string', default: '30' },
  'clock-offset-ms': { type: 'string', default: '0' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-ca': { type: 'string' },
  insecure: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const HELP = `amko ${VERSION}: Avi Multi-Cluster Kubernetes Operator

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
  --federation-listen HOST:PORT
                        federation gRPC listener: Federation, Health and reflection, mutual
                        TLS (default 0.0.0.0:50051; port 0 picks a free port and logs it);
                        not opened without --tls-* flags (single-site)
  --health-listen HOST:PORT
                        plaintext gRPC listener serving only grpc.health.v1.Health, for
                        kubelet probes (default 0.0.0.0:50052; port 0 picks a free port)
  --tls-cert FILE       this cluster's certificate (subject CN and a DNS SAN = its context)
  --tls-key FILE        its private key
  --tls-ca FILE         CA that issued every member's certificate. All three, or none: without
                        them (and without --insecure) amko runs single-site, for an AMKOCluster
                        that names only this cluster: no federation listener, the health port
                        only
  --insecure            plaintext federation without peer authentication (local demos only;
                        does not affect the Avi controller's TLS)
  --metrics-listen HOST:PORT
                        serve Prometheus metrics on http://HOST:PORT/metrics (default: off)
  --federation-keepalive-ms MS
                        HTTP/2 keepalive of federation connections: a ping every MS, the
                        connection closed when one is not answered within MS/2, so a leader
                        notices a silent (stalled, blackholed) follower within 1.5 × MS and
                        shows it in its status (default 10000; 1000..600000; every member
                        should use the same value, a server refuses pings more often than MS/2)
  --replication-ping-ms MS
                        a leader pings each follower this often on its replication stream, so
                        followers know it is alive (default 15000; 100..600000)
  --leader-contact-timeout SECONDS
                        a follower that hears nothing from its leader for this long shows
                        LeaderReachable False (default 30; 1..86400); keep it above the
                        leader's --replication-ping-ms
  --clock-offset-ms MS  run this process's clock MS ahead (negative: behind) of the system
                        clock: clock-skew experiments (default 0; -3600000..3600000)
  -h, --help            print this help
`;

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** The parsed command line. */
export interface Flags {
  readonly kubeconfig: string | undefined;
  readonly context: string | undefined;
  readonly logLevel: LogLevel;
  readonly standby: 'hot' | 'cold';
  readonly aviCaFile: string | undefined;
  readonly aviInsecure: boolean;
  readonly federationListen: string;
  readonly healthListen: string;
  readonly metricsListen: string | undefined;
  readonly federationKeepaliveMs: number;
  readonly replicationPingMs: number;
  readonly leaderContactTimeoutMs: number;
  /** The process clock runs this far ahead of the system clock (skew experiments). */
  readonly clockOffsetMs: number;
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  readonly tlsCa: string | undefined;
  readonly insecure: boolean;
  readonly help: boolean;
}

const LEVELS: readonly LogLevel[] = Object.freeze(['trace', 'debug', 'info', 'warn', 'error']);

/** `host:port` or `[v6]:port`, port 0..65535. */
export function isListenAddress(address: string): boolean {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(address);
  return m !== null && Number(m[2]) <= 65535;
}

function listenFlag(flag: string, value: string): string {
  if (!isListenAddress(value)) throw new Error(`${flag} must be host:port, got ${value}`);
  return value;
}

function logLevelOf(value: string): LogLevel {
  const level = value.toLowerCase();
  const found = LEVELS.find((l) => l === level);
  if (!found) throw new Error(`--log-level must be one of ${LEVELS.join(', ')}`);
  return found;
}

function keepaliveFlag(value: string): number {
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms < 1_000 || ms > 600_000)
    throw new Error(
      `--federation-keepalive-ms must be an integer from 1000 to 600000, got ${value}`,
    );
  return ms;
}

/** An integer flag within `min..max`. */
function integerFlag(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || n < min || n > max)
    throw new Error(`${flag} must be an integer from ${min} to ${max}, got ${value}`);
  return n;
}

/** Parses the arguments (without the node and script paths); throws with a message on misuse. */
export function parseFlags(argv: readonly string[]): Flags {
  const { values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true });
  const standby = values.standby;
  if (standby !== 'hot' && standby !== 'cold') {
    throw new Error(`--standby must be hot or cold, got ${standby}`);
  }
  const metrics = values['metrics-listen'];
  return Object.freeze({
    kubeconfig: values.kubeconfig,
    context: values.context,
    logLevel: logLevelOf(values['log-level']),
    standby,
    aviCaFile: values['avi-ca-file'],
    aviInsecure: values['avi-insecure'],
    federationListen: listenFlag('--federation-listen', values['federation-listen']),
    healthListen: listenFlag('--health-listen', values['health-listen']),
    metricsListen: metrics === undefined ? undefined : listenFlag('--metrics-listen', metrics),
    federationKeepaliveMs: keepaliveFlag(values['federation-keepalive-ms']),
    replicationPingMs: integerFlag(
      '--replication-ping-ms',
      values['replication-ping-ms'],
      100,
      600_000,
    ),
    leaderContactTimeoutMs:
      integerFlag('--leader-contact-timeout', values['leader-contact-timeout'], 1, 86_400) * 1000,
    clockOffsetMs: integerFlag(
      '--clock-offset-ms',
      values['clock-offset-ms'],
      -3_600_000,
      3_600_000,
    ),
    tlsCert: values['tls-cert'],
    tlsKey: values['tls-key'],
    tlsCa: values['tls-ca'],
    insecure: values.insecure,
    help: values.help,
  });
}
