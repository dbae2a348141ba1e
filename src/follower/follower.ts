/**
 * The follower: takes replicas from the current leader over the Federation service and keeps
 * them in this cluster as ordinary GSLBConfig, GlobalDeploymentPolicy and GSLBHostRule objects,
 * repairing local edits. It never talks to the Avi Controller.
 */
import type { WrittenObject } from '../shared/federation/controller-view.js';
import { Metadata, status as Status } from '@grpc/grpc-js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../shared/clock.js';
import type { EpochClaim } from '../shared/federation/epoch-rules.js';
import type { EpochStore } from '../shared/federation/epoch-store.js';
import { HEALTH_SERVICES } from '../shared/federation/federation-names.js';
import type {
  FederationHandler,
  FederationServer,
} from '../shared/federation/federation-server.js';
import type { ReplicaKey } from '../shared/federation/replicated-object.js';
import type { Logger } from '../shared/telemetry/logger.js';
import type { Membership } from '../shared/federation/membership.js';
import { DriftRepair } from './drift-repair.js';
import { FollowerService } from './follower-service.js';
import {
  DEFAULT_LEADER_CONTACT_TIMEOUT_MS,
  LeaderContact,
  type LeaderContactView,
} from './leader-contact.js';
import { announceReturn, type AnnounceDeps } from './announce.js';
import { ReplicaApplier } from './replica-applier.js';
import { ReplicaWriter } from './replica-writer.js';
import type { AppliedPosition } from './replication-session.js';

export interface FollowerDeps {
  /**
   * When given, the follower installs its handler and health there itself; otherwise whoever
   * started it installs `handler` (the role switch, which owns the server).
   */
  server?: Pick<FederationServer, 'setHandler' | 'health'>;
  /** This cluster's API server, where replicas are written. */
  kubeConfig: KubeConfig;
  epochs: EpochStore;
  /** This cluster's place in the federation, read at every admission (from the AMKOCluster). */
  membership: () => Membership;
  clock: Clock;
  log: Logger;
  /** Told after every applied snapshot or change (status writers, metrics). */
  onApplied?: (position: AppliedPosition) => void;
  /** Told after drift repair restored an object. */
  onRepaired?: (key: ReplicaKey) => void;
  /** No message from the leader for this long makes it unreachable (default 30 s). */
  leaderContactTimeoutMs?: number;
  /** Told when what the status shows of the leader's liveness changed (rate-limited). */
  onContactChanged?: () => void;
  /** Told what the active leader wrote to the controller (for a hot standby's view). */
  onControllerView?: (objects: readonly WrittenObject[]) => void;
  /**
   * With `server`: the members told, once the handler is installed, that this follower serves
   * again (announce.ts). Without `server`, whoever installs the handler tells them.
   */
  announce?: Omit<AnnounceDeps, 'log'>;
}

/** What the status writer reports for a follower. */
export interface FollowerStatus {
  /** The highest claim seen: the leader this cluster follows and its epoch. */
  readonly highest: EpochClaim;
  /** What has been applied, from which leader and log. */
  readonly applied: AppliedPosition;
  /** The leader whose stream is open now, if any. */
  readonly connected: EpochClaim | undefined;
  /** When the leader was last heard from, and whether it counts as reachable. */
  readonly contact: LeaderContactView;
}

export interface FollowerHandle {
  /** The Federation service handler that takes replicas. */
  readonly handler: FederationHandler;
  status(): FollowerStatus;
  /** When the leader was last heard from, else when following began. */
  silentSince(): number;
  /** Ends the streams, uninstalls the handler and stops drift repair. */
  stop(): Promise<void>;
}

export async function startFollower(deps: FollowerDeps): Promise<FollowerHandle> {
  const log = deps.log.child({ component: 'follower' });
  const applier = new ReplicaApplier({ writer: new ReplicaWriter(deps.kubeConfig), log });
  // What this cluster holds already is what a member catching up from it fetches, and the
  // position its replicas witness is recorded, so status.applied says it after a restart too.
  const { loaded: held, witnessed } = await applier.load();
  deps.epochs.witness(witnessed);
  await deps.epochs.settle();
  const contact = leaderContactOf(deps, log);
  const service = new FollowerService({
    applier,
    epochs: deps.epochs,
    membership: deps.membership,
    log,
    ...(deps.onApplied ? { onApplied: deps.onApplied } : {}),
    ...(deps.onControllerView ? { onControllerView: deps.onControllerView } : {}),
    onContact: (leader) => {
      contact.heard(leader);
    },
  });
  const drift = new DriftRepair({
    kubeConfig: deps.kubeConfig,
    applier,
    clock: deps.clock,
    log,
    ...(deps.onRepaired ? { onRepaired: deps.onRepaired } : {}),
  });
  drift.start();
  contact.start();
  deps.server?.setHandler(service);
  deps.server?.health.setStatus(HEALTH_SERVICES.federation, 'SERVING');
  deps.server?.health.setStatus(HEALTH_SERVICES.leader, 'NOT_SERVING');
  if (deps.server && deps.announce) void announceReturn({ ...deps.announce, log });
  log.info(
    {
      self: deps.membership().self,
      highest: deps.epochs.highest(),
      applied: deps.epochs.applied(),
      replicas: held,
    },
    'follower started',
  );
  return {
    handler: service,
    status: (): FollowerStatus => ({
      highest: deps.epochs.highest(),
      applied: deps.epochs.applied(),
      connected: service.activeLeader,
      contact: contact.view(),
    }),
    silentSince: () => contact.silentSince(),
    stop: async (): Promise<void> => {
      deps.server?.setHandler(undefined);
      deps.server?.health.setStatus(HEALTH_SERVICES.federation, 'NOT_SERVING');
      service.closeAll({
        code: Status.UNAVAILABLE,
        details: 'follower stopping',
        metadata: new Metadata(),
      });
      contact.stop();
      await drift.stop();
      log.info('follower stopped');
    },
  };
}

/** The follower's record of its leader's liveness, logged and reported on change. */
function leaderContactOf(deps: FollowerDeps, log: Logger): LeaderContact {
  const logContact = contactLogger(log);
  const contact = new LeaderContact({
    clock: deps.clock,
    timeoutMs: deps.leaderContactTimeoutMs ?? DEFAULT_LEADER_CONTACT_TIMEOUT_MS,
    onChange: () => {
      logContact(contact.view());
      deps.onContactChanged?.();
    },
  });
  return contact;
}

/** Logs the leader's liveness when its state changes (not on every refresh of the time). */
function contactLogger(log: Logger): (v: LeaderContactView) => void {
  let shown: LeaderContactView['state'] = 'awaiting';
  return (v) => {
    if (v.state === shown) return;
    shown = v.state;
    if (v.state === 'lost') {
      log.warn(
        { leader: v.leader, timeoutMs: v.timeoutMs },
        `LeaderReachable False: nothing heard from ${v.leader ?? 'any leader'} for ${v.timeoutMs} ms`,
      );
    } else {
      log.info({ leader: v.leader }, `LeaderReachable True: ${v.leader ?? ''} heard from`);
    }
  };
}
