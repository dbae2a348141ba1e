/**
 * What a simulated process keeps on its cluster (survives a crash), and the epoch store's view of
 * it: the position the replicas stand for is the higher of the one recorded and the ones the
 * replicas witness.
 */
import type { AmkoClusterStatus } from '../../src/shared/crd/amko-cluster.js';
import type { EpochClaim } from '../../src/shared/federation/epoch-rules.js';
import { higherPosition, type AppliedPosition } from '../../src/shared/federation/log-position.js';
import type { ReplicaKey } from '../../src/shared/federation/replicated-object.js';
import type { Version } from './federation-sim-oracle.js';

/** What survives a crash. */
export interface Disk {
  highest: EpochClaim;
  statusRole: AmkoClusterStatus['role'];
  /** The epoch role-status.ts writes with the role (a leader's claim). */
  statusEpoch: number | undefined;
  objects: Map<ReplicaKey, Version>;
  /** The epoch store's recorded position (`status.applied`). */
  position: AppliedPosition;
  /**
   * The position each replica's marks witness (written by a change of a stream, replica-plan.ts
   * witnessOf): persisted with the object by the same write.
   */
  witnesses: Map<ReplicaKey, AppliedPosition>;
  /** The epoch store's log sequence (raised at every start of the replicator). */
  logSequence: number;
}

/** epoch-store.ts applied(): the higher of the recorded position and what the replicas witness. */
export function appliedOf(disk: Disk): AppliedPosition {
  let p = disk.position;
  for (const w of disk.witnesses.values()) p = higherPosition(p, w);
  return p;
}

/** epoch-store.ts settle(): records the witnessed position when it is above the recorded one. */
export function settle(disk: Disk): void {
  disk.position = appliedOf(disk);
}
