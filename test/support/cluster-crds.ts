import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  loadAllYaml,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { eventually } from './eventually.js';
import { repoRoot } from './tools.js';

const ROUTE_CRD_FILE = 'route.openshift.io_routes.yaml';

function readCrds(dir: string, files?: readonly string[]): V1CustomResourceDefinition[] {
  if (!existsSync(dir)) return [];
  const names = files ?? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  // loadAllYaml maps wire names (x-kubernetes-*) onto client-node's typed model; a plain parse
  // would have its serializer drop every x-kubernetes-* field, CEL rules included.
  return names.flatMap((f) =>
    (
      loadAllYaml(readFileSync(path.join(dir, f), 'utf8')) as (V1CustomResourceDefinition | null)[]
    ).filter((d): d is V1CustomResourceDefinition => d?.kind === 'CustomResourceDefinition'),
  );
}

/** Our CRDs, AKO's HostRule CRD, and (for OpenShift clusters) the Route CRD. */
export function clusterCrds(openshift: boolean): V1CustomResourceDefinition[] {
  const root = repoRoot();
  const testCrds = path.join(root, 'test', 'support', 'crds');
  const others = existsSync(testCrds)
    ? readdirSync(testCrds).filter((f) => /\.ya?ml$/.test(f) && (openshift || f !== ROUTE_CRD_FILE))
    : [];
  return [...readCrds(path.join(root, 'charts', 'amko', 'crds')), ...readCrds(testCrds, others)];
}

/** Installs the CRDs and the `avi-system` namespace, and waits until every CRD serves lists. */
export async function installClusterResources(kc: KubeConfig, openshift: boolean): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  await createOnce(core.createNamespace({ body: { metadata: { name: 'avi-system' } } }));
  const crds = clusterCrds(openshift);
  for (const body of crds) await createOnce(ext.createCustomResourceDefinition({ body }));
  await Promise.all(
    crds.map((crd) =>
      eventually(
        async () => {
          const got = await ext.readCustomResourceDefinition({ name: crd.metadata?.name ?? '' });
          return (
            got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ===
            true
          );
        },
        { timeoutMs: 60_000, intervalMs: 100, what: `CRD ${crd.metadata?.name ?? ''} established` },
      ),
    ),
  );
  await Promise.all(crds.map((crd) => waitServed(kc.makeApiClient(CustomObjectsApi), crd)));
}

/** A create retried after a lost answer finds the object the first attempt made: that is fine. */
async function createOnce(create: Promise<unknown>): Promise<void> {
  try {
    await create;
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}

/** An established CRD can still answer 429 "storage is (re)initializing" for a moment. */
async function waitServed(api: CustomObjectsApi, crd: V1CustomResourceDefinition): Promise<void> {
  const version = crd.spec.versions.find((v) => v.served)?.name ?? '';
  await eventually(
    () =>
      api.listNamespacedCustomObject({
        group: crd.spec.group,
        version,
        namespace: 'avi-system',
        plural: crd.spec.names.plural,
      }),
    { timeoutMs: 60_000, intervalMs: 100, what: `list ${crd.spec.names.plural}` },
  );
}
