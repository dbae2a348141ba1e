/**
 * Names shared by the four AMKO custom resources: API group, fixed namespace and object names,
 * well-known annotations, and the descriptor type each kind module exports.
 */
import type { KubernetesObject } from '@kubernetes/client-node';

/** API group of every AMKO custom resource. */
export const AMKO_GROUP = 'amko.vmware.com';

/** The only namespace AMKO reads its configuration objects from. */
export const AVI_SYSTEM = 'avi-system';

/** Identity of this AMKO deployment; carried on the GSLBConfig and federated with it. */
export const AMKO_UUID_ANNOTATION = 'amko.vmware.com/amko-uuid';

/** Namespace (and object) annotation naming the Avi tenant. */
export const TENANT_ANNOTATION = 'ako.vmware.com/tenant-name';

/** Object names the chart renders. */
export const AMKO_CLUSTER_NAME = 'amkocluster-federation';
export const GSLB_CONFIG_NAME = 'gc-1';
export const GDP_NAME = 'global-gdp';

/** Group, version, plural and kind of one custom resource. */
export interface CrdResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  /** `group/version`, as written in `apiVersion`. */
  readonly apiVersion: string;
  readonly shortNames: readonly string[];
}

/** A namespaced object of one of our kinds, as read from the API server. */
export interface CustomObject<Spec, Status> extends KubernetesObject {
  spec?: Spec;
  status?: Status;
}

/** Builds a frozen descriptor for one of our kinds. */
export function amkoResource(
  kind: string,
  version: string,
  plural: string,
  shortNames: readonly string[] = [],
): CrdResource {
  return Object.freeze({
    group: AMKO_GROUP,
    version,
    plural,
    singular: kind.toLowerCase(),
    kind,
    apiVersion: `${AMKO_GROUP}/${version}`,
    shortNames: Object.freeze([...shortNames]),
  });
}
