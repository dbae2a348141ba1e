/**
 * Glue between the role switch and the failover lease: the keeper's mode from the step's state,
 * the autoFailover settings in force, and the keeper built from the role switch's parts.
 */
import type { Meter } from '@opentelemetry/api';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../shared/clock.js';
import { AMKO_CLUSTER, type AmkoCluster } from '../shared/crd/amko-cluster.js';
import {
  AUTO_FAILOVER_DEFAULTS,
  autoFailoverOf,
  checkAutoFailover,
  type AutoFailover,
} from '../shared/crd/auto-failover.js';
import { AVI_SYSTEM } from '../shared/crd/common.js';
import { ProblemList } from '../shared/crd/problems.js';
import { compareClaims, type EpochClaim } from '../shared/federation/epoch-rules.js';
import type { Logger } from '../shared/telemetry/logger.js';
import { StatusSink } from '../leader/config/status-sink.js';
import type { FollowerHandle } from '../follower/follower.js';
import type { LeaderPipeline } from './leader-pipeline.js';
import type { Event, LeadershipState } from './leadership-types.js';
import { LeaseKeeper, type LeaseMode } from './lease-keeper.js';

/**
 * The lease's part in a state: renewing at our claim, watching as a follower, or nothing. A
 * take-over renews from the moment it has a claim, not only once `acquire-lease` answered: its
 * survey and catch-up can outlast the lease (an unreachable member costs the survey's whole
 * timeout), and a lease that stood still that long would look expired to the other followers.
 */
export function leaseModeOf(s: LeadershipState): LeaseMode {
  if (!s.autoFailover) return { kind: 'off' };
  const leading =
    s.progress.includes('leased') ||
    s.role === 'leader' ||
    s.role === 'promoting' ||
    s.fence?.lapsed === true;
  if (s.claim && leading && (s.role !== 'fenced' || s.fence?.lapsed === true)) {
    return { kind: 'lead', claim: s.claim };
  }
  // A lease taken by this follower is renewed while its take-over sets isLeader and persists an
  // epoch, unless the spec has turned back to follow or a higher claim has been learnt since.
  const wantsLead = s.wanted.kind === 'lead' || s.selfSet?.isLeader === true;
  if (s.taken && !s.claim && wantsLead && compareClaims(s.learnt, s.taken) <= 0) {
    return { kind: 'lead', claim: s.taken };
  }
  if (s.role === 'follower') return { kind: 'watch' };
  return { kind: 'off' };
}

/** The settings in force: invalid settings (shown in status by validation) count as off. */
export function autoFailoverIn(amko: AmkoCluster | undefined): AutoFailover {
  const spec = amko?.spec?.federation?.autoFailover;
  const p = new ProblemList();
  checkAutoFailover(p, spec);
  return p.items.length > 0 ? AUTO_FAILOVER_DEFAULTS : autoFailoverOf(spec);
}

export interface LeaseWiring {
  kubeConfig: KubeConfig;
  pipeline: LeaderPipeline;
  amko: () => AmkoCluster | undefined;
  state: () => LeadershipState;
  follower: () => FollowerHandle | undefined;
  dispatch: (e: Event) => void;
  poke: () => void;
  clock: Clock;
  log: Logger;
  meter?: Meter | undefined;
}

export function leaseKeeperOf(w: LeaseWiring): LeaseKeeper {
  const sink = new StatusSink({
    kubeConfig: w.kubeConfig,
    writable: () => true,
    clock: w.clock,
    log: w.log,
  });
  return new LeaseKeeper({
    controller: () => w.pipeline.controller(),
    settings: () => autoFailoverIn(w.amko()),
    self: () => w.state().self,
    highest: (): EpochClaim => w.state().highest,
    silentMs: () => {
      const f = w.follower();
      return f ? Math.max(0, w.clock.now() - f.silentSince()) : 0;
    },
    dispatch: w.dispatch,
    event: (reason, message, warning) => {
      const name = w.amko()?.metadata?.name;
      if (!name) return;
      const about = { apiVersion: AMKO_CLUSTER.apiVersion, kind: AMKO_CLUSTER.kind, name };
      void sink.eventOn({ ...about, namespace: AVI_SYSTEM }, reason, message, warning);
    },
    poke: w.poke,
    clock: w.clock,
    log: w.log,
    meter: w.meter,
  });
}
