/**
 * `kubectl amko status`, pure part: from the objects read on one cluster to the report printed
 * as text or as JSON/YAML. No I/O.
 */
import type {
  AmkoCluster,
  AmkoClusterCondition,
  AmkoClusterMemberStatus,
} from '../shared/crd/amko-cluster.js';
import { autoFailoverOf, type AutoFailover } from '../shared/crd/auto-failover.js';
import { AMKO_UUID_ANNOTATION } from '../shared/crd/common.js';
import type { GlobalDeploymentPolicy } from '../shared/crd/global-deployment-policy.js';
import type { GslbConfig } from '../shared/crd/gslb-config.js';
import type { GslbHostRule } from '../shared/crd/gslb-host-rule.js';
import {
  REPLICA_EPOCH_ANNOTATION,
  REPLICA_OF_ANNOTATION,
  REPLICA_REVISION_ANNOTATION,
} from '../shared/federation/federation-names.js';
import {
  POSITION_HEADERS,
  leaderUnheardLine,
  POSITION_LEGEND,
  positionRows,
  type MemberPositionView,
} from './positions.js';
import { cell, formatTable } from './table.js';

/** Where a replica came from, from its replica annotations. */
export interface ReplicaOrigin {
  leader: string;
  epoch?: string;
  revision?: string;
}

export interface ObjectRef {
  namespace: string;
  name: string;
  /** Set on a follower's copies of the leader's objects. */
  replicaOf?: ReplicaOrigin;
}

/** The failover lease as this cluster last saw it (only with autoFailover on). */
export interface LeaseReport {
  /** `held`, `lapsed`, `watching`, `unreadable` (status.lease.state). */
  state?: string;
  holder?: string;
  epoch?: number;
  /** The holder's renew time, by the holder's clock. */
  renewTime?: string;
  /** Seconds from renewTime to when the report was made (the clocks of two sites). */
  renewAgeSeconds?: number;
  /** The AutoFailover condition: its status and reason. */
  condition?: string;
  reason?: string;
}

export interface StatusReport {
  context: string;
  amkoCluster: {
    namespace: string;
    name: string;
    clusterContext?: string;
    isLeader: boolean;
    clusters: string[];
    role?: string;
    epoch?: number;
    leader?: string;
    inSync?: string;
    revision?: number;
    highestEpochSeen?: number;
    message?: string;
    members: AmkoClusterMemberStatus[];
    conditions: AmkoClusterCondition[];
    /** spec.federation.autoFailover with its defaults, when enabled. */
    autoFailover?: AutoFailover;
    lease?: LeaseReport;
  };
  gslbConfigs: (ObjectRef & { controllerIP?: string; amkoUuid?: string; state?: string })[];
  globalDeploymentPolicies: (ObjectRef & { errorStatus?: string })[];
  gslbHostRules: (ObjectRef & { fqdn?: string; status?: string; error?: string })[];
  /** Every member's applied position, from its own AMKOCluster status where it could be read. */
  positions: MemberPositionView[];
  /** The most up-to-date member(s): highest epoch, then highest applied revision. */
  mostUpToDate: string[];
}

export interface StatusInputs {
  context: string;
  amkoCluster: AmkoCluster;
  gslbConfigs: readonly GslbConfig[];
  gdps: readonly GlobalDeploymentPolicy[];
  gslbHostRules: readonly GslbHostRule[];
  positions?: readonly MemberPositionView[];
  /** When the report is made (ms since the epoch): the lease's renew age is counted to it. */
  now?: number;
}

/** `T` with the keys that may hold undefined made optional instead. */
type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Copies the defined entries of `fields` only (the report has optional, never undefined, keys). */
function defined<T extends object>(fields: T): Defined<T> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined),
  ) as Defined<T>;
}

