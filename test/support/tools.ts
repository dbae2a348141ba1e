import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from either the source or the compiled (dist/) location of this file. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
  return dir;
}

export type ToolName = 'kube-apiserver' | 'etcd' | 'helm' | 'grpc-health-probe' | 'otelcol';

const VERSION_KEYS: Readonly<Record<ToolName, string>> = Object.freeze({
  'kube-apiserver': 'KUBERNETES_VERSION',
  etcd: 'ETCD_VERSION',
  helm: 'HELM_VERSION',
  'grpc-health-probe': 'GRPC_HEALTH_PROBE_VERSION',
  otelcol: 'OTELCOL_VERSION',
});

function pinnedVersions(): Record<string, string> {
  const text = readFileSync(path.join(repoRoot(), 'tools', 'versions.env'), 'utf8');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(\S+)$/.exec(line.trim());
    if (m?.[1] && m[2]) out[m[1]] = m[2];
  }
  return out;
}

/** The tools cache: AMKO_TOOLS_DIR, else $XDG_CACHE_HOME/amko-ts, else ~/.cache/amko-ts. */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env['AMKO_TOOLS_DIR'] ??
    path.join(env['XDG_CACHE_HOME'] ?? path.join(homedir(), '.cache'), 'amko-ts')
  );
}

/**
 * Where `make tools` put a binary. kube-apiserver and etcd come from KUBEBUILDER_ASSETS when set
 * (the envtest convention). Throws with the command to run when the binary is missing.
 */
export function toolPath(name: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  const assets = env['KUBEBUILDER_ASSETS'];
  if (assets && (name === 'kube-apiserver' || name === 'etcd')) {
    return path.join(assets, name);
  }
  const version = pinnedVersions()[VERSION_KEYS[name]];
  if (!version) throw new Error(`no pinned version for ${name} in tools/versions.env`);
  const file = path.join(toolsDir(env), `${name}-${version}`, name);
  if (!existsSync(file)) throw new Error(`${name} not found at ${file}: run "make tools"`);
  return file;
}
