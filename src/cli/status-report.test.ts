import assert from 'node:assert/strict';
import type { AmkoCluster, AmkoClusterStatus } from '../shared/crd/amko-cluster.js';
import { formatStatus, statusReport, type StatusInputs } from './status-report.js';

const leader: AmkoCluster = {
  metadata: { namespace: 'avi-system', name: 'amkocluster-federation' },
  spec: { isLeader: true, clusterContext: 'cluster1', clusters: ['cluster1', 'cluster2'] },
  status: {
    role: 'leader',
    epoch: 4,
    leader: 'cluster1',
    inSync: '1/2',
    revision: 12,
    members: [
      { cluster: 'cluster2', appliedRevision: 12, lag: 0, lastAckTime: '2025-01-01T00:00:00Z' },
      { cluster: 'cluster3', appliedRevision: 9, lag: 3, lastError: 'connection refused' },
    ],
    conditions: [
      { type: 'GDP Federation', status: 'federated to all valid clusters successfully' },
    ],
  },
};

const inputs = (ac: AmkoCluster): StatusInputs => ({
  context: 'cluster1',
  amkoCluster: ac,
  gslbConfigs: [
    {
      metadata: {
        namespace: 'avi-system',
        name: 'gc-1',
        annotations: {
          'amko.vmware.com/amko-uuid': 'u-1',
          'amko.vmware.com/replica-of': 'cluster9',
          'amko.vmware.com/replica-epoch': '3',
          'amko.vmware.com/replica-revision': '77',
        },
      },
      spec: { gslbLeader: { controllerIP: '10.0.0.1' } },
      status: { state: 'success: gslb config accepted' },
    },
  ],
  gdps: [
    {
      metadata: { namespace: 'avi-system', name: 'global-gdp' },
      status: { errorStatus: 'success' },
    },
  ],
  gslbHostRules: [
    { metadata: { namespace: 'z', name: 'r2' }, spec: { fqdn: 'b.example' } },
    {
      metadata: { namespace: 'a', name: 'r1' },
      spec: { fqdn: 'a.example' },
      status: { status: 'Rejected', error: 'bad ttl' },
    },
  ],
});

describe('statusReport', () => {
  it('carries role, epoch, members and conditions, and the objects sorted by name', () => {
    const r = statusReport(inputs(leader));
    assert.equal(r.amkoCluster.role, 'leader');
    assert.equal(r.amkoCluster.epoch, 4);
    assert.equal(r.amkoCluster.inSync, '1/2');
    assert.equal(r.amkoCluster.members.length, 2);
    assert.deepEqual(r.gslbConfigs[0], {
      namespace: 'avi-system',
      name: 'gc-1',
      replicaOf: { leader: 'cluster9', epoch: '3', revision: '77' },
      controllerIP: '10.0.0.1',
      amkoUuid: 'u-1',
      state: 'success: gslb config accepted',
    });
    assert.deepEqual(
      r.gslbHostRules.map((g) => g.name),
      ['r1', 'r2'],
    );
    assert.equal('error' in (r.gslbHostRules[1] ?? {}), false, 'no undefined keys in the report');
  });
});

describe('formatStatus', () => {
  it('prints the summary, the member table and every section', () => {
    const text = formatStatus(statusReport(inputs(leader)));
    assert.match(text, /^AMKOCluster avi-system\/amkocluster-federation on context cluster1\n/);
    assert.match(text, /role:\s+leader\n/);
    assert.match(text, /epoch:\s+4\n/);
    assert.match(text, /in sync:\s+1\/2\n/);
    assert.match(text, /cluster3\s+9\s+3\s+-\s+connection refused\n/);
    assert.match(text, /GDP Federation\s+federated to all valid clusters successfully/);
    assert.match(
      text,
      /avi-system\/gc-1\s+10\.0\.0\.1\s+success: gslb config accepted\s+cluster9 epoch 3 rev 77/,
    );
    assert.match(text, /a\/r1\s+a\.example\s+Rejected\s+bad ttl\s+-/);
  });

  it('says when amko has not written a status yet and when sections are empty', () => {
    const bare: AmkoCluster = { metadata: { namespace: 'avi-system', name: 'x' }, spec: {} };
    const text = formatStatus(
      statusReport({
        context: 'c',
        amkoCluster: bare,
        gslbConfigs: [],
        gdps: [],
        gslbHostRules: [],
      }),
    );
    assert.match(text, /role:\s+- \(no status yet: is amko running\?\)/);
    assert.match(text, /Members: none\n\nConditions: none\n\nGSLBConfigs: none/);
  });
});

