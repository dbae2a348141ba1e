/**
 * The simulated network of the federation simulation: Replicate streams between a leader and a
 * follower, each a queue per direction, with their ends delivered as events of their own, so
 * that they can be lost, duplicated, cut by a partition or overtaken by a newer stream. Only the
 * simulation and its tests import this file.
 */
import { Metadata, status as Status } from '@grpc/grpc-js';
import type { Hello__Output } from '../../src/shared/federation/gen/amko/federation/v1/Hello.js';
import type { LeaderMessage } from '../../src/shared/federation/gen/amko/federation/v1/LeaderMessage.js';
import { peerFailure, type PeerFailure } from '../../src/shared/federation/grpc-status.js';
import {
  fromWireObject,
  replicaKey,
  type HashedContent,
} from '../../src/shared/federation/replicated-object.js';
import type { PeerReport } from '../../src/leader/replicator/session-step.js';
import type { MessageEvent } from '../../src/follower/session-step.js';

export type Down = MessageEvent<Hello__Output>;

export type Up =
  | { readonly kind: 'state'; readonly report: PeerReport; readonly role: string }
  | { readonly kind: 'ack'; readonly revision: number };

export interface Stream {
  readonly id: number;
  readonly leader: string;
  readonly follower: string;
  /** The leader's log the stream carries (from its hello). */
  readonly logId: string;
  down: Down[];
  up: Up[];
  /** The leader cancelled: the follower is still to be told. */
  cancelPending: boolean;
  /** The follower ended it (or it broke): the leader is still to be told, with this. */
  endPending: PeerFailure | undefined;
  /** The follower has taken the hello (a session, or a refusal). */
  accepted: boolean;
  /** Over for the follower: nothing more is delivered to it. */
  followerDone: boolean;
  /** Over for the leader. */
  leaderDone: boolean;
  /** A message of it was lost in flight (the simulation's own fault, not a transport's). */
  lossy: boolean;
}

export function unavailable(peer: string, details: string): PeerFailure {
  return peerFailure({ code: Status.UNAVAILABLE, details, metadata: new Metadata() }, peer);
}

/** The event a leader's message is for the follower step (what the runner's decoding makes). */
export function downOf(m: LeaderMessage): Down {
  if (m.hello) {
    const h = m.hello;
    const hello: Hello__Output = {
      cluster: h.cluster ?? '',
      epoch: String(h.epoch ?? '0'),
      version: h.version ?? '',
      log_id: h.log_id ?? '',
    };
    return { type: 'hello', hello };
  }
  if (m.snapshot) {
    const s = m.snapshot;
    const objects: HashedContent[] = (s.objects ?? []).map(fromWireObject);
    return { type: 'snapshot', revision: Number(s.revision), objects, more: s.more === true };
  }
  if (m.delta) {
    const d = m.delta;
    const revision = Number(d.revision);
    if (d.put) return { type: 'delta', revision, change: fromWireObject(d.put) };
    const del = d.delete ?? {};
    const key = replicaKey(del.kind ?? '', del.namespace ?? '', del.name ?? '');
    return { type: 'delta', revision, change: key };
  }
  return { type: 'ping' };
}

/** Who can reach whom: processes up, pairs not partitioned. */
export class Reach {
  readonly #cut = new Set<string>();
  readonly #down = new Set<string>();

  static #pair(a: string, b: string): string {
    return a < b ? `${a}|${b}` : `${b}|${a}`;
  }

  can(a: string, b: string): boolean {
    return !this.#down.has(a) && !this.#down.has(b) && !this.#cut.has(Reach.#pair(a, b));
  }

  isUp(a: string): boolean {
    return !this.#down.has(a);
  }

  cut(a: string, b: string): void {
    this.#cut.add(Reach.#pair(a, b));
  }

  heal(): number {
    const n = this.#cut.size;
    this.#cut.clear();
    return n;
  }

  get partitions(): number {
    return this.#cut.size;
  }

  setUp(a: string, up: boolean): void {
    if (up) this.#down.delete(a);
    else this.#down.add(a);
  }
}
