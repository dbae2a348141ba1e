/** `AviGslbApi` over the project's Avi REST client. */
import type { AviClient } from '../../shared/avi/avi-client.js';
import type { ListOptions, QueryValue } from '../../shared/avi/resource.js';
import type {
  AviObjectBase,
  AviObjectType,
  Cluster,
  Gslb,
  Stored,
} from '../../shared/avi/types.js';
import { OperatorError } from '../../shared/errors.js';
import type { AviGslbApi, AviListOptions } from './avi-gslb-api.js';

interface Resource {
  list(opts?: ListOptions): Promise<Stored<AviObjectBase>[]>;
  getByUuid(
    uuid: string,
    opts?: { tenant?: string; signal?: AbortSignal },
  ): Promise<Stored<AviObjectBase>>;
  create(
    obj: AviObjectBase,
    opts?: { tenant?: string; signal?: AbortSignal },
  ): Promise<Stored<AviObjectBase>>;
  update(
    obj: AviObjectBase & { uuid: string },
    opts?: { tenant?: string; signal?: AbortSignal },
  ): Promise<Stored<AviObjectBase>>;
  delete(uuid: string, opts?: { tenant?: string; signal?: AbortSignal }): Promise<void>;
}

function listOptions(opts: AviListOptions, signal: AbortSignal | undefined): ListOptions {
  const query: Record<string, QueryValue> = {};
  const out: ListOptions = {
    tenant: opts.tenant,
    ...(signal ? { signal } : {}),
    ...(opts.pagesInFlight === undefined ? {} : { pagesInFlight: opts.pagesInFlight }),
  };
  for (const [k, v] of Object.entries(opts.query ?? {})) {
    if (k === 'name') out.name = v;
    else if (k === 'created_by') out.createdBy = v;
    else if (k === 'is_federated') out.isFederated = v === 'true';
    else if (k === 'page_size') out.pageSize = Number(v);
    else if (k !== 'include_name') query[k] = v;
  }
  return Object.keys(query).length > 0 ? { ...out, query } : out;
}

export class AviClientGslbApi implements AviGslbApi {
  readonly #client: AviClient;

  constructor(client: AviClient) {
    this.#client = client;
  }

  #resource(type: AviObjectType): Resource {
    const c = this.#client;
    const resources: Partial<Record<AviObjectType, unknown>> = {
      gslbservice: c.gslbServices,
      healthmonitor: c.healthMonitors,
      applicationpersistenceprofile: c.persistenceProfiles,
      pkiprofile: c.pkiProfiles,
    };
    const r = resources[type];
    if (!r) throw new OperatorError('CONFIG_INVALID', 'never', `no Avi resource for ${type}`);
    return r as Resource;
  }

  async list<T extends AviObjectBase>(
    type: AviObjectType,
    opts: AviListOptions,
    signal?: AbortSignal,
  ): Promise<Stored<T>[]> {
    return (await this.#resource(type).list(listOptions(opts, signal))) as Stored<T>[];
  }

  async get<T extends AviObjectBase>(
    type: AviObjectType,
    uuid: string,
    tenant: string,
    signal?: AbortSignal,
  ): Promise<Stored<T>> {
    const opts = { tenant, ...(signal ? { signal } : {}) };
    return (await this.#resource(type).getByUuid(uuid, opts)) as Stored<T>;
  }

  async create<T extends AviObjectBase>(
    type: AviObjectType,
    body: T,
    tenant: string,
    signal?: AbortSignal,
  ): Promise<Stored<T>> {
    const opts = { tenant, ...(signal ? { signal } : {}) };
    return (await this.#resource(type).create(body, opts)) as Stored<T>;
  }

  async update<T extends AviObjectBase>(
    type: AviObjectType,
    body: T & { uuid: string },
    tenant: string,
    signal?: AbortSignal,
  ): Promise<Stored<T>> {
    const opts = { tenant, ...(signal ? { signal } : {}) };
    return (await this.#resource(type).update(body, opts)) as Stored<T>;
  }

  async remove(
    type: AviObjectType,
    uuid: string,
    tenant: string,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.#resource(type).delete(uuid, { tenant, ...(signal ? { signal } : {}) });
  }

  cluster(signal?: AbortSignal): Promise<Cluster> {
    return this.#client.getCluster(signal ? { signal } : {});
  }

  async gslb(tenant: string, signal?: AbortSignal): Promise<Gslb | undefined> {
    const found = await this.#client.gslbs.list({ tenant, ...(signal ? { signal } : {}) });
    return found[0];
  }

  async probe(signal?: AbortSignal): Promise<void> {
    await this.#client.clouds.list({ tenant: '*', ...(signal ? { signal } : {}) });
  }
}
