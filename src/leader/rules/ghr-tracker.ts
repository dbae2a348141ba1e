/**
 * Which GSLBHostRules are in force (gslb-pipeline.md §12): per FQDN the first valid rule (the
 * one already in force, else the oldest); later valid rules for the same FQDN are rejected with
 * "there's an existing GSLBHostRule for the same FQDN"; a rule that turns invalid is rejected
 * and its overrides withdrawn. Any namespace. Validation results are kept per spec generation.
 */
import {
  GHR_FQDN_TAKEN,
  GHR_REJECTED,
  GSLB_HOST_RULE,
  validateGslbHostRule,
  withGslbHostRuleDefaults,
  type GslbHostRule,
} from '../../shared/crd/gslb-host-rule.js';
import type { AcceptedGhr } from '../policy/accepted-policy.js';
import { lookupRefs, templateInfo } from './ref-lookups.js';
import { generationKey, precedence, type RulesDeps } from './rules-deps.js';

interface Verdict {
  readonly status: { status: string; error: string };
  readonly accepted?: AcceptedGhr;
}

export class GhrTracker {
  readonly #deps: RulesDeps;
  readonly #verdicts = new Map<string, Verdict>();
  #accepted = new Map<string, { uid: string; rule: AcceptedGhr }>();

  constructor(deps: RulesDeps) {
    this.#deps = deps;
  }

  /** The rule in force for a GS name (rules are looked up by FQDN alone). */
  get(fqdn: string): AcceptedGhr | undefined {
    return this.#accepted.get(fqdn)?.rule;
  }

  invalidate(): void {
    this.#verdicts.clear();
  }

  /** Re-evaluates all rules, writes their status, and returns the FQDNs whose rule changed. */
  async evaluate(all: readonly GslbHostRule[], signal?: AbortSignal): Promise<Set<string>> {
    const inForce = new Set([...this.#accepted.values()].map((a) => a.uid));
    const next = new Map<string, { uid: string; rule: AcceptedGhr }>();
    for (const ghr of precedence(all, (g) => inForce.has(g.metadata?.uid ?? ''))) {
      const verdict = await this.#verdict(ghr, signal);
      let status = verdict.status;
      const rule = verdict.accepted;
      if (rule) {
        const fqdn = rule.spec.fqdn ?? '';
        if (next.has(fqdn)) status = { status: GHR_REJECTED, error: GHR_FQDN_TAKEN };
        else next.set(fqdn, { uid: ghr.metadata?.uid ?? '', rule });
      }
      await this.#deps.writeStatus(GSLB_HOST_RULE, ghr, status);
    }
    const changed = new Set<string>();
    for (const fqdn of new Set([...this.#accepted.keys(), ...next.keys()])) {
      const a = JSON.stringify(this.#accepted.get(fqdn)?.rule ?? null);
      const b = JSON.stringify(next.get(fqdn)?.rule ?? null);
      if (a !== b) changed.add(fqdn);
    }
    this.#accepted = next;
    return changed;
  }

  async #verdict(ghr: GslbHostRule, signal?: AbortSignal): Promise<Verdict> {
    const key = generationKey(ghr);
    const cached = this.#verdicts.get(key);
    if (cached) return cached;
    const spec = ghr.spec ?? {};
    const namespace = ghr.metadata?.namespace ?? '';
    const sp = spec.sitePersistence;
    const lookups = await lookupRefs(
      this.#deps.reader,
      await this.#deps.refTenant(namespace),
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
    const verdict: Verdict =
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
