/**
 * Federation gauges, read from the role switch when Prometheus scrapes: this cluster's epoch and
 * role; on a leader each member's replication lag and the members that have not confirmed its
 * epoch; on a follower the time since the leader was last heard from.
 */
import type { Meter } from '@opentelemetry/api';
import type { RoleView } from './role-status.js';

const ROLES = Object.freeze(['leader', 'follower', 'fenced', 'promoting', 'none'] as const);

/** Registers the gauges on `meter`; `view` is called at each collection. */
export function registerFederationMetrics(meter: Meter, view: () => RoleView): void {
  meter
    .createObservableGauge('amko_federation_epoch', {
      description: 'Leadership epoch this cluster leads or follows (0: none seen yet)',
    })
    .addCallback((result) => {
      result.observe(epochOf(view()));
    });
  meter
    .createObservableGauge('amko_federation_role', {
      description: '1 for the role this cluster has now, 0 for the others',
    })
    .addCallback((result) => {
      const phase = view().phase;
      for (const role of ROLES) result.observe(role === phase ? 1 : 0, { role });
    });
  meter
    .createObservableGauge('amko_federation_leader_reachable', {
      description:
        'On a follower: 1 while the leader is heard from on its replication stream, 0 when ' +
        'nothing came for the leader contact timeout (or none yet)',
    })
    .addCallback((result) => {
      const v = view();
      if (v.phase === 'follower') result.observe(v.follower.contact.state === 'reachable' ? 1 : 0);
    });
  meter
    .createObservableGauge('amko_federation_leader_last_contact_timestamp_seconds', {
      description:
        'On a follower: when the leader was last heard from, in seconds since the epoch ' +
        '(refreshed at most every few seconds; absent before any contact)',
      unit: 's',
    })
    .addCallback((result) => {
      const v = view();
      const at = v.phase === 'follower' ? v.follower.contact.lastContact : undefined;
      if (at !== undefined) result.observe(at / 1000);
    });
  meter
    .createObservableGauge('amko_federation_epoch_unverified_members', {
      description:
        "Members that have not confirmed this leader's epoch (on a leader; above 0: epoch unverified)",
    })
    .addCallback((result) => {
      const v = view();
      if (v.phase === 'leader') result.observe(v.unheard.length);
    });
  meter
    .createObservableGauge('amko_federation_member_lag', {
      description: 'Revisions a follower is behind the leader (on a leader)',
    })
    .addCallback((result) => {
      const v = view();
      if (v.phase !== 'leader') return;
      for (const m of v.replication.members) result.observe(m.lag, { member: m.cluster });
    });
}

function epochOf(v: RoleView): number {
  switch (v.phase) {
    case 'none':
      return 0;
    case 'follower':
      return v.follower.highest.epoch;
    case 'promoting':
    case 'leader':
      return v.claim.epoch;
    case 'fenced':
      return (v.by ?? v.claim)?.epoch ?? 0;
  }
}
