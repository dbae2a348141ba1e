import type { KubeConfig } from '@kubernetes/client-node';
import { PooledKubeConfig } from './pooled-kube-config.js';

/**
 * This cluster's kubeconfig: the file given, else the in-cluster config in a pod, else the
 * default. `context` selects a context of a file; in a pod, whose in-cluster config has one
 * context named `inClusterContext`, it is this cluster's name in the federation instead, and
 * the context is renamed to it.
 */
export function loadKubeConfig(opts: {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
}): KubeConfig {
  const kc = new PooledKubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else if (opts.env['KUBERNETES_SERVICE_HOST']) {
    kc.loadFromCluster();
    return opts.context ? renameCurrentContext(kc, opts.context) : kc;
  } else kc.loadFromDefault();
  if (opts.context) kc.setCurrentContext(opts.context);
  return kc;
}

/** The same kubeconfig with its current context called `name`. */
export function renameCurrentContext(kc: KubeConfig, name: string): KubeConfig {
  const current = kc.getCurrentContext();
  const out = new PooledKubeConfig();
  out.loadFromOptions({
    clusters: kc.clusters,
    users: kc.users,
    contexts: kc.contexts.map((c) => (c.name === current ? { ...c, name } : c)),
    currentContext: name,
  });
  return out;
}
