/**
 * The GlobalDeploymentPolicy in force (gslb-pipeline.md §5.4, §5.7): the I/O around the pure
 * admission rule in policy/admission.ts. It looks up each GDP's references on the controller
 * (in its namespace's tenant), validates it, admits and writes the statuses. Validation results
 * are kept per spec generation and tenant.
 */
import { AVI_SYSTEM } from '../../shared/crd/common.js';
import {
  GLOBAL_DEPLOYMENT_POLICY,
  validateGdp,
  withGdpDefaults,
  type GlobalDeploymentPolicy,
} from '../../shared/crd/global-deployment-policy.js';
import type { AcceptedGdp } from '../policy/accepted-policy.js';
import { admitGdps, precedence, type GdpAdmission, type Verdict } from '../policy/admission.js';
import { lookupRefs, templateInfo } from './ref-lookups.js';
import { verdictKey, type RulesDeps } from './rules-deps.js';

type GdpVerdict = Verdict<string, AcceptedGdp>;

export class GdpTracker {
  readonly #deps: RulesDeps;
  readonly #verdicts = new Map<string, GdpVerdict>();
  #activeUid: string | undefined;
  #accepted: AcceptedGdp | undefined;

  constructor(deps: RulesDeps) {
    this.#deps = deps;
  }

  get accepted(): AcceptedGdp | undefined {
    return this.#accepted;
  }

  /** The GDP in force, for events about it. */
  active(all: readonly GlobalDeploymentPolicy[]): GlobalDeploymentPolicy | undefined {
    return all.find((g) => g.metadata?.uid === this.#activeUid);
  }

  /** Forgets validation results, so the next evaluation looks references up again. */
  invalidate(): void {
    this.#verdicts.clear();
  }

  /** Re-evaluates all GDPs and writes their status; true when the policy in force changed. */
  async evaluate(all: readonly GlobalDeploymentPolicy[], signal?: AbortSignal): Promise<boolean> {
    const before = JSON.stringify(this.#accepted ?? null);
    const gdps = all.filter((g) => g.metadata?.namespace === AVI_SYSTEM);
    const ordered = precedence(gdps, (g) => g.metadata?.uid === this.#activeUid || isSuccess(g));
    const candidates = [];
    for (const gdp of ordered) {
      candidates.push({ uid: gdp.metadata?.uid ?? '', verdict: await this.#verdict(gdp, signal) });
    }
    const result = admitGdps(candidates, { uid: this.#activeUid, accepted: this.#accepted });
    this.#activeUid = result.activeUid;
    this.#accepted = result.accepted;
    await this.#report(ordered, result);
    return JSON.stringify(this.#accepted ?? null) !== before;
  }

  async #report(ordered: readonly GlobalDeploymentPolicy[], result: GdpAdmission): Promise<void> {
    const byUid = new Map(ordered.map((g) => [g.metadata?.uid ?? '', g]));
    for (const r of result.rejected) {
      this.#deps.log.warn(
        { gdp: byUid.get(r.uid)?.metadata?.name, error: r.status },
        'GlobalDeploymentPolicy rejected; the previous policy stays in force',
      );
    }
    for (const s of result.statuses) {
      const gdp = byUid.get(s.uid);
      if (gdp)
        await this.#deps.writeStatus(GLOBAL_DEPLOYMENT_POLICY, gdp, { errorStatus: s.status });
    }
  }

  async #verdict(gdp: GlobalDeploymentPolicy, signal?: AbortSignal): Promise<GdpVerdict> {
    const namespace = gdp.metadata?.namespace ?? AVI_SYSTEM;
    const tenant = await this.#deps.refTenant(namespace);
    const key = verdictKey(gdp, tenant);
    const cached = this.#verdicts.get(key);
    if (cached) return cached;
    const spec = gdp.spec ?? {};
    const lookups = await lookupRefs(
      this.#deps.reader,
      tenant,
      {
        healthMonitors: [
          ...(spec.healthMonitorRefs ?? []),
          ...optional(spec.healthMonitorTemplate),
        ],
        persistence: optional(spec.sitePersistenceRef),
        pki: optional(spec.pkiProfileRef),
        thirdPartySites: false,
      },
      signal,
    );
    const result = validateGdp(gdp, {
      memberClusters: this.#deps.memberClusters,
      avi: lookups.refs,
    });
    const template = templateInfo(spec.healthMonitorTemplate, lookups);
    const verdict: GdpVerdict =
      result.problems.length > 0
        ? { status: result.status }
        : {
            status: result.status,
            accepted: {
              namespace,
              name: gdp.metadata?.name ?? '',
              spec: withGdpDefaults(spec),
              ...(template ? { template } : {}),
            },
          };
    this.#verdicts.set(key, verdict);
    return verdict;
  }
}

function optional(name: string | undefined): string[] {
  return name ? [name] : [];
}

function isSuccess(g: GlobalDeploymentPolicy): boolean {
  return g.status?.errorStatus === 'success';
}
