/**
 * What the federation simulation knows that no process does: every version ever written (each
 * put and delete has its own sequence number), every log's history, and every ack a follower
 * sent. From these it checks that no acknowledged revision is lost. Only the simulation and its
 * tests import this file.
 *
 * A cluster's objects are kept with tombstones (a delete is a version too), so "state X holds
 * what Y held" is a plain comparison: for every key of Y, X has a version at least as new.
 */
import { supersedes, type EpochClaim } from '../../src/shared/federation/epoch-rules.js';
import type { HashedContent, ReplicaKey } from '../../src/shared/federation/replicated-object.js';

/** One version of one object: present with content, or deleted. */
export interface Version {
  readonly seq: number;
  readonly content?: HashedContent;
}

export type Objects = ReadonlyMap<ReplicaKey, Version>;

interface LogHistory {
  /** The claim of the leader that kept the log. */
  readonly claim: EpochClaim;
  /** The objects the leader held when the log started (its revisions 1…n re-record them). */
  readonly base: Objects;
  /** Entry of revision r at index r − 1. */
  readonly entries: { readonly key: ReplicaKey; readonly version: Version }[];
}

export interface Ack {
  readonly follower: string;
  readonly logId: string;
  readonly revision: number;
}

/** The keys of `required` for which `held` has no version as new (empty: nothing is lost). */
export function missing(held: Objects, required: Objects): ReplicaKey[] {
  const out: ReplicaKey[] = [];
  for (const [key, v] of required) {
    const h = held.get(key);
    // A deletion is held by an absent object too; an older version would bring it back.
    if (h ? h.seq < v.seq : v.content !== undefined) out.push(key);
  }
  return out;
}

/** The present objects, by key, as content hashes. */
export function presentHashes(objects: Objects): Map<ReplicaKey, string> {
  const out = new Map<ReplicaKey, string>();
  for (const [key, v] of objects) if (v.content) out.set(key, v.content.hash);
  return out;
}

export class Oracle {
  #seq = 0;
  readonly #logs = new Map<string, LogHistory>();
  /** The highest revision each follower acked, per log. */
  readonly #acks = new Map<string, Map<string, number>>();
  /**
   * Claims of leaders that started writing: the logs of any claim one of them supersedes, kept
   * before or after, are over. What their followers acked and the writer did not hold when it
   * started (it could not hear them) is lost by design: there is no quorum.
   */
  readonly #writers: EpochClaim[] = [];

  nextSeq(): number {
    return ++this.#seq;
  }

  startLog(logId: string, claim: EpochClaim, base: Objects): void {
    this.#logs.set(logId, { claim, base: new Map(base), entries: [] });
  }

  /** Records the entry of `revision` (the next one) of `logId`. */
  record(logId: string, revision: number, key: ReplicaKey, version: Version): string[] {
    const log = this.#logs.get(logId);
    if (!log) return [`entry ${revision} of unknown log ${logId}`];
    if (revision !== log.entries.length + 1)
      return [`log ${logId}: revision ${revision} after ${log.entries.length}`];
    log.entries.push({ key, version });
    return [];
  }

  /** The version an entry of a log recorded. */
  entry(logId: string, revision: number): { key: ReplicaKey; version: Version } | undefined {
    return this.#logs.get(logId)?.entries[revision - 1];
  }

  /** The objects of `logId` at `revision`, tombstones included. */
  stateAt(logId: string, revision: number): Map<ReplicaKey, Version> {
    const log = this.#logs.get(logId);
    const out = new Map(log?.base ?? []);
    for (const e of log?.entries.slice(0, revision) ?? []) out.set(e.key, e.version);
    return out;
  }

  ack(a: Ack): void {
    const perLog = this.#acks.get(a.logId) ?? new Map<string, number>();
    perLog.set(a.follower, Math.max(perLog.get(a.follower) ?? 0, a.revision));
    this.#acks.set(a.logId, perLog);
  }

  /** Every ack of the followers named, of logs still alive, as it stands now. */
  acksOf(followers: readonly string[]): Ack[] {
    const out: Ack[] = [];
    for (const [logId, perLog] of this.#acks) {
      if (this.#dead(logId)) continue;
      for (const [follower, revision] of perLog) {
        if (followers.includes(follower)) out.push({ follower, logId, revision });
      }
    }
    return out;
  }

  /** A leader holding `claim` started writing: the logs of the claims it supersedes are over. */
  supersededBy(claim: EpochClaim): void {
    this.#writers.push(claim);
  }

  #dead(logId: string): boolean {
    const claim = this.#logs.get(logId)?.claim;
    return claim !== undefined && this.#writers.some((w) => supersedes(w, claim));
  }

  /** The epoch of the leader that kept `logId`. */
  epochOf(logId: string): number | undefined {
    return this.#logs.get(logId)?.claim.epoch;
  }

  /** What of `required` acks `held` lacks, one line per ack. */
  lost(held: Objects, required: readonly Ack[]): { ack: Ack; line: string }[] {
    const out: { ack: Ack; line: string }[] = [];
    for (const a of required) {
      if (this.#dead(a.logId)) continue;
      const keys = missing(held, this.stateAt(a.logId, a.revision));
      if (keys.length > 0) {
        const line = `${a.follower}'s ack of ${a.logId}@${a.revision} lost (${keys.join(', ')})`;
        out.push({ ack: a, line });
      }
    }
    return out;
  }
}
