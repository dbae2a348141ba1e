/**
 * What a site needs before its amko starts, as the chart would install it: the controller and
 * member-cluster secrets and the AMKOCluster naming every site and its federation endpoint.
 */
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { AMKO_CLUSTER } from '../../src/shared/crd/amko-cluster.js';
import { AMKO_CLUSTER_NAME, AVI_SYSTEM } from '../../src/shared/crd/common.js';
import type { AviSimHandle } from './avi-sim.js';
import type { ClusterSet } from './clusters.js';

export interface SiteInstall {
  readonly clusters: ClusterSet;
  readonly sim: AviSimHandle;
  /** Every site of the federation, in order. */
  readonly sites: readonly string[];
  readonly leader: string;
  readonly version: string;
  /** The address `site` dials to reach `peer`'s federation service. */
  endpoint(site: string, peer: string): string;
}

export async function installSite(s: SiteInstall, site: string): Promise<void> {
  const kc = s.clusters.kubeConfig(site);
  const core = kc.makeApiClient(CoreV1Api);
  const secret = (name: string, data: Record<string, string>): Promise<unknown> =>
    core.createNamespacedSecret({
      namespace: AVI_SYSTEM,
      body: { metadata: { name }, stringData: data },
    });
  await secret('gslb-avi-secret', { username: s.sim.username, password: s.sim.password });
  await secret('gslb-config-secret', { 'gslb-members': s.clusters.kubeconfigYaml() });
  const endpoints = s.sites
    .filter((peer) => peer !== site)
    .map((peer) => ({ cluster: peer, address: s.endpoint(site, peer) }));
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: AMKO_CLUSTER.group,
    version: AMKO_CLUSTER.version,
    plural: AMKO_CLUSTER.plural,
    namespace: AVI_SYSTEM,
    body: {
      apiVersion: `${AMKO_CLUSTER.group}/${AMKO_CLUSTER.version}`,
      kind: 'AMKOCluster',
      metadata: { name: AMKO_CLUSTER_NAME, namespace: AVI_SYSTEM },
      spec: {
        isLeader: site === s.leader,
        clusterContext: site,
        version: s.version,
        clusters: [...s.sites],
        federation: { endpoints },
      },
    },
  });
}
