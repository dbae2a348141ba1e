/**
 * `kubectl amko cleanup`: the GslbServices and health monitors this amko instance created on the
 * Avi controller, listed (the default, a dry run) or deleted (`--yes`). Ownership is amko's own
 * test: a GslbService's `created_by` is `amko-<uuid>`, a health monitor carries the marker
 * `created-by: amko-<uuid>`. The controller, credentials and uuid come from GSLBConfig gc-1 and
 * its credentials Secret, as amko reads them, unless flags give them.
 */
import { readFileSync } from 'node:fs';
import { CoreV1Api } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { createdByMarkerOf, createdByValue } from '../leader/model/names.js';
import { tenantOfRef } from '../leader/sync/controller-cache.js';
import { AviClient } from '../shared/avi/avi-client.js';
import type { Stored } from '../shared/avi/types.js';
import { AMKO_UUID_ANNOTATION, AVI_SYSTEM, GSLB_CONFIG_NAME } from '../shared/crd/common.js';
import { GSLB_CONFIG, withGslbConfigDefaults, type GslbConfig } from '../shared/crd/gslb-config.js';
import { messageOf, OperatorError } from '../shared/errors.js';
import { classifyKubeError } from '../shared/kube/kube-errors.js';
import { AmkoApi } from './amko-api.js';
import {
  COMMON_HELP,
  parseCommand,
  parseOutput,
  stringFlag,
  usageError,
  type OutputFormat,
  type ParsedCommand,
} from './cli-flags.js';
import type { CliIo } from './cli-io.js';
import { loadTarget } from './kube-target.js';
import { cell, formatTable } from './table.js';

export const CLEANUP_HELP = `List, or delete, what this amko instance created on the Avi controller.

Usage: kubectl amko cleanup [--dry-run | --yes] [--amko-uuid UUID] [--controller ADDR]
                            [--username USER] [--password-file FILE] [--tenant T]
                            [--avi-ca FILE | --avi-insecure] [-o json|yaml] [flags]

Lists the GslbServices whose created_by is amko-UUID and the federated health monitors whose
created-by marker is amko-UUID, in every tenant. Objects of other amko instances (another
uuid), of the legacy shared created_by amko-gslb, and users' own objects are never listed.
With --yes, deletes them: the GslbServices first, then the health monitors they used. Run it
once amko no longer runs anywhere in the federation (a running leader would create them again).

By default the controller address, tenant and version come from GSLBConfig ${AVI_SYSTEM}/${GSLB_CONFIG_NAME}
(spec.gslbLeader), the credentials from its Secret (keys username and password), and UUID from
its ${AMKO_UUID_ANNOTATION} annotation, read in the cluster of the context; the flags
replace any of them (with all of --controller, --username, --password-file and --amko-uuid,
no cluster is read).

Flags:
  --dry-run             only list (the default)
  -y, --yes             delete what is listed
  --amko-uuid UUID      the amko instance whose objects to clean up
  --controller ADDR     Avi controller address (host, host:port or URL)
  --username USER       Avi user
  --password-file FILE  file holding the Avi password (or $AVI_PASSWORD)
  --tenant T            tenant for the session (default from the GSLBConfig, else admin)
  --avi-ca FILE         CA bundle that verifies the controller's certificate
  --avi-insecure        do not verify the controller's certificate
  -o, --output FORMAT   json or yaml instead of text

Output fields (-o json|yaml):
  controller, amkoUuid, createdBy   where and whose objects
  dryRun                true unless --yes
  gslbServices[], healthMonitors[]  {name, uuid, tenant, deleted}
  errors[]              {type, name, error}: deletions that failed

${COMMON_HELP}
`;

const OPTIONS = Object.freeze({
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  'amko-uuid': { type: 'string' },
  controller: { type: 'string' },
  username: { type: 'string' },
  'password-file': { type: 'string' },
  tenant: { type: 'string' },
  'avi-ca': { type: 'string' },
  'avi-insecure': { type: 'boolean' },
  output: { type: 'string', short: 'o' },
} as const);

export interface CleanupObject {
  name: string;
  uuid: string;
  tenant: string;
  deleted: boolean;
}

export interface CleanupResult {
  controller: string;
  amkoUuid: string;
  createdBy: string;
  dryRun: boolean;
  gslbServices: CleanupObject[];
  healthMonitors: CleanupObject[];
  errors: { type: string; name: string; error: string }[];
}

