/**
 * Reads and writes of AMKO custom resources for the invalid-objects experiment, with the API
 * server's refusal kept as data (HTTP status and message) instead of an exception, and the
 * status text amko wrote on an object, per kind, in AMKO's words.
 */
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { AMKO_CLUSTER, AMKO_CLUSTER_INVALID } from '../../../src/shared/crd/amko-cluster.js';
import type { CrdResource } from '../../../src/shared/crd/common.js';
import { GLOBAL_DEPLOYMENT_POLICY } from '../../../src/shared/crd/global-deployment-policy.js';
import { GSLB_CONFIG } from '../../../src/shared/crd/gslb-config.js';
import { GSLB_HOST_RULE } from '../../../src/shared/crd/gslb-host-rule.js';
import { VALIDATION_CONDITION } from '../../../src/roles/role-status.js';

export type KindName = 'GSLBConfig' | 'GlobalDeploymentPolicy' | 'GSLBHostRule' | 'AMKOCluster';

export const RESOURCES: Readonly<Record<KindName, CrdResource>> = Object.freeze({
  GSLBConfig: GSLB_CONFIG,
  GlobalDeploymentPolicy: GLOBAL_DEPLOYMENT_POLICY,
  GSLBHostRule: GSLB_HOST_RULE,
  AMKOCluster: AMKO_CLUSTER,
});

export interface Key {
  readonly namespace: string;
  readonly name: string;
}

/** An object as read from or sent to the API server (spec deliberately untyped: it may be wrong). */
export interface RawObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec?: unknown;
  status?: Record<string, unknown>;
}

/** What the API server answered to a write. */
export type WriteOutcome =
  | { readonly ok: true; readonly obj: RawObject }
  | { readonly ok: false; readonly code: number; readonly message: string };

function ref(r: CrdResource): { group: string; version: string; plural: string } {
  return { group: r.group, version: r.version, plural: r.plural };
}

function refusalOf(err: unknown): WriteOutcome {
  const e = err as { code?: unknown; body?: unknown; message?: unknown };
  if (typeof e.code !== 'number' || e.code < 400 || e.code >= 500) throw err;
  let message = String(e.message);
  try {
    const body = (typeof e.body === 'string' ? JSON.parse(e.body) : e.body) as {
      message?: string;
    };
    if (body.message) message = body.message;
  } catch {
    // not JSON: keep the exception's text
  }
  return { ok: false, code: e.code, message };
}

/** Create, replace, get and delete of one kind on one cluster. */
export class ObjectOps {
  constructor(
    private readonly api: CustomObjectsApi,
    private readonly r: CrdResource,
  ) {}

  async create(obj: RawObject): Promise<WriteOutcome> {
    try {
      const out = (await this.api.createNamespacedCustomObject({
        ...ref(this.r),
        namespace: obj.metadata?.namespace ?? '',
        body: { apiVersion: this.r.apiVersion, kind: this.r.kind, ...obj },
      })) as RawObject;
      return { ok: true, obj: out };
    } catch (err) {
      return refusalOf(err);
    }
  }

  /** Replaces spec and annotations of the current object (a whole-object update). */
  async replace(
    key: Key,
    spec: unknown,
    annotations?: Record<string, string>,
  ): Promise<WriteOutcome> {
    const current = await this.get(key);
    if (!current) throw new Error(`${this.r.kind} ${key.namespace}/${key.name} is missing`);
    const body: RawObject = {
      ...current,
      metadata: {
        ...current.metadata,
        ...(annotations === undefined ? {} : { annotations }),
      },
      spec,
    };
    delete body.status;
    try {
      const out = (await this.api.replaceNamespacedCustomObject({
        ...ref(this.r),
        ...key,
        body,
      })) as RawObject;
      return { ok: true, obj: out };
    } catch (err) {
      return refusalOf(err);
    }
  }

  async get(key: Key): Promise<RawObject | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject({ ...ref(this.r), ...key })) as RawObject;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  async remove(key: Key): Promise<void> {
    try {
      await this.api.deleteNamespacedCustomObject({ ...ref(this.r), ...key });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
}

type Status = Record<string, unknown>;

function amkoClusterText(s: Status): string | undefined {
  const conds = (s['conditions'] ?? []) as { type?: string; status?: string; reason?: string }[];
  const c = conds.find((x) => x.type === VALIDATION_CONDITION);
  return c?.status === AMKO_CLUSTER_INVALID ? c.reason : c?.status;
}

const STATUS_TEXT: Readonly<Record<KindName, (s: Status) => string | undefined>> = Object.freeze({
  GlobalDeploymentPolicy: (s) => s['errorStatus'] as string | undefined,
  GSLBHostRule: (s) =>
    (s['status'] === 'Rejected' ? s['error'] : s['status']) as string | undefined,
  GSLBConfig: (s) => s['state'] as string | undefined,
  AMKOCluster: amkoClusterText,
});

/**
 * The status text amko wrote on `obj`, in AMKO's words: GDP `errorStatus`, GSLBHostRule
 * `error` (or `Accepted`), GSLBConfig `state`, AMKOCluster validation condition reason (or its
 * status when valid). Undefined when amko wrote nothing.
 */
export function statusTextOf(kind: KindName, obj: RawObject | undefined): string | undefined {
  return STATUS_TEXT[kind](obj?.status ?? {});
}
