/**
 * Traces end to end: a real OpenTelemetry Collector (OTLP/HTTP receiver, file exporter), three
 * real clusters, the Avi simulator and three amko processes exporting spans to it. One edit of a
 * GlobalDeploymentPolicy on the leader must show as one trace: the leader's record of the
 * revision, its send to each follower, and each follower's write of it, every span under its
 * parent and each process named by its `amko.cluster` resource attribute. The leader's reconcile
 * of the GslbServices the edit changed shows with its Avi requests as child spans.
 */
import assert from 'node:assert/strict';
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import type { ReplicatedKind } from '../../src/shared/federation/replicated-kinds.js';
import { E2eFederation } from '../support/e2e-federation.js';
import { eventually } from '../support/eventually.js';
import { OtelCollector, type CollectedSpan } from '../support/otel-collector.js';

const GDP: ReplicatedKind = 'GlobalDeploymentPolicy';
const NS = 'traces';
const HOST = `shop.${NS}.example.com`;
const gdpKey = { namespace: AVI_SYSTEM, name: 'global-gdp' };
const FOLLOWERS = ['cluster2', 'cluster3'];
const PRODUCER = 4;
const CONSUMER = 5;
const CLIENT = 3;

/** Starts amko on every cluster with the OTLP settings in its environment (and only there). */
function startTraced(f: E2eFederation, endpoint: string): void {
  const saved = { ...process.env };
  process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = endpoint;
  process.env['OTEL_BSP_SCHEDULE_DELAY'] = '200';
  try {
    for (const c of f.contexts) f.startAmko(c);
  } finally {
    for (const k of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_BSP_SCHEDULE_DELAY']) {
      if (saved[k] === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = saved[k];
    }
  }
}

function only<T>(items: readonly T[], what: string): T {
  assert.equal(items.length, 1, `exactly one ${what}, got ${items.length}`);
  return items[0] as T;
}

describe('e2e: traces of a GDP edit across the federation, in a real collector', function () {
  this.timeout(600_000);
  let collector: OtelCollector;
  let f: E2eFederation;

  before(async () => {
    collector = await OtelCollector.start();
    f = await E2eFederation.start();
    await f.createGslbConfig('cluster1');
    await f.create('cluster1', GDP, {
      metadata: gdpKey,
      spec: {
        matchRules: { appSelector: { label: { gslb: NS } } },
        matchClusters: f.contexts.map((cluster) => ({ cluster })),
        ttl: 30,
      },
    });
    await f.objects.namespace('cluster1', NS);
    await f.objects.ingress('cluster1', NS, 'shop', {
      hosts: [{ host: HOST, ip: '10.1.0.1' }],
      labels: { gslb: NS },
    });
    startTraced(f, collector.endpoint);
    await eventually(
      async () => {
        const s = await f.status('cluster1');
        assert.equal(s.role, 'leader');
        assert.equal(s.inSync, '2/2');
      },
      { timeoutMs: 300_000, what: 'cluster1 leads with both followers in sync' },
    );
  });

  after(async () => {
    await f?.stop();
    await collector?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      process.stderr.write(f.logTails());
      process.stderr.write(`==== otelcol\n${collector.log().slice(-4000)}\n`);
    }
  });

  it('shows one GDP edit as one trace from the leader to every follower write', async () => {
    await f.patch('cluster1', GDP, gdpKey, { spec: { ttl: 45 } });
    const trace = await eventually(
      () => {
        const records = collector
          .spans()
          .filter(
            (s) =>
              s.name === 'amko.replication.record' &&
              s.attributes['amko.name'] === gdpKey.name &&
              s.attributes['amko.event'] === 'update',
          );
        const record = only(records, 'record span of the GDP update');
        const spans = collector.spans().filter((s) => s.traceId === record.traceId);
        const writes = spans.filter((s) => s.name === 'amko.replica.write');
        assert.deepEqual(
          writes.map((s) => s.resource['amko.cluster']).sort(),
          FOLLOWERS,
          'a write span from each follower in the trace',
        );
        // A send span ends at the follower's ack, after the follower's write: it may come later.
        const sends = spans.filter((s) => s.name === 'amko.replication.send');
        assert.deepEqual(
          sends.map((s) => s.attributes['amko.member']).sort(),
          FOLLOWERS,
          'a send span to each follower in the trace',
        );
        return { record, spans };
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the GDP update trace with both writes' },
    );
    const { record, spans } = trace;
    assert.equal(record.parentSpanId, '', 'the record span is the root of its trace');
    assert.equal(record.resource['service.name'], 'amko');
    assert.equal(record.resource['amko.cluster'], 'cluster1');
    assert.equal(record.attributes['amko.kind'], GDP);
    const revision = record.attributes['amko.revision'];
    assert.equal(typeof revision, 'number');

    for (const member of FOLLOWERS) {
      const send = only(
        spans.filter(
          (s) => s.name === 'amko.replication.send' && s.attributes['amko.member'] === member,
        ),
        `send span to ${member}`,
      );
      assert.equal(send.parentSpanId, record.spanId, `send to ${member} is a child of the record`);
      assert.equal(send.resource['amko.cluster'], 'cluster1', 'the leader sends');
      assert.equal(send.kind, PRODUCER);
      assert.equal(send.attributes['amko.revision'], revision);
      assert.notEqual(send.status, 2, `send to ${member} acknowledged`);

      const write = only(
        spans.filter(
          (s) => s.name === 'amko.replica.write' && s.resource['amko.cluster'] === member,
        ),
        `write span on ${member}`,
      );
      assert.equal(write.parentSpanId, send.spanId, `${member}'s write is a child of its send`);
      assert.equal(write.kind, CONSUMER);
      assert.equal(write.resource['service.name'], 'amko');
      assert.equal(write.attributes['amko.revision'], revision);
      assert.equal(write.attributes['amko.leader'], 'cluster1');
      assert.equal(write.attributes['amko.kind'], GDP);
      assert.equal(write.attributes['amko.name'], gdpKey.name);
      assert.equal(write.attributes['amko.change'], 'put');
      assert.notEqual(write.status, 2, `${member}'s write succeeded`);
    }
  });

  it('serves the federation gauges the alerts use: leader reachable on followers, unverified members on the leader', async () => {
    for (const c of FOLLOWERS) {
      const text = await f.metrics(c);
      assert.match(text, /^amko_federation_leader_reachable\{[^}]*\} 1$/m, c);
      assert.match(text, /^amko_federation_leader_last_contact_timestamp_seconds\{[^}]*\} \d/m, c);
      assert.doesNotMatch(text, /^amko_federation_epoch_unverified_members/m, `${c} leads nothing`);
    }
    await eventually(
      async () => {
        const text = await f.metrics('cluster1');
        assert.match(text, /^amko_federation_epoch_unverified_members\{[^}]*\} 0$/m);
        assert.doesNotMatch(text, /^amko_federation_leader_reachable/m, 'a leader');
      },
      { timeoutMs: 30_000, what: 'cluster1 serves 0 unverified members' },
    );
  });

  it("traces the leader's reconcile of the changed GslbService with its Avi requests as children", async () => {
    await f.patch('cluster1', GDP, gdpKey, { spec: { ttl: 60 } });
    const found = await eventually(
      () => {
        const spans = collector.spans();
        const reconcile = spans.find(
          (s) =>
            s.name === 'amko.gslb.reconcile' &&
            s.attributes['amko.gslb.name'] === HOST &&
            s.attributes['amko.gslb.action'] === 'updated',
        );
        assert.ok(reconcile, `an updating reconcile span of ${HOST}`);
        const requests = spans.filter(
          (s) => s.name === 'avi.request' && s.parentSpanId === reconcile.spanId,
        );
        assert.ok(
          requests.some((r) => r.attributes['http.request.method'] === 'PUT'),
          'a PUT among its Avi requests',
        );
        return { reconcile, requests };
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `the reconcile span of ${HOST}` },
    );
    const { reconcile, requests } = found;
    assert.equal(reconcile.resource['amko.cluster'], 'cluster1', 'only the leader writes to Avi');
    assert.equal(reconcile.attributes['amko.tenant'], 'admin');
    const put = requests.find(
      (r) => r.attributes['http.request.method'] === 'PUT',
    ) as CollectedSpan;
    assert.equal(put.traceId, reconcile.traceId);
    assert.equal(put.kind, CLIENT);
    assert.equal(put.attributes['http.response.status_code'], 200);
    assert.match(String(put.attributes['url.path']), /^\/api\/gslbservice\//);
    const updates = collector
      .spans()
      .filter(
        (s) => s.name === 'amko.gslb.reconcile' && s.attributes['amko.gslb.action'] === 'updated',
      );
    assert.deepEqual(
      [...new Set(updates.map((s) => s.resource['amko.cluster']))],
      ['cluster1'],
      'no follower reconciles to an update',
    );
  });
});
