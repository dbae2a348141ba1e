/** Command-line flags of `amko-avi-sim`. Pure: files named by flags are read by `main.ts`. */

export const USAGE = `usage: amko-avi-sim --password PASS [options]

  --listen HOST:PORT           listen address (default 127.0.0.1:0, any free port)
  --username NAME              user accepted at /login (default admin)
  --password PASS              that user's password (required)
  --token TOKEN                an API token accepted at /login as {username, token}
  --tls                        serve HTTPS with a generated self-signed certificate
  --tls-cert FILE --tls-key FILE   serve HTTPS with this PEM certificate and key
  --state FILE                 keep the configuration in FILE across restarts
  --seed FILE                  start from this seed (JSON or YAML) instead of the default
  --version VERSION            controller version to report (default 22.1.3)
  --strict-version             refuse X-Avi-Version higher than the controller's
  --allow-basic-auth           accept Authorization: Basic on API calls
  --auto-create-tenants        create a tenant on first use in X-Avi-Tenant
  --no-share-admin-profiles    tenants do not see admin's monitors and profiles
  --session-idle SECONDS       idle time before a session expires (default 900)
  --expired-session-status N   401 (default) or 419 for requests on an expired session
  --fault-seed N               seed of the random source behind probabilistic faults
  --log-level LEVEL            debug, info, warn, error (default warn)
  --help                       this text
`;

export interface CliOptions {
  host: string;
  port: number;
  username: string;
  password: string;
  token?: string;
  tls: boolean;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  statePath?: string;
  seedFile?: string;
  version?: string;
  strictVersion: boolean;
  allowBasicAuth: boolean;
  autoCreateTenants: boolean;
  shareAdminProfiles: boolean;
  sessionIdleMs?: number;
  /** Seed of the random source that decides probabilistic faults (default: Math.random). */
  faultSeed?: number;
  expiredSessionStatus: 401 | 419;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export type CliResult = { help: true } | { help: false; options: CliOptions };

export class CliError extends Error {}

const BOOLEAN_FLAGS: Readonly<Record<string, keyof CliOptions>> = Object.freeze({
  '--tls': 'tls',
  '--strict-version': 'strictVersion',
  '--allow-basic-auth': 'allowBasicAuth',
  '--auto-create-tenants': 'autoCreateTenants',
});

const VALUE_FLAGS: readonly string[] = Object.freeze([
  '--listen',
  '--username',
  '--password',
  '--token',
  '--tls-cert',
  '--tls-key',
  '--state',
  '--seed',
  '--version',
  '--session-idle',
  '--expired-session-status',
  '--log-level',
  '--fault-seed',
]);

/** Splits `HOST:PORT` (IPv6 in brackets). */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  const port = Number(match?.[3]);
  if (match === null || !Number.isInteger(port) || port > 65535) {
    throw new CliError(`--listen wants HOST:PORT, got ${value}`);
  }
  return { host: match[1] ?? (match[2] === '' ? '127.0.0.1' : (match[2] ?? '127.0.0.1')), port };
}

function collect(argv: readonly string[]): { values: Map<string, string>; flags: Set<string> } {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUE_FLAGS.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new CliError(`${name} needs a value`);
      values.set(name, value);
    } else if (name in BOOLEAN_FLAGS || name === '--no-share-admin-profiles' || name === '--help') {
      flags.add(name);
    } else {
      throw new CliError(`unknown argument ${arg}`);
    }
  }
  return { values, flags };
}

function optionalValues(values: Map<string, string>): Partial<CliOptions> {
  const out: Partial<CliOptions> = {};
  const set = (key: keyof CliOptions, flag: string): void => {
    const value = values.get(flag);
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  };
  set('token', '--token');
  set('tlsCertFile', '--tls-cert');
  set('tlsKeyFile', '--tls-key');
  set('statePath', '--state');
  set('seedFile', '--seed');
  set('version', '--version');
  const idle = values.get('--session-idle');
  if (idle !== undefined) {
    const seconds = Number(idle);
    if (!(seconds > 0)) throw new CliError('--session-idle wants a positive number of seconds');
    out.sessionIdleMs = seconds * 1000;
  }
  const faultSeed = values.get('--fault-seed');
  if (faultSeed !== undefined) {
    if (!/^\d+$/.test(faultSeed)) throw new CliError('--fault-seed wants a non-negative integer');
    out.faultSeed = Number(faultSeed);
  }
  return out;
}

function enumValue<T extends string | number>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T | undefined {
  if (value === undefined) return undefined;
  const found = allowed.find((a) => String(a) === value);
  if (found === undefined) throw new CliError(`${flag} wants one of ${allowed.join(', ')}`);
  return found;
}

export function parseArgs(argv: readonly string[]): CliResult {
  const { values, flags } = collect(argv);
  if (flags.has('--help')) return { help: true };
  const password = values.get('--password');
  if (password === undefined || password === '') throw new CliError('--password is required');
  const options: CliOptions = {
    ...parseListen(values.get('--listen') ?? '127.0.0.1:0'),
    username: values.get('--username') ?? 'admin',
    password,
    tls: flags.has('--tls') || values.has('--tls-cert'),
    strictVersion: flags.has('--strict-version'),
    allowBasicAuth: flags.has('--allow-basic-auth'),
    autoCreateTenants: flags.has('--auto-create-tenants'),
    shareAdminProfiles: !flags.has('--no-share-admin-profiles'),
    expiredSessionStatus:
      enumValue(
        values.get('--expired-session-status'),
        [401, 419] as const,
        '--expired-session-status',
      ) ?? 401,
    logLevel:
      enumValue(
        values.get('--log-level'),
        ['debug', 'info', 'warn', 'error'] as const,
        '--log-level',
      ) ?? 'warn',
    ...optionalValues(values),
  };
  if ((options.tlsCertFile === undefined) !== (options.tlsKeyFile === undefined)) {
    throw new CliError('--tls-cert and --tls-key go together');
  }
  return { help: false, options };
}
