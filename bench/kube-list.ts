/**
 * Benchmark: the informers' initial list. One real kube-apiserver holding N Ingresses (default
 * 5,000; KUBE_LIST_INGRESSES); the CPU time of this process to list them all in pages of 500 and
 * reduce each as the leader does (trimIngress), read as amko's informers read lists (plain JSON,
 * src/shared/kube/raw-list.ts) and, for reference, through client-node's generated
 * NetworkingV1Api (typed models). Each run lists 3 times each way, alternating, after one warm-up
 * list each way, and takes the median of the 3. Writes kube-list.json.
 */
import {
  NetworkingV1Api,
  type KubernetesListObject,
  type V1Ingress,
} from '@kubernetes/client-node';
import { listAllPages, type ListPage } from '../src/shared/kube/informer.js';
import { rawList } from '../src/shared/kube/raw-list.js';
import { trimIngress } from '../src/leader/ingestion/trim.js';
import { startClusters } from '../test/support/clusters.js';
import {
  envInt,
  figures,
  median,
  repeat,
  writeResult,
  type BenchContext,
  type BenchResult,
  type FigureSpec,
} from './measure.js';

const PAGE_SIZE = 500;
const LISTS_PER_RUN = 3;
const CREATES_IN_FLIGHT = 16;

const FIGURES: FigureSpec[] = [
  {
    key: 'plainUsPerIngress',
    label: 'initial list as amko reads it (plain JSON): CPU per Ingress, pages of 500, trimmed',
    unit: 'µs',
  },
  {
    key: 'typedUsPerIngress',
    label: "the same list through client-node's typed API client (reference): CPU per Ingress",
    unit: 'µs',
  },
  {
    key: 'plainToTyped',
    label: 'plain JSON list CPU ÷ typed list CPU',
    unit: '',
  },
];

type Lister = (page: ListPage) => Promise<KubernetesListObject<V1Ingress>>;

/** CPU microseconds of this process to list every Ingress and trim each; checks the count. */
async function listCpuUs(list: Lister, expected: number): Promise<number> {
  const before = process.cpuUsage();
  const all = await listAllPages(list, PAGE_SIZE, trimIngress);
  const used = process.cpuUsage(before);
  if (all.items.length !== expected) {
    throw new Error(`listed ${all.items.length} Ingresses, expected ${expected}`);
  }
  return used.user + used.system;
}

/** Runs the benchmark and writes kube-list.json into the results folder. */
export async function run(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const n = ctx.short ? 50 : envInt('KUBE_LIST_INGRESSES', 5_000);
  const clusters = await startClusters({ n: 1 });
  try {
    const kc = clusters.kubeConfig('cluster1');
    const api = kc.makeApiClient(NetworkingV1Api);
    let next = 0;
    const creator = async (): Promise<void> => {
      for (let i = next++; i < n; i = next++) {
        await api.createNamespacedIngress({
          namespace: 'default',
          body: {
            metadata: { name: `ing-${i}`, annotations: { 'example.com/team': 'shop' } },
            spec: {
              ingressClassName: 'avi',
              rules: [
                {
                  host: `app-${i}.example.com`,
                  http: {
                    paths: [
                      {
                        path: '/',
                        pathType: 'Prefix',
                        backend: { service: { name: 'web', port: { number: 80 } } },
                      },
                    ],
                  },
                },
              ],
            },
          },
        });
      }
    };
    await Promise.all(Array.from({ length: CREATES_IN_FLIGHT }, creator));
    const plain = rawList<V1Ingress>(kc, '/apis/networking.k8s.io/v1/ingresses');
    const typed: Lister = (page) => api.listIngressForAllNamespaces(page);
    await listCpuUs(plain, n);
    await listCpuUs(typed, n);
    const { records, details } = await repeat(ctx.runs, async () => {
      const p: number[] = [];
      const t: number[] = [];
      for (let i = 0; i < LISTS_PER_RUN; i++) {
        p.push(await listCpuUs(plain, n));
        t.push(await listCpuUs(typed, n));
      }
      const values = {
        plainUsPerIngress: median(p) / n,
        typedUsPerIngress: median(t) / n,
        plainToTyped: median(p) / median(t),
      };
      return { values, details: { plainCpuUs: p, typedCpuUs: t } };
    });
    return writeResult(ctx, {
      benchmark: 'kube-list',
      workload:
        `${n} Ingresses in one real kube-apiserver, listed in pages of ${PAGE_SIZE} and each ` +
        `trimmed as the leader's informer does; CPU time of the listing process, median of ` +
        `${LISTS_PER_RUN} lists per run, plain JSON (amko) and client-node's typed client ` +
        `(reference).`,
      seconds: (Date.now() - started) / 1000,
      figures: figures(FIGURES, records),
      details: { ingresses: n, runs: details },
    });
  } finally {
    await clusters.stop();
  }
}
