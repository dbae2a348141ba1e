#!/usr/bin/env node
/**
 * `make demo`: a whole federation on one machine. Until the amko binary's federation is in place
 * this starts the local clusters, shows the CRDs and printer columns, and stops them again.
 */
import { execFileSync } from 'node:child_process';
import { startClusters } from './clusters.js';

const set = await startClusters({
  n: 3,
  openshift: ['cluster3'],
  log: (m) => {
    console.log(m);
  },
});
try {
  for (const ctx of set.contexts) {
    console.log(`\n$ kubectl --context ${ctx} get crd`);
    console.log(
      execFileSync(
        'kubectl',
        ['--kubeconfig', set.kubeconfigPath, '--context', ctx, 'get', 'crd'],
        {
          encoding: 'utf8',
        },
      ),
    );
  }
  console.log(
    'The three-site federation part of the demo needs the amko federation (not built yet).',
  );
} finally {
  await set.stop();
}
