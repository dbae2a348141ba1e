/**
 * What the pipeline tells people about a GslbService it cannot write as wanted: Events and their
 * words, decided here, recorded by the caller. Pure.
 */
import { GLOBAL_DEPLOYMENT_POLICY } from '../../shared/crd/global-deployment-policy.js';
import { GSLB_HOST_RULE } from '../../shared/crd/gslb-host-rule.js';
import type { GslbKey } from '../../shared/keys.js';
import type { EventSubject } from '../config/status-sink.js';
import type { AcceptedGdp, AcceptedGhr } from '../policy/accepted-policy.js';
import type { AliasGrant } from '../policy/alias-owner.js';

export interface PipelineEvent {
  readonly about: EventSubject;
  readonly reason: 'ControllerRejected' | 'ControllerAccepted';
  readonly message: string;
  readonly warning: boolean;
}

/**
 * The Event for a controller refusal of a GslbService (`message`, the controller's words) or
 * for its end (undefined): about the GSLBHostRule in force for the GS, else the GDP in force;
 * none when neither exists.
 */
export function refusalEvent(
  key: GslbKey,
  message: string | undefined,
  policy: { ghr: AcceptedGhr | undefined; gdp: AcceptedGdp | undefined },
): PipelineEvent | undefined {
  const { ghr, gdp } = policy;
  const ref = ghr ? GSLB_HOST_RULE : GLOBAL_DEPLOYMENT_POLICY;
  const obj = ghr ?? gdp;
  if (!obj) return undefined;
  const about = {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    name: obj.name,
    namespace: obj.namespace,
  };
  if (message === undefined) {
    const text = `the controller accepted GslbService ${key} again`;
    return { about, reason: 'ControllerAccepted', message: text, warning: false };
  }
  const text = `the controller refused GslbService ${key}: ${message}`;
  return { about, reason: 'ControllerRejected', message: text, warning: true };
}

/** One message per alias a GslbService lost to another. */
export function aliasConflictMessages(key: GslbKey, lost: AliasGrant['lost']): string[] {
  return lost.map(
    ({ alias, owner }) =>
      `alias ${alias} of GslbService ${key} is already claimed by GslbService ${owner}; left out`,
  );
}
