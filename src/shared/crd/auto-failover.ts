/**
 * `spec.federation.autoFailover` of an AMKOCluster: opt-in automatic failover, with a lease held
 * on the Avi GSLB leader controller as the arbiter. Types, defaults and the semantic checks the
 * CRD schema also enforces (a value the schema would refuse is shown in status, never acted on).
 */
import type { ProblemList } from './problems.js';

export interface AutoFailoverSpec {
  /** Off by default: nothing promotes automatically. */
  enabled?: boolean;
  /** A leader that could not renew the lease for this long stops writing (default 15). */
  leaseSeconds?: number;
  /** A follower takes over only after this long without its leader (default 30). */
  promoteAfterSeconds?: number;
  /**
   * The order in which followers may take over: lower first (default 0). A follower waits
   * `priority × leaseSeconds` more than one of priority 0 before it tries.
   */
  priority?: number;
}

/** The settings in force, defaults filled in. */
export interface AutoFailover {
  readonly enabled: boolean;
  readonly leaseSeconds: number;
  readonly promoteAfterSeconds: number;
  readonly priority: number;
}

export const AUTO_FAILOVER_DEFAULTS: AutoFailover = Object.freeze({
  enabled: false,
  leaseSeconds: 15,
  promoteAfterSeconds: 30,
  priority: 0,
});

/** Bounds of each integer setting (the CRD schema declares the same). */
export const AUTO_FAILOVER_LIMITS = Object.freeze({
  leaseSeconds: [1, 3600],
  promoteAfterSeconds: [1, 86_400],
  priority: [0, 100],
} as const);

export const AUTO_FAILOVER_SHAPE = Object.freeze({
  fields: {
    enabled: 'boolean',
    leaseSeconds: 'integer',
    promoteAfterSeconds: 'integer',
    priority: 'integer',
  },
} as const);

/** The settings with their defaults. */
export function autoFailoverOf(spec: AutoFailoverSpec | undefined): AutoFailover {
  return {
    enabled: spec?.enabled ?? AUTO_FAILOVER_DEFAULTS.enabled,
    leaseSeconds: spec?.leaseSeconds ?? AUTO_FAILOVER_DEFAULTS.leaseSeconds,
    promoteAfterSeconds: spec?.promoteAfterSeconds ?? AUTO_FAILOVER_DEFAULTS.promoteAfterSeconds,
    priority: spec?.priority ?? AUTO_FAILOVER_DEFAULTS.priority,
  };
}

/** Range checks, and a promotion delay no shorter than the lease. */
export function checkAutoFailover(p: ProblemList, spec: AutoFailoverSpec | undefined): void {
  if (!spec) return;
  const path = 'spec.federation.autoFailover';
  for (const key of ['leaseSeconds', 'promoteAfterSeconds', 'priority'] as const) {
    const v = spec[key];
    const [min, max] = AUTO_FAILOVER_LIMITS[key];
    if (v !== undefined && (v < min || v > max)) {
      p.add(`${path}.${key}`, `autoFailover ${key} must be from ${min} to ${max}, got ${v}`);
    }
  }
  const a = autoFailoverOf(spec);
  if (a.promoteAfterSeconds < a.leaseSeconds) {
    p.add(
      `${path}.promoteAfterSeconds`,
      `autoFailover promoteAfterSeconds (${a.promoteAfterSeconds}) must not be shorter than leaseSeconds (${a.leaseSeconds})`,
    );
  }
}
