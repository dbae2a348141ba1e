/**
 * Starts the real `amko-avi-sim` binary (dist/src/sim/avi-controller/main.js) on a free loopback
 * port and drives its `/_sim/` control API. One simulator per call; `stop()` ends the process and
 * removes its temporary files.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AviClient, type AviClientOptions } from '../../src/shared/avi/avi-client.js';
import { HttpTransport } from '../../src/shared/avi/transport.js';
import type { GslbService, HealthMonitor } from '../../src/shared/avi/types.js';
import type { FaultRule } from '../../src/sim/avi-controller/faults.js';
import type {
  JournalEntry,
  JournalFilter,
  SimStats,
} from '../../src/sim/avi-controller/journal.js';
import type { SeedDoc } from '../../src/sim/avi-controller/seed.js';
import { selfSignedCertificate } from '../../src/sim/avi-controller/self-signed.js';

export interface StartAviSimOptions {
  username?: string;
  /** Default: a random password. */
  password?: string;
  token?: string;
  /** Serve HTTPS with a certificate made here; its PEM is returned as `ca`. */
  tls?: boolean;
  /** Written to a temporary JSON file and passed as `--seed`. */
  seed?: SeedDoc;
  statePath?: string;
  version?: string;
  strictVersion?: boolean;
  autoCreateTenants?: boolean;
  sessionIdleSeconds?: number;
  expiredSessionStatus?: 401 | 419;
  /** Seed of the random source behind probabilistic faults (`--fault-seed`). */
  faultSeed?: number;
  /** Further flags, verbatim. */
  args?: readonly string[];
  /** How long to wait for `listening on` (default 20 s). */
  startTimeoutMs?: number;
}

/** A fault rule as `POST /_sim/faults` takes it (see src/sim/avi-controller/faults.ts). */
export interface FaultSpec {
  match?: {
    method?: string;
    objectType?: string;
    path?: string;
    tenant?: string;
    bodyContains?: string;
    /** Regular expression on the User-Agent (`cluster/<context>$`: one amko's requests). */
    userAgent?: string;
  };
  effect: {
    status?: number;
    body?: unknown;
    latencyMs?: number;
    reset?: boolean;
    timeout?: boolean;
    rawBody?: string;
    contentType?: string;
    apply?: boolean;
    dropField?: string;
    nextLoop?: 'self' | 'first';
    bodyBytes?: number;
    declareLength?: boolean;
  };
  count?: number;
  probability?: number;
}

export interface AviSimControl {
  objects(filter?: {
    type?: string;
    tenant?: string;
  }): Promise<Record<string, Record<string, unknown>[]>>;
  stats(): Promise<SimStats>;
  journal(filter?: JournalFilter): Promise<JournalEntry[]>;
  clearJournal(): Promise<void>;
  /** Adds fault rules; returns them with their ids. */
  faults(rules: FaultSpec | readonly FaultSpec[]): Promise<FaultRule[]>;
  /** Removes one rule by id, or all. */
  clearFaults(id?: string): Promise<void>;
  reset(opts?: { empty?: boolean }): Promise<void>;
  seed(doc: SeedDoc): Promise<void>;
  expireSessions(): Promise<number>;
  setLeader(leader: boolean): Promise<void>;
  setMaintenance(on: boolean): Promise<void>;
  rejectNextLogins(count: number): Promise<void>;
  setPassword(username: string, password: string): Promise<void>;
  /** Bumps `_last_modified` of an object; returns the new value. */
  touch(type: string, uuid: string): Promise<string>;
}