interface Controller {
  address: string;
  username: string;
  password: string;
  tenant: string;
  version?: string;
  amkoUuid: string;
}

const decode = (data: Record<string, string> | undefined, key: string): string => {
  const v = data?.[key];
  return v === undefined ? '' : Buffer.from(v, 'base64').toString('utf8');
};

/** Everything from flags; the GSLBConfig and its Secret only for what the flags leave out. */
async function controllerOf(p: ParsedCommand): Promise<Controller> {
  const flag = (n: string): string | undefined => stringFlag(p, n);
  const passwordFile = flag('password-file');
  let password: string | undefined;
  if (passwordFile !== undefined) {
    try {
      password = readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw usageError(`cannot read --password-file: ${messageOf(err)}`);
    }
  } else if (process.env['AVI_PASSWORD']) password = process.env['AVI_PASSWORD'];
  const given = {
    address: flag('controller'),
    username: flag('username'),
    password,
    amkoUuid: flag('amko-uuid'),
  };
  const complete = Object.values(given).every((v) => v !== undefined && v !== '');
  let fromCluster: Partial<Controller> = {};
  if (!complete) fromCluster = await readFromCluster(p);
  const pick = (k: keyof typeof given): string => {
    const v = given[k] ?? fromCluster[k];
    if (v === undefined || v === '')
      throw usageError(
        `no ${k}: give --${k === 'address' ? 'controller' : k === 'amkoUuid' ? 'amko-uuid' : k}`,
      );
    return v;
  };
  const version = fromCluster.version;
  return {
    address: pick('address'),
    username: pick('username'),
    password: pick('password'),
    amkoUuid: pick('amkoUuid'),
    tenant: flag('tenant') ?? fromCluster.tenant ?? 'admin',
    ...(version === undefined ? {} : { version }),
  };
}

async function readFromCluster(p: ParsedCommand): Promise<Partial<Controller>> {
  const target = loadTarget(p.common, p.common.context);
  const api = new AmkoApi(target);
  const gc = await api.get<GslbConfig>(GSLB_CONFIG, GSLB_CONFIG_NAME);
  if (!gc) {
    throw new OperatorError(
      'KUBE_REJECTED',
      'never',
      `${target.context}: no GSLBConfig ${AVI_SYSTEM}/${GSLB_CONFIG_NAME}; give --controller, --username, --password-file and --amko-uuid`,
    );
  }
  const spec = withGslbConfigDefaults(gc.spec ?? {});
  const out: Partial<Controller> = { tenant: spec.gslbLeader.tenant };
  const uuid = gc.metadata?.annotations?.[AMKO_UUID_ANNOTATION];
  if (uuid) out.amkoUuid = uuid;
  if (spec.gslbLeader.controllerIP) out.address = spec.gslbLeader.controllerIP;
  if (spec.gslbLeader.controllerVersion) out.version = spec.gslbLeader.controllerVersion;
  const secret = spec.gslbLeader.credentials;
  if (secret) {
    const core = target.kubeConfig.makeApiClient(CoreV1Api);
    try {
      const data = (await core.readNamespacedSecret({ name: secret, namespace: AVI_SYSTEM })).data;
      out.username = decode(data, 'username');
      out.password = decode(data, 'password');
    } catch (err) {
      throw classifyKubeError(err, `${target.context}: read Secret ${AVI_SYSTEM}/${secret}`);
    }
  }
  return out;
}

async function clientFor(c: Controller, p: ParsedCommand, io: CliIo): Promise<AviClient> {
  const caFile = stringFlag(p, 'avi-ca');
  let caBundle: Buffer | undefined;
  if (caFile !== undefined) {
    try {
      caBundle = readFileSync(caFile);
    } catch (err) {
      throw usageError(`cannot read --avi-ca: ${messageOf(err)}`);
    }
  }
  const base = {
    baseUrl: c.address,
    username: c.username,
    password: c.password,
    tenant: c.tenant,
    userAgent: { version: 'kubectl-amko', cluster: 'cleanup' },
    clock: io.clock,
    ...(caBundle === undefined ? {} : { caBundle }),
    ...(p.flags['avi-insecure'] === true ? { insecure: true } : {}),
  };
  let version = c.version;
  if (version === undefined) {
    const probe = new AviClient(base);
    try {
      version = (await probe.getInitialData()).version.Version;
    } finally {
      await probe.close().catch(() => undefined);
    }
  }
  return new AviClient({ ...base, controllerVersion: version });
}

