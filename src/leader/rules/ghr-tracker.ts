/**
 * The GSLBHostRules in force (gslb-pipeline.md §12): the I/O around the pure admission rule in
 * policy/admission.ts. It looks up each rule's references on the controller (in its namespace's
 * tenant), validates it, admits and writes the statuses. Any namespace. Validation results are
 * kept per spec generation and tenant, so a namespace's tenant change re-validates its rules.
 */
import {
  GSLB_HOST_RULE,
  validateGslbHostRule,
  withGslbHostRuleDefaults,
  type GslbHostRule,
} from '../../shared/crd/gslb-host-rule.js';
import type { AcceptedGhr } from '../policy/accepted-policy.js';
import {
  admitGhrs,
  precedence,
  type GhrInForce,
  type GhrStatus,
  type Verdict,
} from '../policy/admission.js';
import { lookupRefs, templateInfo } from './ref-lookups.js';
import { verdictKey, type RulesDeps } from './rules-deps.js';

type GhrVerdict = Verdict<GhrStatus, AcceptedGhr>;

export class GhrTracker {
  readonly #deps: RulesDeps;
  readonly #verdicts = new Map<string, GhrVerdict>();
  #inForce: ReadonlyMap<string, GhrInForce> = new Map();

  constructor(deps: RulesDeps) {
    this.#deps = deps;
  }

  /** The rule in force for a GS name (rules are looked up by FQDN alone). */
  get(fqdn: string): AcceptedGhr | undefined {
    return this.#inForce.get(fqdn)?.rule;
  }

  invalidate(): void {
    this.#verdicts.clear();
  }

  /** Re-evaluates all rules, writes their status, and returns the FQDNs whose rule changed. */
  async evaluate(all: readonly GslbHostRule[], signal?: AbortSignal): Promise<ReadonlySet<string>> {
    const inForce = new Set([...this.#inForce.values()].map((a) => a.uid));
    const ordered = precedence(all, (g) => inForce.has(g.metadata?.uid ?? ''));
    const candidates = [];
    for (const ghr of ordered) {
      candidates.push({ uid: ghr.metadata?.uid ?? '', verdict: await this.#verdict(ghr, signal) });
    }
    const result = admitGhrs(candidates, this.#inForce);
    this.#inForce = result.inForce;
    const byUid = new Map(ordered.map((g) => [g.metadata?.uid ?? '', g]));
    for (const s of result.statuses) {
      const ghr = byUid.get(s.uid);
      if (ghr) await this.#deps.writeStatus(GSLB_HOST_RULE, ghr, { ...s.status });
    }
    return result.changed;
  }

  async #verdict(ghr: GslbHostRule, signal?: AbortSignal): Promise<GhrVerdict> {
    const namespace = ghr.metadata?.namespace ?? '';
    const tenant = await this.#deps.refTenant(namespace);
    const key = verdictKey(ghr, tenant);
    const cached = this.#verdicts.get(key);
    if (cached) return cached;
    const spec = ghr.spec ?? {};
    const sp = spec.sitePersistence;
    const lookups = await lookupRefs(
      this.#deps.reader,
      tenant,
      {
        healthMonitors: [
          ...(spec.healthMonitorRefs ?? []),
          ...(spec.healthMonitorTemplate ? [spec.healthMonitorTemplate] : []),
        ],
        persistence: sp?.profileRef ? [sp.profileRef] : [],
        pki: sp?.pkiProfileRef ? [sp.pkiProfileRef] : [],
        thirdPartySites: (spec.thirdPartyMembers ?? []).length > 0,
      },
      signal,
    );
    const result = validateGslbHostRule(ghr, {
      memberClusters: this.#deps.memberClusters,
      avi: lookups.refs,
    });
    const template = templateInfo(spec.healthMonitorTemplate, lookups);
    const verdict: GhrVerdict =
      result.problems.length > 0
        ? { status: result.statusFields }
        : {
            status: result.statusFields,
            accepted: {
              namespace,
              name: ghr.metadata?.name ?? '',
              spec: withGslbHostRuleDefaults(spec),
              ...(template ? { template } : {}),
            },
          };
    this.#verdicts.set(key, verdict);
    return verdict;
  }
}