export interface AviSimHandle {
  url: string;
  username: string;
  password: string;
  /** PEM to trust when started with `tls`. */
  ca: string | undefined;
  /** The current process (a new one after `restart`). */
  readonly pid: number;
  control: AviSimControl;
  /**
   * The controller going down and coming back: stops the process (SIGTERM, state flushed), waits
   * `downMs`, and starts it again on the same port with the same flags. Its configuration
   * survives only when started with `statePath`; sessions, faults and the journal do not.
   * Resolves with how long the port was closed (stop, `downMs` and start-up), in ms.
   */
  restart(downMs?: number): Promise<number>;
  /** The first half of `restart`: the process stops (SIGTERM, state flushed) and stays down. */
  down(): Promise<void>;
  /** The second half: starts again on the same port with the same flags (after `down`). */
  up(): Promise<void>;
  stop(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** The compiled binary, from dist/test/support. */
export const AVI_SIM_MAIN = path.resolve(here, '../../src/sim/avi-controller/main.js');

function flags(
  opts: StartAviSimOptions,
  dir: string,
  creds: { username: string; password: string },
): {
  args: string[];
  ca: string | undefined;
} {
  const args = [
    '--listen',
    '127.0.0.1:0',
    '--username',
    creds.username,
    '--password',
    creds.password,
  ];
  let ca: string | undefined;
  if (opts.tls === true) {
    const pair = selfSignedCertificate({
      commonName: 'amko-avi-sim',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      notBefore: new Date(Date.now() - 3_600_000),
      days: 2,
    });
    writeFileSync(path.join(dir, 'tls.crt'), pair.cert);
    writeFileSync(path.join(dir, 'tls.key'), pair.key, { mode: 0o600 });
    args.push('--tls-cert', path.join(dir, 'tls.crt'), '--tls-key', path.join(dir, 'tls.key'));
    ca = pair.cert;
  }
  if (opts.seed !== undefined) {
    writeFileSync(path.join(dir, 'seed.json'), JSON.stringify(opts.seed));
    args.push('--seed', path.join(dir, 'seed.json'));
  }
  if (opts.token !== undefined) args.push('--token', opts.token);
  if (opts.statePath !== undefined) args.push('--state', opts.statePath);
  if (opts.version !== undefined) args.push('--version', opts.version);
  if (opts.strictVersion === true) args.push('--strict-version');
  if (opts.autoCreateTenants === true) args.push('--auto-create-tenants');
  return { args: [...args, ...numericFlags(opts), ...(opts.args ?? [])], ca };
}

function numericFlags(opts: StartAviSimOptions): string[] {
  const out: string[] = [];
  const add = (flag: string, value: number | undefined): void => {
    if (value !== undefined) out.push(flag, String(value));
  };
  add('--session-idle', opts.sessionIdleSeconds);
  add('--expired-session-status', opts.expiredSessionStatus);
  add('--fault-seed', opts.faultSeed);
  return out;
}

function waitForUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      finish(new Error(`amko-avi-sim did not start in ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    const onExit = (code: number | null): void => {
      finish(new Error(`amko-avi-sim exited with ${String(code)}: ${err}`));
    };
    const onOut = (chunk: Buffer): void => {
      out += chunk.toString();
      const match = /listening on (\S+)/.exec(out);
      if (match?.[1] !== undefined) finish(undefined, match[1]);
    };
    const onErr = (chunk: Buffer): void => {
      err += chunk.toString();
    };
    function finish(error: Error | undefined, url?: string): void {
      clearTimeout(timer);
      child.stdout?.off('data', onOut);
      child.off('exit', onExit);
      if (error !== undefined || url === undefined) reject(error ?? new Error('no url'));
      else resolve(url);
    }
    child.stdout?.on('data', onOut);
    child.stderr?.on('data', onErr);
    child.once('exit', onExit);
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function controlApi(
  call: <T>(method: string, route: string, body?: unknown) => Promise<T>,
): AviSimControl {
  const query = (q: Record<string, string | number | undefined>): string => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
    const text = params.toString();
    return text === '' ? '' : `?${text}`;
  };
  return {
    objects: async (f = {}) =>
      (
        await call<{ objects: Record<string, Record<string, unknown>[]> }>(
          'GET',
          `/_sim/objects${query(f)}`,
        )
      ).objects,
    stats: () => call<SimStats>('GET', '/_sim/stats'),
    journal: async (f = {}) =>
      (await call<{ entries: JournalEntry[] }>('GET', `/_sim/journal${query({ ...f })}`)).entries,
    clearJournal: async () => {
      await call('DELETE', '/_sim/journal');
    },
    faults: async (rules) =>
      (await call<{ faults: FaultRule[] }>('POST', '/_sim/faults', rules)).faults,
    clearFaults: async (id) => {
      await call('DELETE', `/_sim/faults${query({ id })}`);
    },
    reset: async (opts = {}) => {
      await call('POST', '/_sim/reset', opts);
    },
    seed: async (doc) => {
      await call('POST', '/_sim/seed', doc);
    },
    expireSessions: async () =>
      (await call<{ expired: number }>('POST', '/_sim/sessions/expire')).expired,
    setLeader: async (leader) => {
      await call('POST', '/_sim/leader', { leader });
    },
    setMaintenance: async (maintenance) => {
      await call('POST', '/_sim/maintenance', { maintenance });
    },
    rejectNextLogins: async (count) => {
      await call('POST', '/_sim/logins/reject', { count });
    },
    setPassword: async (username, password) => {
      await call('POST', '/_sim/password', { username, password });
    },
    touch: async (type, uuid) =>
      (await call<{ _last_modified: string }>('POST', '/_sim/touch', { type, uuid }))
        ._last_modified,
  };
}

/** Spawns the simulator binary on 127.0.0.1:0 and returns its URL, credentials and controls. */
export async function startAviSim(opts: StartAviSimOptions = {}): Promise<AviSimHandle> {
  const dir = mkdtempSync(path.join(tmpdir(), 'amko-avi-sim-'));
  const creds = {
    username: opts.username ?? 'admin',
    password: opts.password ?? randomBytes(9).toString('base64url'),
  };
  const { args, ca } = flags(opts, dir, creds);
  const launch = async (listen: string): Promise<{ child: ChildProcess; url: string }> => {
    const argv = args.map((a, i) => (i > 0 && args[i - 1] === '--listen' ? listen : a));
    const proc = spawn(process.execPath, [AVI_SIM_MAIN, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      return { child: proc, url: await waitForUrl(proc, opts.startTimeoutMs ?? 20_000) };
    } catch (err) {
      await stopProcess(proc);
      throw err;
    }
  };
  let child: ChildProcess;
  let url: string;
  try {
    ({ child, url } = await launch('127.0.0.1:0'));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const transport = new HttpTransport({
    secure: url.startsWith('https:'),
    ...(ca === undefined ? {} : { ca }),
  });
  const down = async (): Promise<void> => {
    await stopProcess(child);
    transport.close();
  };
  const up = async (): Promise<void> => {
    child = (await launch(`127.0.0.1:${new URL(url).port}`)).child;
  };
  const call = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await transport.send({
      method,
      url: `${url}${route}`,
      // A fresh connection per call: control calls come seconds apart, and a kept-alive socket
      // the simulator closes as idle just as a call goes out fails with "socket hang up".
      headers: { 'Content-Type': 'application/json', Connection: 'close' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      timeoutMs: 30_000,
    });
    if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${res.text}`);
    return JSON.parse(res.text) as T;
  };
  return {
    url,
    ...creds,
    ca,
    get pid() {
      return child.pid ?? 0;
    },
    control: controlApi(call),
    restart: async (downMs = 0) => {
      const stopped = Date.now();
      await down();
      await new Promise((r) => setTimeout(r, downMs));
      await up();
      return Date.now() - stopped;
    },
    down,
    up,
    stop: async () => {
      transport.close();
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- fixtures shared by the Avi client and simulator tests ----

/** A GslbService body as the leader builds it (gslb-pipeline.md §7.8), one pool. */
export function gslbServiceBody(name: string, extra: Partial<GslbService> = {}): GslbService {
  return {
    name,
    created_by: 'amko-4f8e2a10-1c3b-11ef-9d2e-0242ac120002',
    description: `INGRESS/site-a/web/shop-ing/${name}`,
    domain_names: [name],
    enabled: true,
    is_federated: true,
    controller_health_status_enabled: true,
    health_monitor_scope: 'GSLB_SERVICE_HEALTH_MONITOR_ALL_MEMBERS',
    pool_algorithm: 'GSLB_SERVICE_ALGORITHM_PRIORITY',
    min_members: 0,
    resolve_cname: false,
    use_edns_client_subnet: true,
    wildcard_match: false,
    site_persistence_enabled: false,
    groups: [
      {
        name: 'amko-gs-group-10',
        priority: 10,
        enabled: true,
        algorithm: 'GSLB_ALGORITHM_ROUND_ROBIN',
        min_health_monitors_up: 2,
        members: [
          {
            enabled: true,
            ratio: 1,
            ip: { addr: '10.40.1.7', type: 'V4' },
            vs_uuid: 'virtualservice-1a2b3c4d-0000-4000-8000-00000000a001',
            cluster_uuid: 'cluster-aaaa1111-2222-4333-8444-555566667777',
          },
        ],
      },
    ],
    ...extra,
  };
}

/** A path health monitor body (avi-rest-api.md §5.6). */
export function healthMonitorBody(name: string, tenant: string): HealthMonitor {
  return {
    name,
    type: 'HEALTH_MONITOR_HTTPS',
    is_federated: true,
    tenant_ref: `/api/tenant/?name=${tenant}`,
    description: 'created by: amko, gsname: shop.example.com, path: /cart, protocol: https',
    monitor_port: 443,
    send_interval: 10,
    receive_timeout: 4,
    successful_checks: 3,
    failed_checks: 3,
    allow_duplicate_monitors: true,
    markers: [{ key: 'created-by', values: ['amko-4f8e2a10-1c3b-11ef-9d2e-0242ac120002'] }],
    https_monitor: {
      http_request: 'HEAD /cart HTTP/1.0',
      http_response_code: ['HTTP_2XX', 'HTTP_3XX'],
    },
  };
}

/** A client for a started simulator, with quick retries so failure tests stay fast. */
export function clientFor(sim: AviSimHandle, opts: Partial<AviClientOptions> = {}): AviClient {
  return new AviClient({
    baseUrl: sim.url,
    username: sim.username,
    password: sim.password,
    userAgent: { version: '0.1.0', cluster: 'site-a' },
    retry: { baseMs: 5, maxMs: 20 },
    ...(sim.ca === undefined ? {} : { caBundle: sim.ca }),
    ...opts,
  });
}

export interface AviSimFixture {
  readonly sim: AviSimHandle;
  readonly client: AviClient;
}

/**
 * Registers a suite's hooks: one simulator for the suite, emptied before each test, and a fresh
 * client for each test (closed after it).
 */
export function useEmptyAviSim(): AviSimFixture {
  let sim: AviSimHandle | undefined;
  let client: AviClient | undefined;
  const started = (): AviSimHandle => {
    if (!sim) throw new Error('the simulator is not started');
    return sim;
  };
  before(async function () {
    sim = await startAviSim();
  });
  after(async function () {
    await sim?.stop();
  });
  beforeEach(async function () {
    await started().control.reset({ empty: true });
    client = clientFor(started());
  });
  afterEach(async function () {
    await client?.close();
  });
  return {
    get sim() {
      return started();
    },
    get client() {
      if (!client) throw new Error('no test is running');
      return client;
    },
  };
}

/** Rejects unless `promise` rejects; returns the rejection. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
