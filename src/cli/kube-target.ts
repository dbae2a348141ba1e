/** The cluster a command acts on: a kubeconfig (flag, $KUBECONFIG or ~/.kube/config) and a context. */
import type { KubeConfig } from '@kubernetes/client-node';
import { PooledKubeConfig } from '../shared/kube/pooled-kube-config.js';
import { messageOf } from '../shared/errors.js';
import { usageError, type CommonFlags } from './cli-flags.js';

export interface KubeTarget {
  readonly kubeConfig: KubeConfig;
  /** The context in use: the `--context` flag, else the kubeconfig's current context. */
  readonly context: string;
}

/**
 * Loads the kubeconfig as kubectl does: `--kubeconfig`, else the files in $KUBECONFIG (merged),
 * else ~/.kube/config; then switches to `context` when given. Fails with one line when the file
 * cannot be read or the context does not exist.
 */
export function loadTarget(flags: Pick<CommonFlags, 'kubeconfig'>, context?: string): KubeTarget {
  const kubeConfig = new PooledKubeConfig();
  try {
    if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (err) {
    const where = flags.kubeconfig ?? 'the default kubeconfig';
    throw usageError(`cannot load ${where}: ${messageOf(err)}`);
  }
  if (context !== undefined) {
    if (!kubeConfig.getContextObject(context)) {
      const known = kubeConfig.getContexts().map((c) => c.name);
      throw usageError(
        `context ${JSON.stringify(context)} not found in the kubeconfig (contexts: ${known.join(', ') || 'none'})`,
      );
    }
    kubeConfig.setCurrentContext(context);
  }
  const current = kubeConfig.getCurrentContext();
  if (!current) throw usageError('the kubeconfig has no current context: use --context');
  return { kubeConfig, context: current };
}
