/**
 * The policy objects the leader has accepted (validated GDP and GSLBHostRules), with the facts
 * looked up on the controller that the model needs (the health monitor template's request line).
 */
import type { GdpSpec } from '../../shared/crd/global-deployment-policy.js';
import type { GslbHostRuleSpec } from '../../shared/crd/gslb-host-rule.js';

/** A federated HTTP(S) health monitor used as template for AMKO's path monitors. */
export interface HmTemplateInfo {
  readonly name: string;
  /** `<METHOD> <path> <HTTP/x>`. */
  readonly request: string;
  readonly codes: readonly string[];
}

export interface AcceptedGdp {
  readonly namespace: string;
  readonly name: string;
  readonly spec: GdpSpec;
  readonly template?: HmTemplateInfo;
}

export interface AcceptedGhr {
  readonly namespace: string;
  readonly name: string;
  readonly spec: GslbHostRuleSpec;
  readonly template?: HmTemplateInfo;
}
