/** Options of the simulator, with their defaults. */
import { type Clock, systemClock } from '../../shared/clock.js';
import { type Logger, silentLogger } from '../../shared/telemetry/logger.js';
import type { SeedDoc } from './seed.js';

export interface AviSimulatorOptions {
  /** Listen address (default 127.0.0.1) and port (default 0: any free port). */
  host?: string;
  port?: number;
  username: string;
  password: string;
  /** An API token accepted at `/login` as `{username, token}`. */
  token?: string;
  /** Serve HTTPS: `true` generates a self-signed certificate; or give a PEM pair. */
  tls?: boolean | { cert: string; key: string };
  /** Keep the store in this file (loaded at start, written atomically after each change). */
  statePath?: string;
  /** Seed (default: the built-in seed of avi-rest-api.md §7.1). */
  seed?: SeedDoc;
  /** Controller version it reports (default 22.1.3). */
  version?: string;
  /** Refuse requests whose `X-Avi-Version` is higher than `version`. */
  strictVersion?: boolean;
  allowBasicAuth?: boolean;
  /** Tenants read and reference `admin`'s monitors and profiles by name (default true). */
  shareAdminProfiles?: boolean;
  /** Create a tenant on first use of its name in `X-Avi-Tenant` (default false). */
  autoCreateTenants?: boolean;
  /** Idle time after which a session expires (default 15 min). */
  sessionIdleMs?: number;
  /** Reply to a request on an expired session: 401 (default) or 419 with fresh cookies. */
  expiredSessionStatus?: 401 | 419;
  /** Journal entries kept (oldest dropped first; counters are not). Default 100 000. */
  journalLimit?: number;
  clock?: Clock;
  /** Random source in [0, 1) for fault probabilities. */
  random?: () => number;
  logger?: Logger;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  username: string;
  password: string;
  token: { token?: string };
  tls: boolean | { cert: string; key: string };
  statePath: string | undefined;
  seed: SeedDoc | undefined;
  version: string;
  strictVersion: boolean;
  allowBasicAuth: boolean;
  shareAdminProfiles: boolean;
  autoCreateTenants: boolean;
  sessionIdleMs: number;
  expiredSessionStatus: 401 | 419;
  journalLimit: number;
  clock: Clock;
  random: () => number;
  logger: Logger;
}

export const DEFAULT_CONTROLLER_VERSION = '22.1.3';

const DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  tls: false,
  version: DEFAULT_CONTROLLER_VERSION,
  strictVersion: false,
  allowBasicAuth: false,
  shareAdminProfiles: true,
  autoCreateTenants: false,
  sessionIdleMs: 15 * 60_000,
  expiredSessionStatus: 401,
  journalLimit: 100_000,
} as const);

export function resolveOptions(o: AviSimulatorOptions): ResolvedOptions {
  const { token, statePath, seed, clock, random, logger, ...rest } = o;
  return {
    ...DEFAULTS,
    ...rest,
    token: token === undefined ? {} : { token },
    statePath,
    seed,
    clock: clock ?? systemClock,
    random: random ?? Math.random,
    logger: logger ?? silentLogger(),
  };
}
