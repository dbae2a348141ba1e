/** The AMKOCluster status fields of a follower, from its handle's status. Pure. */
import type { AmkoClusterStatus } from '../shared/crd/amko-cluster.js';
import type { FollowerStatus } from './follower.js';

export function toFollowerAmkoClusterStatus(
  s: FollowerStatus,
): Required<Pick<AmkoClusterStatus, 'role' | 'epoch' | 'leader' | 'inSync' | 'revision'>> {
  return {
    role: 'follower',
    epoch: s.highest.epoch,
    leader: s.highest.leader,
    inSync: '',
    revision: s.applied.revision,
  };
}