describe('statusReport with automatic failover', () => {
  const now = Date.parse('2026-01-01T00:00:10Z');
  const follower = (status: AmkoClusterStatus, enabled = true): AmkoCluster => ({
    metadata: { namespace: 'avi-system', name: 'amkocluster-federation' },
    spec: {
      isLeader: false,
      clusterContext: 'cluster2',
      clusters: ['cluster1', 'cluster2'],
      federation: { autoFailover: { enabled, leaseSeconds: 5, priority: 1 } },
    },
    status,
  });
  const watching: AmkoClusterStatus = {
    role: 'follower',
    lease: {
      state: 'watching',
      holder: 'cluster1',
      epoch: 4,
      renewTime: '2026-01-01T00:00:07Z',
    },
    conditions: [
      { type: 'AutoFailover', status: 'watching the lease', reason: 'lease held by cluster1' },
    ],
  };

  it('reports the settings and the lease with its renew age in -o json', () => {
    const r = statusReport({ ...inputs(follower(watching)), now });
    const json = JSON.parse(JSON.stringify(r)) as typeof r;
    assert.deepEqual(json.amkoCluster.autoFailover, {
      enabled: true,
      leaseSeconds: 5,
      promoteAfterSeconds: 30,
      priority: 1,
    });
    assert.deepEqual(json.amkoCluster.lease, {
      state: 'watching',
      holder: 'cluster1',
      epoch: 4,
      renewTime: '2026-01-01T00:00:07Z',
      renewAgeSeconds: 3,
      condition: 'watching the lease',
      reason: 'lease held by cluster1',
    });
  });

  it('prints the lease holder, epoch, state and renew age', () => {
    const text = formatStatus(statusReport({ ...inputs(follower(watching)), now }));
    assert.match(text, /failover:\s+on \(lease 5 s, promote after 30 s, priority 1\)\n/);
    assert.match(
      text,
      /lease:\s+watching: held by cluster1 at epoch 4, renewed 3 s ago \(holder's clock\)\n/,
    );
    assert.match(text, /\n {14}watching the lease \(lease held by cluster1\)\n/);
  });

  it('says when a manual site failover is needed and no lease could be read', () => {
    const unreadable = follower({
      role: 'follower',
      lease: { state: 'unreadable' },
      conditions: [
        {
          type: 'AutoFailover',
          status: 'manual site failover needed: kubectl amko promote --controller-ip',
          reason: 'connect ECONNREFUSED',
        },
      ],
    });
    const r = statusReport({ ...inputs(unreadable), now });
    assert.equal(r.amkoCluster.lease?.renewAgeSeconds, undefined);
    const text = formatStatus(r);
    assert.match(text, /lease:\s+unreadable: no holder seen\n/);
    assert.match(text, /manual site failover needed: kubectl amko promote --controller-ip \(/);
  });

  it('shows no lease when automatic failover is off', () => {
    const r = statusReport({ ...inputs(follower(watching, false)), now });
    assert.equal('lease' in r.amkoCluster, false);
    assert.equal('autoFailover' in r.amkoCluster, false);
    assert.doesNotMatch(formatStatus(r), /lease:|failover:/);
  });
});