function refOf(obj: {
  metadata?: { namespace?: string; name?: string; annotations?: Record<string, string> };
}): ObjectRef {
  const a = obj.metadata?.annotations ?? {};
  const leader = a[REPLICA_OF_ANNOTATION];
  const ref: ObjectRef = {
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
  };
  if (leader !== undefined) {
    ref.replicaOf = defined({
      leader,
      epoch: a[REPLICA_EPOCH_ANNOTATION],
      revision: a[REPLICA_REVISION_ANNOTATION],
    });
  }
  return ref;
}

const byName = (a: ObjectRef, b: ObjectRef): number =>
  `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`);

/** The AutoFailover condition's type (src/roles/role-status.ts writes it). */
const AUTO_FAILOVER_CONDITION = 'AutoFailover';

function leasePart(ac: AmkoCluster, now: number | undefined): LeaseReport {
  const l = ac.status?.lease ?? {};
  const cond = ac.status?.conditions?.find((c) => c.type === AUTO_FAILOVER_CONDITION);
  const renewed = Date.parse(l.renewTime ?? '');
  const age =
    now === undefined || Number.isNaN(renewed)
      ? undefined
      : Math.max(0, Math.round((now - renewed) / 1000));
  return defined({
    state: l.state,
    holder: l.holder,
    epoch: l.epoch,
    renewTime: l.renewTime,
    renewAgeSeconds: age,
    condition: cond?.status,
    reason: cond?.reason,
  });
}

function amkoClusterPart(ac: AmkoCluster, now: number | undefined): StatusReport['amkoCluster'] {
  const { status: s = {}, spec = {} } = ac;
  const auto = autoFailoverOf(spec.federation?.autoFailover);
  return defined({
    ...refOf(ac),
    clusterContext: spec.clusterContext,
    isLeader: spec.isLeader === true,
    clusters: spec.clusters ?? [],
    role: s.role,
    epoch: s.epoch,
    leader: s.leader,
    inSync: s.inSync,
    revision: s.revision,
    highestEpochSeen: s.highestEpochSeen,
    message: s.message,
    members: s.members ?? [],
    conditions: s.conditions ?? [],
    autoFailover: auto.enabled ? auto : undefined,
    lease: auto.enabled ? leasePart(ac, now) : undefined,
  });
}

/** The report for the objects read on one cluster. */
export function statusReport(input: StatusInputs): StatusReport {
  return {
    context: input.context,
    amkoCluster: amkoClusterPart(input.amkoCluster, input.now),
    gslbConfigs: input.gslbConfigs
      .map((gc) =>
        defined({
          ...refOf(gc),
          controllerIP: gc.spec?.gslbLeader?.controllerIP,
          amkoUuid: gc.metadata?.annotations?.[AMKO_UUID_ANNOTATION],
          state: gc.status?.state,
        }),
      )
      .sort(byName),
    globalDeploymentPolicies: input.gdps
      .map((g) => defined({ ...refOf(g), errorStatus: g.status?.errorStatus }))
      .sort(byName),
    gslbHostRules: input.gslbHostRules
      .map((r) =>
        defined({
          ...refOf(r),
          fqdn: r.spec?.fqdn,
          status: r.status?.status,
          error: r.status?.error,
        }),
      )
      .sort(byName),
    positions: [...(input.positions ?? [])],
    mostUpToDate: (input.positions ?? []).filter((p) => p.mostUpToDate).map((p) => p.cluster),
  };
}

function replicaCell(ref: ObjectRef): string {
  const r = ref.replicaOf;
  if (!r) return '-';
  const parts = [r.leader, r.epoch && `epoch ${r.epoch}`, r.revision && `rev ${r.revision}`];
  return parts.filter(Boolean).join(' ');
}

