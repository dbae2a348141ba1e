import assert from 'node:assert/strict';
import {
  DataPointType,
  MeterProvider,
  MetricReader,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { LeaderMetrics } from './metrics.js';

/** A reader that only collects on demand. */
class PullReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

async function collect(reader: PullReader): Promise<Map<string, MetricData>> {
  const { resourceMetrics } = await reader.collect();
  const out = new Map<string, MetricData>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const m of scope.metrics) out.set(m.descriptor.name, m);
  }
  return out;
}

describe('leader metrics: Avi requests', function () {
  it('counts failed exchanges by class and times every exchange', async () => {
    const reader = new PullReader();
    const provider = new MeterProvider({ readers: [reader] });
    const metrics = new LeaderMetrics(provider.getMeter('test'));
    metrics.aviRequest({ method: 'POST', seconds: 0.02, errorClass: undefined });
    metrics.aviRequest({ method: 'POST', seconds: 0.01, errorClass: 'server' });
    metrics.aviRequest({ method: 'PUT', seconds: 0.01, errorClass: 'server' });
    metrics.aviRequest({ method: 'GET', seconds: 0.7, errorClass: 'session' });
    metrics.aviRequest({ method: 'GET', seconds: 0.001, errorClass: 'network' });

    const got = await collect(reader);
    const errors = got.get('amko_avi_request_errors_total');
    assert.ok(errors);
    const byClass = Object.fromEntries(
      errors.dataPoints.map((p) => [String(p.attributes['class']), p.value as number]),
    );
    assert.deepEqual(byClass, { server: 2, session: 1, network: 1 });

    const seconds = got.get('amko_avi_request_duration_seconds');
    assert.ok(seconds);
    assert.equal(seconds.dataPointType, DataPointType.HISTOGRAM);
    const gets = seconds.dataPoints.find((p) => p.attributes['method'] === 'GET');
    const h = gets?.value as Histogram;
    assert.equal(h.count, 2);
    const i = h.buckets.boundaries.indexOf(0.5);
    assert.ok(i >= 0, 'the buckets have a 0.5 s boundary');
    const slower = h.buckets.counts.slice(i + 1).reduce((a, b) => a + b, 0);
    assert.equal(slower, 1, 'one GET took longer than 0.5 s');
    await provider.shutdown();
  });

  it('is a no-op without a meter', () => {
    new LeaderMetrics().aviRequest({ method: 'GET', seconds: 1, errorClass: 'timeout' });
  });
});
