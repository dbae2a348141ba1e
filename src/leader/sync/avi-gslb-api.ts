/**
 * The narrow slice of the Avi REST client the leader uses. Implementations classify failures
 * into `OperatorError`s (AVI_NOT_FOUND, AVI_CONFLICT, AVI_PRECONDITION, AVI_NOT_LEADER, …).
 */
import type {
  AviObjectBase,
  AviObjectType,
  Cluster,
  Gslb,
  Stored,
} from '../../shared/avi/types.js';

export interface AviListOptions {
  /** Tenant header: a tenant name, or `*` for all tenants. */
  readonly tenant: string;
  readonly query?: Readonly<Record<string, string>>;
  /** Pages read at once (default 1: each in turn, following `next`). */
  readonly pagesInFlight?: number;
}

export interface AviGslbApi {
  /** All pages of a collection (with `include_name`). */
  list<T extends AviObjectBase>(
    type: AviObjectType,
    opts: AviListOptions,
    signal?: AbortSignal,
  ): Promise<Stored<T>[]>;
  /** `GET /api/<type>/<uuid>` (with `include_name`); AVI_NOT_FOUND when it is gone. */
  get<T extends AviObjectBase>(
    type: AviObjectType,
    uuid: string,
    tenant: string,
    signal?: AbortSignal,
  ): Promise<Stored<T>>;
  create<T extends AviObjectBase>(
    type: AviObjectType,
    body: T,
    tenant: string,
    signal?: AbortSignal,
  ): Promise<Stored<T>>;
  /** Full replace of the object named by `body.uuid`. */
  update<T extends AviObjectBase>(
    type: AviObjectType,
    body: T & { uuid: string },
    tenant: string,
    signal?: AbortSignal,
  ): Promise<Stored<T>>;
  remove(type: AviObjectType, uuid: string, tenant: string, signal?: AbortSignal): Promise<void>;
  /** `GET /api/cluster`. */
  cluster(signal?: AbortSignal): Promise<Cluster>;
  /** `GET /api/gslb`, the first (only) result; undefined when there is none. */
  gslb(tenant: string, signal?: AbortSignal): Promise<Gslb | undefined>;
  /** `GET /api/cloud`: proves connectivity and version acceptance. */
  probe(signal?: AbortSignal): Promise<void>;
}