function summaryLines(report: StatusReport): string[] {
  const ac = report.amkoCluster;
  const rows: [string, string][] = [
    ['cluster', `${cell(ac.clusterContext)} (isLeader: ${ac.isLeader})`],
    ['role', ac.role ?? '- (no status yet: is amko running?)'],
    ['epoch', cell(ac.epoch)],
    ['leader', cell(ac.leader)],
    ['in sync', cell(ac.inSync)],
    ['revision', cell(ac.revision)],
    ['federation', ac.clusters.join(', ') || '-'],
  ];
  if (ac.message) rows.push(['message', ac.message]);
  if (ac.autoFailover) rows.push(...leaseRows(ac.autoFailover, ac.lease ?? {}));
  return [
    `AMKOCluster ${ac.namespace}/${ac.name} on context ${report.context}`,
    ...rows.map(([k, v]) => `  ${(k ? `${k}:` : '').padEnd(12)}${v}`),
  ];
}

function leaseRows(a: AutoFailover, l: LeaseReport): [string, string][] {
  const settings =
    `on (lease ${a.leaseSeconds} s, promote after ${a.promoteAfterSeconds} s, ` +
    `priority ${a.priority})`;
  const holder =
    l.holder === undefined || l.holder === ''
      ? 'no holder seen'
      : `held by ${l.holder} at epoch ${cell(l.epoch)}`;
  const age =
    l.renewAgeSeconds === undefined ? '' : `, renewed ${l.renewAgeSeconds} s ago (holder's clock)`;
  const rows: [string, string][] = [
    ['failover', settings],
    ['lease', `${l.state ?? '-'}: ${holder}${age}`],
  ];
  if (l.condition) rows.push(['', `${l.condition}${l.reason ? ` (${l.reason})` : ''}`]);
  return rows;
}

function section(title: string, headers: string[], rows: string[][]): string {
  if (rows.length === 0) return `${title}: none`;
  return formatTable(headers, rows);
}

function federationSections(ac: StatusReport['amkoCluster']): string[] {
  return [
    section(
      'Members',
      ['MEMBER', 'APPLIED', 'LAG', 'LAST ACK', 'LAST ERROR'],
      ac.members.map((m) => [
        m.cluster,
        cell(m.appliedRevision),
        cell(m.lag),
        cell(m.lastAckTime),
        cell(m.lastError),
      ]),
    ),
    section(
      'Conditions',
      ['CONDITION', 'STATUS', 'REASON'],
      ac.conditions.map((c) => [cell(c.type), cell(c.status), cell(c.reason)]),
    ),
  ];
}

function objectSections(report: StatusReport): string[] {
  const id = (r: ObjectRef): string => `${r.namespace}/${r.name}`;
  return [
    section(
      'GSLBConfigs',
      ['GSLBCONFIG', 'CONTROLLER', 'STATE', 'REPLICA OF'],
      report.gslbConfigs.map((g) => [id(g), cell(g.controllerIP), cell(g.state), replicaCell(g)]),
    ),
    section(
      'GlobalDeploymentPolicies',
      ['GDP', 'STATUS', 'REPLICA OF'],
      report.globalDeploymentPolicies.map((g) => [id(g), cell(g.errorStatus), replicaCell(g)]),
    ),
    section(
      'GSLBHostRules',
      ['GSLBHOSTRULE', 'FQDN', 'STATUS', 'ERROR', 'REPLICA OF'],
      report.gslbHostRules.map((r) => [
        id(r),
        cell(r.fqdn),
        cell(r.status),
        cell(r.error),
        replicaCell(r),
      ]),
    ),
  ];
}

/** The report as text for a terminal. */
export function formatStatus(report: StatusReport): string {
  const positions =
    report.positions.length === 0
      ? []
      : [
          [
            formatTable(POSITION_HEADERS, positionRows(report.positions)),
            POSITION_LEGEND,
            leaderUnheardLine(report.positions),
          ]
            .filter((l) => l !== undefined)
            .join('\n'),
        ];
  const parts = [
    summaryLines(report).join('\n'),
    ...federationSections(report.amkoCluster),
    ...positions,
    ...objectSections(report),
  ];
  return `${parts.join('\n\n')}\n`;
}
