/**
 * The desired state of one GslbService key, read from the member store, the HostRule index and
 * the policies in force, through the pure model builder.
 */
import { parseGslbKey, type GslbKey } from '../../shared/keys.js';
import type { HostRuleIndex } from '../ingestion/host-rule-index.js';
import type { MemberStore } from '../ingestion/member-store.js';
import type { TrackedObject } from '../ingestion/tracked-object.js';
import {
  desiredGslbService,
  needsDefaultPki,
  type DesiredGs,
  type GsMember,
} from '../model/desired-gslb-service.js';
import type { AcceptedGdp, AcceptedGhr } from '../policy/accepted-policy.js';
import { grantAliases, type AliasClaim, type AliasGrant } from '../policy/alias-owner.js';
import { effectivePolicy } from '../policy/effective-policy.js';
import { isSyncVipOnly } from '../policy/select.js';

export interface DesiredStateDeps {
  readonly store: MemberStore;
  readonly hostRules: HostRuleIndex;
  readonly amkoUuid: string;
  readonly customFqdn: boolean;
  gdp(): AcceptedGdp | undefined;
  ghr(fqdn: string): AcceptedGhr | undefined;
  epoch(): number;
  defaultPki(tenant: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Told, on every pass, which aliases the key keeps and which it lost to another GslbService. */
  aliasesGranted(key: GslbKey, grant: AliasGrant): void;
}

export class DesiredState {
  readonly #deps: DesiredStateDeps;

  constructor(deps: DesiredStateDeps) {
    this.#deps = deps;
  }

  members(key: GslbKey): GsMember[] {
    const d = this.#deps;
    const gdp = d.gdp()?.spec;
    return d.store.members(key).map((obj: TrackedObject) => ({
      obj,
      tls: obj.tls || d.hostRules.tlsCert(obj.cluster, obj.namespace, obj.hostname),
      syncVipOnly: isSyncVipOnly(gdp, obj.cluster),
    }));
  }

  async desired(
    key: GslbKey,
    exists: boolean,
    signal?: AbortSignal,
  ): Promise<DesiredGs | undefined> {
    const d = this.#deps;
    const { tenant, gsName } = parseGslbKey(key);
    const members = this.members(key);
    const policy = effectivePolicy(d.gdp(), d.ghr(gsName));
    const defaultPki = needsDefaultPki(policy, members)
      ? await d.defaultPki(tenant, signal)
      : undefined;
    const wanted = d.hostRules.aliases(
      gsName,
      members.map((m) => m.obj),
      d.customFqdn,
    );
    const grant = grantAliases(key, wanted, (a) => this.#claimsOf(a));
    d.aliasesGranted(key, grant);
    return desiredGslbService({
      tenant,
      gsName,
      members,
      policy,
      aliases: grant.granted,
      amkoUuid: d.amkoUuid,
      epoch: d.epoch(),
      exists,
      ...(defaultPki ? { defaultPki } : {}),
    });
  }

  /** Every GslbService that HostRules give `alias` to, one claim per rule. */
  #claimsOf(alias: string): AliasClaim[] {
    const d = this.#deps;
    return d.hostRules.rulesWithAlias(alias).flatMap((r) => {
      if (d.customFqdn && !r.includeAliases) return [];
      const gsName = d.customFqdn ? r.gslbFqdn : r.fqdn;
      const source = `${r.cluster}/${r.namespace}/${r.name}`;
      return [...d.store.keysOf(d.store.idsWithHost(r.cluster, r.fqdn))]
        .filter((k) => parseGslbKey(k).gsName === gsName)
        .map((gs) => ({ gs, created: r.created, source }));
    });
  }
}
