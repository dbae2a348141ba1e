/**
 * Which GlobalDeploymentPolicy is in force (gslb-pipeline.md §5.4, §5.7): the first valid one
 * in avi-system; any other gets "a GDP object already exists"; an invalid update of the GDP in
 * force is reported in its status while its last good spec stays in force; deleting it clears
 * the policy. Validation results are kept per spec generation.
 */
import { AVI_SYSTEM } from '../../shared/crd/common.js';
import {
  GDP_ALREADY_EXISTS,
  GLOBAL_DEPLOYMENT_POLICY,
  validateGdp,
  withGdpDefaults,
  type GlobalDeploymentPolicy,
} from '../../shared/crd/global-deployment-policy.js';
import type { AcceptedGdp } from '../policy/accepted-policy.js';
import { lookupRefs, templateInfo } from './ref-lookups.js';
import { generationKey, precedence, type RulesDeps } from './rules-deps.js';

interface Verdict {
  readonly status: string;
  readonly accepted?: AcceptedGdp;
}

export class GdpTracker {
  readonly #deps: RulesDeps;
  readonly #verdicts = new Map<string, Verdict>();
  #activeUid: string | undefined;
  #accepted: AcceptedGdp | undefined;

  constructor(deps: RulesDeps) {
    this.#deps = deps;
  }

  get accepted(): AcceptedGdp | undefined {
    return this.#accepted;
  }

  /** Forgets validation results, so the next evaluation looks references up again. */
  invalidate(): void {
    this.#verdicts.clear();
  }

  /** Re-evaluates all GDPs and writes their status; true when the policy in force changed. */
  async evaluate(all: readonly GlobalDeploymentPolicy[], signal?: AbortSignal): Promise<boolean> {
    const before = JSON.stringify(this.#accepted ?? null);
    const gdps = all.filter((g) => g.metadata?.namespace === AVI_SYSTEM);
    if (!gdps.some((g) => g.metadata?.uid === this.#activeUid)) {
      this.#activeUid = undefined;
      this.#accepted = undefined;
    }
    const ordered = precedence(gdps, (g) => g.metadata?.uid === this.#activeUid || isSuccess(g));
    for (const gdp of ordered) {
      const status = await this.#decide(gdp, signal);
      await this.#deps.writeStatus(GLOBAL_DEPLOYMENT_POLICY, gdp, { errorStatus: status });
    }
    return JSON.stringify(this.#accepted ?? null) !== before;
  }

  async #decide(gdp: GlobalDeploymentPolicy, signal?: AbortSignal): Promise<string> {
    const uid = gdp.metadata?.uid;
    if (this.#activeUid !== undefined && uid !== this.#activeUid) return GDP_ALREADY_EXISTS;
    const verdict = await this.#verdict(gdp, signal);
    if (verdict.accepted) {
      this.#activeUid = uid;
      this.#accepted = verdict.accepted;
    } else {
      this.#deps.log.warn(
        { gdp: gdp.metadata?.name, error: verdict.status },
        'GlobalDeploymentPolicy rejected; the previous policy stays in force',
      );
    }
    return verdict.status;
  }

  async #verdict(gdp: GlobalDeploymentPolicy, signal?: AbortSignal): Promise<Verdict> {
    const key = generationKey(gdp);
    const cached = this.#verdicts.get(key);
    if (cached) return cached;
    const spec = gdp.spec ?? {};
    const namespace = gdp.metadata?.namespace ?? AVI_SYSTEM;
    const tenant = await this.#deps.refTenant(namespace);
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
    const verdict: Verdict =
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
