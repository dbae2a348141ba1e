/**
 * Promotion loses nothing, whoever is promoted: the leader's link to cluster3 is cut, ten GDP
 * edits reach cluster2 only (acknowledged), the leader dies and the operator promotes cluster3,
 * the follower that is behind. cluster3 fetches cluster2's replicas before it writes or
 * replicates anything, so the acknowledged edits survive on both. The second case restarts
 * cluster2's amko after the leader died: what it acknowledged is recorded in its AMKOCluster
 * status, so it still tells cluster3 that it is ahead.
 */
import assert from 'node:assert/strict';
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import { REPLICA_OF_ANNOTATION } from '../../src/shared/federation/federation-names.js';
import { E2eFederation } from '../support/e2e-federation.js';
import { eventually } from '../support/eventually.js';

const GDP = 'GlobalDeploymentPolicy';
const gdpKey = { namespace: AVI_SYSTEM, name: 'global-gdp' };

for (const restartAhead of [false, true]) {
  describe(`e2e: promoting the follower that is behind${restartAhead ? ', the other one restarted' : ''}`, function () {
    this.timeout(600_000);
    let f: E2eFederation;

    before(async () => {
      f = await E2eFederation.start({ proxied: true });
    });
    after(async () => {
      await f?.stop();
    });
    afterEach(function () {
      if (this.currentTest?.state === 'failed') process.stderr.write(f.logTails());
    });

    async function ttlOn(cluster: string): Promise<unknown> {
      return (await f.get(cluster, GDP, gdpKey))?.spec?.['ttl'];
    }

    it('keeps every revision the other follower acknowledged, on both', async () => {
      await f.createGslbConfig('cluster1');
      await f.create('cluster1', GDP, {
        metadata: gdpKey,
        spec: {
          matchRules: {},
          matchClusters: f.contexts.map((cluster) => ({ cluster })),
          ttl: 30,
        },
      });
      for (const c of f.contexts) f.startAmko(c);
      await eventually(
        async () => {
          const s = await f.status('cluster1');
          assert.equal(s.inSync, '2/2');
          for (const c of ['cluster2', 'cluster3']) assert.equal(await ttlOn(c), 30, c);
        },
        { timeoutMs: 120_000, what: 'both followers hold ttl 30' },
      );

      f.link('cluster1', 'cluster3').setMode('drop');
      for (let ttl = 101; ttl <= 110; ttl++) {
        await f.patch('cluster1', GDP, gdpKey, { spec: { ttl } });
      }
      await eventually(
        async () => {
          assert.equal(await ttlOn('cluster2'), 110);
          const members = (await f.status('cluster1')).members ?? [];
          assert.equal(members.find((m) => m.cluster === 'cluster2')?.lag, 0);
          assert.ok((members.find((m) => m.cluster === 'cluster3')?.lag ?? 0) > 0);
        },
        { timeoutMs: 60_000, what: 'cluster2 acknowledged every edit, cluster3 is behind' },
      );
      assert.equal(await ttlOn('cluster3'), 30, 'cluster3 is behind');

      const acked = (await f.status('cluster1')).members?.find((m) => m.cluster === 'cluster2');
      await f.run('cluster1')?.kill('SIGKILL');
      if (restartAhead) {
        await f.run('cluster2')?.kill('SIGKILL');
        f.startAmko('cluster2');
        await f.run('cluster2')?.waitForLog(/follower started/, 90_000);
        const applied = (await f.status('cluster2')).applied;
        assert.equal(applied?.revision, acked?.appliedRevision, 'the acked position was kept');
        assert.equal(applied?.leader, 'cluster1');
        assert.equal(applied?.epoch, 1);
      }
      await f.kubectl('cluster3', [
        ...['patch', 'amkocluster', 'amkocluster-federation', '-n', AVI_SYSTEM],
        ...['--type', 'merge', '-p', '{"spec":{"isLeader":true}}'],
      ]);
      await f.run('cluster3')?.waitForLog(/caught up from cluster2 at revision/, 90_000);
      await eventually(
        async () => {
          const s = await f.status('cluster3');
          assert.equal(s.role, 'leader');
          assert.equal(s.epoch, 2);
          assert.equal(s.inSync, '1/2');
          const replica = await f.get('cluster2', GDP, gdpKey);
          assert.equal(replica?.metadata?.annotations?.[REPLICA_OF_ANNOTATION], 'cluster3');
        },
        { timeoutMs: 90_000, what: 'cluster3 leads and cluster2 follows it' },
      );
      assert.equal(await ttlOn('cluster3'), 110, 'the promoted cluster caught up');
      assert.equal(await ttlOn('cluster2'), 110, 'the up-to-date follower was not rolled back');
      assert.doesNotMatch(
        f.run('cluster2')?.log() ?? '',
        /"ttl":30[,}][^\n]*snapshot applied/,
        'no snapshot carried the old ttl',
      );
    });
  });
}
