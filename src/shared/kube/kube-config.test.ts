import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { renameCurrentContext } from './kube-config.js';

describe('renameCurrentContext', () => {
  it('gives the in-cluster context the cluster’s federation name, keeping server and user', () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'inCluster', server: 'https://10.0.0.1:443', caFile: '/sa/ca.crt' }],
      users: [{ name: 'inClusterUser', authProvider: undefined, token: 't0ken' }],
      contexts: [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser' }],
      currentContext: 'inClusterContext',
    });
    const named = renameCurrentContext(kc, 'site-a');
    assert.equal(named.getCurrentContext(), 'site-a');
    assert.equal(named.getCurrentCluster()?.server, 'https://10.0.0.1:443');
    assert.equal(named.getCurrentUser()?.token, 't0ken');
    assert.deepEqual(
      named.contexts.map((c) => c.name),
      ['site-a'],
    );
  });
});
