/** The AMKOClusters in avi-system that are not the one in force, reported invalid on their status. */
import { AMKO_CLUSTER, type AmkoCluster } from '../shared/crd/amko-cluster.js';
import { AVI_SYSTEM } from '../shared/crd/common.js';
import { messageOf } from '../shared/errors.js';
import type { StatusWriter } from '../shared/kube/status-writer.js';
import type { Logger } from '../shared/telemetry/logger.js';
import { EXTRA_AMKO_CLUSTER_CONDITION, ONLY_ONE_AMKO_CLUSTER } from './amko-cluster-choice.js';

/** Marks every AMKOCluster but the one in force invalid (once); failures are only logged. */
export async function reportExtras(
  extras: readonly AmkoCluster[],
  writer: StatusWriter,
  log: Logger,
): Promise<void> {
  for (const x of extras) {
    const name = x.metadata?.name ?? '';
    const shown = x.status?.conditions?.some(
      (c) => c.type === EXTRA_AMKO_CLUSTER_CONDITION.type && c.reason === ONLY_ONE_AMKO_CLUSTER,
    );
    if (shown === true) continue;
    log.warn({ ignored: name }, `${ONLY_ONE_AMKO_CLUSTER}; ignoring ${name}`);
    await writer
      .patchStatus(AMKO_CLUSTER, AVI_SYSTEM, name, { conditions: [EXTRA_AMKO_CLUSTER_CONDITION] })
      .catch((err: unknown) => {
        log.warn({ name, err: messageOf(err) }, 'status write failed');
      });
  }
}