const ALL_TENANTS = '*';

function entry(o: Stored<{ name: string; tenant_ref?: string }>, tenant: string): CleanupObject {
  return { name: o.name, uuid: o.uuid, tenant: tenantOfRef(o.tenant_ref, tenant), deleted: false };
}

function print(io: CliIo, output: OutputFormat, r: CleanupResult): void {
  if (output !== 'text') {
    io.out(output === 'json' ? `${JSON.stringify(r, null, 2)}\n` : stringify(r));
    return;
  }
  const rows = [
    ...r.gslbServices.map((o) => [
      'GslbService',
      o.tenant,
      o.name,
      o.uuid,
      r.dryRun ? 'would delete' : o.deleted ? 'deleted' : 'failed',
    ]),
    ...r.healthMonitors.map((o) => [
      'HealthMonitor',
      o.tenant,
      o.name,
      o.uuid,
      r.dryRun ? 'would delete' : o.deleted ? 'deleted' : 'failed',
    ]),
  ];
  io.out(`objects created by ${r.createdBy} on ${r.controller}:\n`);
  if (rows.length > 0)
    io.out(
      `${formatTable(
        ['TYPE', 'TENANT', 'NAME', 'UUID', 'ACTION'],
        rows.map((x) => x.map(cell)),
      )}\n`,
    );
  else io.out('none\n');
  const count = `${r.gslbServices.length} GslbServices, ${r.healthMonitors.length} health monitors`;
  io.out(
    r.dryRun
      ? `${count}; dry run: nothing deleted (use --yes to delete)\n`
      : `${count}; ${r.errors.length} deletions failed\n`,
  );
  for (const e of r.errors) io.out(`error: ${e.type} ${e.name}: ${e.error}\n`);
}

/** Deletes each object in its tenant; a 404 means it is gone already. Records failures. */
async function deleteAll(
  result: CleanupResult,
  type: string,
  list: CleanupObject[],
  res: { delete(uuid: string, opts: { tenant: string }): Promise<void> },
): Promise<void> {
  for (const o of list) {
    try {
      await res.delete(o.uuid, { tenant: o.tenant });
      o.deleted = true;
    } catch (err) {
      if (err instanceof OperatorError && err.code === 'AVI_NOT_FOUND') o.deleted = true;
      else result.errors.push({ type, name: o.name, error: messageOf(err) });
    }
  }
}

function checkFlags(parsed: ParsedCommand): boolean {
  const yes = parsed.flags['yes'] === true;
  if (yes && parsed.flags['dry-run'] === true) {
    throw usageError('--dry-run and --yes exclude each other');
  }
  if (stringFlag(parsed, 'avi-ca') !== undefined && parsed.flags['avi-insecure'] === true) {
    throw usageError('--avi-ca and --avi-insecure exclude each other');
  }
  return yes;
}

export async function runCleanup(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, OPTIONS);
  if (parsed.common.help) {
    io.out(CLEANUP_HELP);
    return 0;
  }
  const output = parseOutput(stringFlag(parsed, 'output'));
  const yes = checkFlags(parsed);
  const c = await controllerOf(parsed);
  const createdBy = createdByValue(c.amkoUuid);
  const client = await clientFor(c, parsed, io);
  try {
    const [gss, hms] = await Promise.all([
      client.gslbServices.list({ tenant: ALL_TENANTS, createdBy }),
      client.healthMonitors.list({ tenant: ALL_TENANTS, isFederated: true }),
    ]);
    const result: CleanupResult = {
      controller: c.address,
      amkoUuid: c.amkoUuid,
      createdBy,
      dryRun: !yes,
      gslbServices: gss.filter((g) => g.created_by === createdBy).map((g) => entry(g, c.tenant)),
      healthMonitors: hms
        .filter((h) => createdByMarkerOf(h.markers) === createdBy)
        .map((h) => entry(h, c.tenant)),
      errors: [],
    };
    if (yes) {
      await deleteAll(result, 'GslbService', result.gslbServices, client.gslbServices);
      await deleteAll(result, 'HealthMonitor', result.healthMonitors, client.healthMonitors);
    }
    print(io, output, result);
    return result.errors.length === 0 ? 0 : 1;
  } finally {
    await client.close().catch(() => undefined);
  }
}
