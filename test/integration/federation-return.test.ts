import assert from 'node:assert/strict';
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import { ManualClock } from '../../src/shared/kube/manual-clock.js';
import type { MemberReplication } from '../../src/leader/replicator/member-status.js';
import { createLogger } from '../../src/shared/telemetry/logger.js';
import { eventually } from '../support/eventually.js';
import { FederationFixture } from '../support/federation-fixture.js';

const GDP = 'GlobalDeploymentPolicy';
const gdpKey = { namespace: AVI_SYSTEM, name: 'global-gdp' };

describe('federation: a returning follower announces itself', function () {
  this.timeout(300_000);
  let f: FederationFixture;
  // The leader's clock never moves (unless a test advances it): its reconnect backoff never ends
  // by itself.
  const clock = new ManualClock();
  /** The log lines of every node. */
  const lines: string[] = [];

  before(async () => {
    f = await FederationFixture.start(2);
    f.log = createLogger({
      level: 'info',
      destination: {
        write: (msg: string): void => {
          lines.push(msg);
        },
      },
    });
    await f.create('cluster1', GDP, { metadata: gdpKey, spec: { ttl: 1 } });
    await f.startFollower('cluster2');
    await f.startLeader('cluster1', 1, ['cluster2'], clock);
    await eventually(async () => {
      assert.equal((await f.get('cluster2', GDP, gdpKey))?.spec?.['ttl'], 1);
    });
  });

  after(async () => {
    await f?.stop();
  });

  it('is reconnected by the leader at once, not when the backoff ends', async () => {
    const start = clock.now();
    const port = f.node('cluster2').server.federationPort;
    await f.stopNode('cluster2');
    await f.patch('cluster1', GDP, gdpKey, { spec: { ttl: 7 } });
    const leader = f.node('cluster1').replicator!;
    await eventually(() => {
      const c2 = leader.status().members.find((m) => m.cluster === 'cluster2');
      assert.equal(c2?.connected, false);
      assert.ok(c2?.lastError, 'the session failed and waits out its backoff');
    });

    await f.startFollower('cluster2', port);
    await eventually(
      async () => {
        assert.equal((await f.get('cluster2', GDP, gdpKey))?.spec?.['ttl'], 7);
        const c2 = leader.status().members.find((m) => m.cluster === 'cluster2');
        assert.equal(c2?.lag, 0);
      },
      { timeoutMs: 30_000, what: 'cluster2 caught up' },
    );
    assert.equal(clock.now(), start, 'no backoff could have ended');
  });

  it('reopens on a fresh channel a retry that waits for its channel to connect', async () => {
    const port = f.node('cluster2').server.federationPort;
    await f.stopNode('cluster2');
    await f.patch('cluster1', GDP, gdpKey, { spec: { ttl: 8 } });
    const leader = f.node('cluster1').replicator!;
    const c2 = (): MemberReplication | undefined =>
      leader.status().members.find((m) => m.cluster === 'cluster2');
    await eventually(() => {
      assert.equal(c2()?.phase, 'backoff');
    });
    // Our backoff ends; the retry opens a stream that waits for the channel, which cannot
    // connect and backs off in turn (grpc-js, on the real clock).
    clock.advance(60_000);
    await eventually(() => {
      assert.equal(c2()?.phase, 'awaiting-state');
    });
    lines.length = 0;
    await f.startFollower('cluster2', port);
    await eventually(
      async () => {
        assert.equal((await f.get('cluster2', GDP, gdpKey))?.spec?.['ttl'], 8);
        assert.equal(c2()?.lag, 0);
      },
      { timeoutMs: 30_000, what: 'cluster2 caught up' },
    );
    assert.ok(
      lines.some((l) => l.includes('member serves again: reconnecting now')),
      'the announcement reopened the waiting stream',
    );
  });
});
