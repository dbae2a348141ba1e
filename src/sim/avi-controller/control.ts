/**
 * The simulator's test hooks (avi-rest-api.md §7.5) as an in-process API. `control-routes.ts`
 * serves the same operations over HTTP under `/_sim/`.
 */
import type { Controller } from './controller.js';
import { type FaultRule, Faults } from './faults.js';
import type { Journal, JournalEntry, JournalFilter, SimStats } from './journal.js';
import { renderObject } from './render.js';
import { applySeed, type SeedDoc } from './seed.js';
import type { Sessions, SimUser } from './sessions.js';
import { NOT_FOUND_OBJECT, SimError } from './sim-error.js';

export interface ObjectsFilter {
  type?: string;
  /** Tenant name. */
  tenant?: string;
}

export interface ResetOptions {
  /** Keep only the controller-wide objects of the seed (cluster, gslb, clouds, tenants). */
  empty?: boolean;
}

export interface SimControlDeps {
  controller: Controller;
  sessions: Sessions;
  journal: Journal;
  faults: Faults;
  /** The seed the simulator started from (what reset restores). */
  seed: SeedDoc;
  /** The users given on the command line or in the options. */
  users: readonly SimUser[];
  /** Base URL used for refs in `objects()`. */
  base: () => string;
  /** Called after every change to the stored objects (persistence). */
  onChange: () => void;
}

export class SimControl {
  readonly #d: SimControlDeps;

  constructor(deps: SimControlDeps) {
    this.#d = deps;
  }

  /** Every stored object, rendered with `include_name`, grouped by type. */
  objects(filter: ObjectsFilter = {}): Record<string, Record<string, unknown>[]> {
    const { store, tenancy } = this.#d.controller;
    const tenantUuid =
      filter.tenant === undefined ? undefined : tenancy.byName(filter.tenant)?.uuid;
    if (filter.tenant !== undefined && tenantUuid === undefined) return {};
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const type of filter.type === undefined ? store.types() : [filter.type]) {
      const objects = store.list(
        type,
        tenantUuid === undefined ? undefined : new Set([tenantUuid]),
      );
      out[type] = objects.map((obj) =>
        renderObject(store, obj, { base: this.#d.base(), includeName: true }),
      );
    }
    return out;
  }

  stats(): SimStats {
    return this.#d.journal.stats();
  }

  journal(filter: JournalFilter = {}): JournalEntry[] {
    return this.#d.journal.entries(filter);
  }

  clearJournal(): void {
    this.#d.journal.clear();
  }

  /** Adds one fault rule (see `faults.ts`) and returns it with its id. */
  addFault(rule: unknown): FaultRule {
    return this.#d.faults.add(rule);
  }

  faults(): FaultRule[] {
    return this.#d.faults.list();
  }

  clearFaults(id?: string): number {
    return this.#d.faults.clear(id);
  }

  /** Back to the start seed: objects, faults, journal, users; sessions stay valid. */
  reset(opts: ResetOptions = {}): void {
    const { controller, sessions } = this.#d;
    controller.store.clear();
    const seed = opts.empty === true ? { ...this.#d.seed, objects: {} } : this.#d.seed;
    for (const user of [...applySeed(controller, seed), ...this.#d.users]) sessions.setUser(user);
    sessions.rejectNextLogins(0);
    this.#d.faults.clear();
    this.#d.journal.clear();
    this.#d.onChange();
  }

  /** Adds (upserts) the objects of a seed document. */
  seed(doc: SeedDoc): void {
    for (const user of applySeed(this.#d.controller, doc)) this.#d.sessions.setUser(user);
    this.#d.onChange();
  }

  /** Expires every session; the next API call of each client gets 401 (or 419). */
  expireSessions(): number {
    return this.#d.sessions.expireAll();
  }

  /** `false` turns the controller into a GSLB follower (writes to GS and HM refused). */
  setLeader(leader: boolean): void {
    this.#d.controller.setLeader(leader);
    this.#d.onChange();
  }

  setMaintenance(on: boolean): void {
    this.#d.controller.setMaintenance(on);
    this.#d.onChange();
  }

  rejectNextLogins(count: number): void {
    this.#d.sessions.rejectNextLogins(count);
  }

  setPassword(username: string, password: string): void {
    if (!this.#d.sessions.setPassword(username, password)) {
      throw new SimError(404, `User ${username} not found`);
    }
  }

  /** Bumps `_last_modified` of an object as a concurrent writer would (to provoke 412). */
  touch(type: string, uuid: string): string {
    const { store } = this.#d.controller;
    const obj = store.get(type, uuid);
    if (obj === undefined) throw new SimError(404, NOT_FOUND_OBJECT);
    const updated = store.replace(obj, obj.body);
    this.#d.onChange();
    return String(updated.body['_last_modified']);
  }
}
