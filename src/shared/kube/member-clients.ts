import { KubeConfig } from '@kubernetes/client-node';
import { messageOf } from '../errors.js';
import { PooledKubeConfig } from './pooled-kube-config.js';

export interface MemberKubeConfigs {
  /** One KubeConfig per requested context found in the file, that context made current. */
  readonly configs: ReadonlyMap<string, KubeConfig>;
  /** Contexts that could not be used, with the reason (missing context, cluster or user). */
  readonly problems: readonly { context: string; error: string }[];
}

/**
 * Per-cluster clients from the member kubeconfig (the `gslb-members` key of
 * `gslb-config-secret`): one KubeConfig per context named in the GSLBConfig, with that context
 * current. The kubeconfig's own `current-context` is irrelevant. Throws when the text is not a
 * kubeconfig at all.
 */
export function memberKubeConfigs(
  kubeconfigText: string,
  contexts: readonly string[],
): MemberKubeConfigs {
  const base = new KubeConfig();
  base.loadFromString(kubeconfigText);
  const configs = new Map<string, KubeConfig>();
  const problems: { context: string; error: string }[] = [];
  for (const context of contexts) {
    try {
      configs.set(context, contextConfig(base, kubeconfigText, context));
    } catch (err) {
      problems.push({ context, error: messageOf(err) });
    }
  }
  return { configs, problems };
}

function contextConfig(base: KubeConfig, text: string, context: string): KubeConfig {
  const ctx = base.getContextObject(context);
  if (!ctx) throw new Error(`context ${context} not found in the member kubeconfig`);
  if (!base.getCluster(ctx.cluster)) {
    throw new Error(`cluster ${ctx.cluster} of context ${context} not found`);
  }
  if (ctx.user && !base.getUser(ctx.user)) {
    throw new Error(`user ${ctx.user} of context ${context} not found`);
  }
  const kc = new PooledKubeConfig();
  kc.loadFromString(text);
  kc.setCurrentContext(context);
  return kc;
}
