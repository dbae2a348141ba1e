/**
 * Which GDP and which GSLBHostRules are in force, given each object's own validation verdict
 * (gslb-pipeline.md §5.7, §12). Pure: the trackers look the references up, validate, call these
 * and write the statuses they return.
 *
 * - GDP: candidates are taken in precedence order; the first valid one (or the one already in
 *   force) is in force and every later one gets "a GDP object already exists". An invalid update
 *   of the GDP in force is reported while its last good spec stays in force.
 * - GSLBHostRule: per FQDN the first valid rule in precedence order is in force; later valid
 *   rules for the same FQDN are rejected with "there's an existing GSLBHostRule for the same FQDN".
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { GDP_ALREADY_EXISTS } from '../../shared/crd/global-deployment-policy.js';
import { GHR_FQDN_TAKEN, GHR_REJECTED } from '../../shared/crd/gslb-host-rule.js';
import type { AcceptedGdp, AcceptedGhr } from './accepted-policy.js';

/** Order of precedence: the object already in force, then the oldest, then by namespace/name. */
export function precedence<T extends KubernetesObject>(
  objs: readonly T[],
  preferred: (o: T) => boolean,
): T[] {
  // Listed objects carry Date instances, watched ones ISO strings: compare as numbers.
  const created = (o: T): number => new Date(o.metadata?.creationTimestamp ?? 0).getTime();
  const id = (o: T): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  return [...objs].sort((a, b) => {
    const pa = preferred(a) ? 0 : 1;
    const pb = preferred(b) ? 0 : 1;
    if (pa !== pb) return pa - pb;
    const ca = created(a);
    const cb = created(b);
    if (ca !== cb) return ca - cb;
    return id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0;
  });
}

/** One object's own validation result: the status it earns alone, and its spec when valid. */
export interface Verdict<S, A> {
  readonly status: S;
  readonly accepted?: A;
}

/** An object in precedence order with its verdict. */
export interface Candidate<S, A> {
  readonly uid: string;
  readonly verdict: Verdict<S, A>;
}

export interface GdpAdmission {
  /** The uid of the GDP in force, if any. */
  readonly activeUid: string | undefined;
  /** The policy in force (possibly the last good spec of an invalid update). */
  readonly accepted: AcceptedGdp | undefined;
  /** The status each candidate gets, in candidate order. */
  readonly statuses: readonly { uid: string; status: string }[];
  /** Candidates whose own verdict was a rejection (for logging). */
  readonly rejected: readonly { uid: string; status: string }[];
}

/**
 * Admits GDPs. `previous` is what was in force before; it is kept only if its GDP is still
 * among the candidates.
 */
export function admitGdps(
  candidates: readonly Candidate<string, AcceptedGdp>[],
  previous: { uid: string | undefined; accepted: AcceptedGdp | undefined },
): GdpAdmission {
  const stillThere = candidates.some((c) => c.uid === previous.uid);
  let activeUid = stillThere ? previous.uid : undefined;
  let accepted = stillThere ? previous.accepted : undefined;
  const statuses: { uid: string; status: string }[] = [];
  const rejected: { uid: string; status: string }[] = [];
  for (const c of candidates) {
    if (activeUid !== undefined && c.uid !== activeUid) {
      statuses.push({ uid: c.uid, status: GDP_ALREADY_EXISTS });
      continue;
    }
    if (c.verdict.accepted) {
      activeUid = c.uid;
      accepted = c.verdict.accepted;
    } else {
      rejected.push({ uid: c.uid, status: c.verdict.status });
    }
    statuses.push({ uid: c.uid, status: c.verdict.status });
  }
  return { activeUid, accepted, statuses, rejected };
}

export interface GhrStatus {
  readonly status: string;
  readonly error: string;
}

export interface GhrInForce {
  readonly uid: string;
  readonly rule: AcceptedGhr;
}

export interface GhrAdmission {
  /** FQDN → the rule in force. */
  readonly inForce: ReadonlyMap<string, GhrInForce>;
  /** The status each candidate gets, in candidate order. */
  readonly statuses: readonly { uid: string; status: GhrStatus }[];
  /** FQDNs whose rule in force changed compared with `previous`. */
  readonly changed: ReadonlySet<string>;
}

/** Admits GSLBHostRules: the first valid rule per FQDN, in candidate order. */
export function admitGhrs(
  candidates: readonly Candidate<GhrStatus, AcceptedGhr>[],
  previous: ReadonlyMap<string, GhrInForce>,
): GhrAdmission {
  const inForce = new Map<string, GhrInForce>();
  const statuses: { uid: string; status: GhrStatus }[] = [];
  for (const c of candidates) {
    let status = c.verdict.status;
    const rule = c.verdict.accepted;
    if (rule) {
      const fqdn = rule.spec.fqdn ?? '';
      if (inForce.has(fqdn)) status = { status: GHR_REJECTED, error: GHR_FQDN_TAKEN };
      else inForce.set(fqdn, { uid: c.uid, rule });
    }
    statuses.push({ uid: c.uid, status });
  }
  return { inForce, statuses, changed: changedFqdns(previous, inForce) };
}

function changedFqdns(
  before: ReadonlyMap<string, GhrInForce>,
  after: ReadonlyMap<string, GhrInForce>,
): Set<string> {
  const changed = new Set<string>();
  for (const fqdn of new Set([...before.keys(), ...after.keys()])) {
    const a = JSON.stringify(before.get(fqdn)?.rule ?? null);
    const b = JSON.stringify(after.get(fqdn)?.rule ?? null);
    if (a !== b) changed.add(fqdn);
  }
  return changed;
}
