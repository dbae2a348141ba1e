#!/usr/bin/env node
/**
 * `make clusters` / `make clusters-down`: local clusters for people, in the background.
 *   clusters-cli up --n 3 [--openshift cluster3] --dir .cache/clusters
 *   clusters-cli down --dir .cache/clusters
 * `up` starts a detached daemon that owns the clusters and returns once they are ready; `down`
 * stops the daemon, which stops every etcd and kube-apiserver and removes their data.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { eventually } from './eventually.js';
import { startClusters } from './clusters.js';
import { isAlive } from './managed-process.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    n: { type: 'string', default: '3' },
    openshift: { type: 'string', default: '' },
    dir: { type: 'string', default: '.cache/clusters' },
  },
});
const dir = path.resolve(values.dir);
const files = {
  pid: path.join(dir, 'daemon.pid'),
  ready: path.join(dir, 'ready.json'),
  failed: path.join(dir, 'failed'),
  log: path.join(dir, 'clusters.log'),
  kubeconfig: path.join(dir, 'kubeconfig'),
};

function daemonPid(): number | undefined {
  if (!existsSync(files.pid)) return undefined;
  const pid = Number(readFileSync(files.pid, 'utf8'));
  return Number.isInteger(pid) && isAlive(pid) ? pid : undefined;
}

function printUsage(): void {
  const ready = JSON.parse(readFileSync(files.ready, 'utf8')) as { contexts: string[] };
  const rel = path.relative(process.cwd(), files.kubeconfig);
  console.log(`clusters running: ${ready.contexts.join(', ')}`);
  console.log(`kubeconfig: ${rel}`);
  console.log(`  kubectl --kubeconfig ${rel} --context ${ready.contexts[0] ?? 'cluster1'} get crd`);
  console.log('stop them with: make clusters-down');
}

async function up(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  if (daemonPid() !== undefined && existsSync(files.ready)) {
    printUsage();
    return;
  }
  for (const f of [files.ready, files.failed]) rmSync(f, { force: true });
  const out = openSync(files.log, 'w');
  const self = fileURLToPath(import.meta.url);
  const args = [self, 'serve', '--n', values.n, '--openshift', values.openshift, '--dir', dir];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  console.log(`starting ${values.n} clusters (log: ${path.relative(process.cwd(), files.log)})...`);
  await eventually(
    () => {
      if (existsSync(files.failed)) throw new Error(readFileSync(files.failed, 'utf8'));
      if (child.pid === undefined || !isAlive(child.pid)) {
        throw new Error(`cluster daemon exited; see ${files.log}`);
      }
      return existsSync(files.ready);
    },
    { timeoutMs: 300_000, intervalMs: 250, what: 'clusters ready' },
  );
  printUsage();
}

async function serve(): Promise<void> {
  writeFileSync(files.pid, String(process.pid));
  const openshift = values.openshift.split(/[\s,]+/).filter(Boolean);
  try {
    const set = await startClusters({
      n: Number(values.n),
      openshift,
      kubeconfigPath: files.kubeconfig,
      log: (m) => {
        console.log(m);
      },
    });
    const shutdown = (): void => {
      void set.stop().then(() => {
        for (const f of [files.ready, files.pid, files.kubeconfig]) rmSync(f, { force: true });
        process.exit(0);
      });
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
    writeFileSync(files.ready, JSON.stringify({ contexts: set.contexts, pids: set.pids() }));
  } catch (err) {
    writeFileSync(files.failed, err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}

async function down(): Promise<void> {
  const pid = daemonPid();
  if (pid === undefined) {
    console.log('no clusters running');
    return;
  }
  process.kill(pid, 'SIGTERM');
  await eventually(() => !isAlive(pid), {
    timeoutMs: 120_000,
    intervalMs: 200,
    what: 'daemon exit',
  });
  console.log('clusters stopped');
}

const commands: Readonly<Record<string, () => Promise<void>>> = { up, serve, down };
const command = commands[positionals[0] ?? ''];
if (!command) {
  console.error('usage: clusters-cli up|down [--n N] [--openshift ctx,...] [--dir DIR]');
  process.exit(2);
}
await command().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
