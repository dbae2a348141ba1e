/**
 * What the federation simulation counts, and its action type. Only the simulation, its tests and
 * the chaos experiment import this file.
 */

/** One step of the simulation: what it does, and its label in a trace. */
export interface Action {
  readonly label: string;
  readonly run: () => void;
}

export interface SimStats {
  steps: number;
  delivered: number;
  drops: number;
  duplicates: number;
  breaks: number;
  partitions: number;
  heals: number;
  crashes: number;
  promotions: number;
  demotions: number;
  writeFailures: number;
  effectFailures: number;
  edits: number;
  controllerWrites: number;
  /** Controller writes at an epoch another cluster wrote at, by a take-over that was unverified. */
  unverifiedTies: number;
  /** Survey answers from members that lead (catch-up does not fetch from them). */
  leadersNotFetched: number;
  /** Changes whose position was persisted by the replica's own write (no status write). */
  witnessedWrites: number;
  /** GetState answers whose position came from the replicas' marks, above `status.applied`. */
  witnessAnswers: number;
}

export const emptyStats = (): SimStats => ({
  steps: 0,
  delivered: 0,
  drops: 0,
  duplicates: 0,
  breaks: 0,
  partitions: 0,
  heals: 0,
  crashes: 0,
  promotions: 0,
  demotions: 0,
  writeFailures: 0,
  effectFailures: 0,
  edits: 0,
  controllerWrites: 0,
  unverifiedTies: 0,
  leadersNotFetched: 0,
  witnessedWrites: 0,
  witnessAnswers: 0,
});
