/** The AMKOCluster status fields of a follower, from its handle's status. Pure. */
import type { AmkoClusterCondition, AmkoClusterStatus } from '../shared/crd/amko-cluster.js';
import type { FollowerStatus } from './follower.js';
import type { LeaderContactView } from './leader-contact.js';

/** The condition type of a follower's view of its leader. */
export const LEADER_REACHABLE = 'LeaderReachable';

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

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * `status.leaderLastContact` (null before any contact: the field is removed) and the
 * `LeaderReachable` condition: True while the leader is heard from, False after the timeout
 * without contact, Unknown while a new follower still waits for its first leader.
 */
export function leaderContactStatus(c: LeaderContactView): {
  leaderLastContact: string | null;
  condition: AmkoClusterCondition;
} {
  const leaderLastContact = c.lastContact === undefined ? null : iso(c.lastContact);
  const timeout = `${c.timeoutMs / 1000} s`;
  const base = { type: LEADER_REACHABLE };
  switch (c.state) {
    case 'reachable':
      return {
        leaderLastContact,
        condition: {
          ...base,
          status: 'True',
          reason: 'Replicating',
          message: `leader ${c.leader ?? ''} heard from at ${leaderLastContact ?? ''}`,
        },
      };
    case 'lost':
      return {
        leaderLastContact,
        condition: {
          ...base,
          status: 'False',
          reason: 'NoContact',
          message:
            c.lastContact === undefined
              ? `no leader has contacted this cluster since ${iso(c.since)} (timeout ${timeout})`
              : `no contact from leader ${c.leader ?? ''} since ${iso(c.lastContact)} (timeout ${timeout})`,
        },
      };
    case 'awaiting':
      return {
        leaderLastContact,
        condition: {
          ...base,
          status: 'Unknown',
          reason: 'AwaitingLeader',
          message: `waiting for a leader since ${iso(c.since)} (timeout ${timeout})`,
        },
      };
  }
}
