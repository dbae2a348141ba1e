/**
 * The leader's instruments, created from an injected OpenTelemetry `Meter` (main.ts registers
 * the provider; library code never reaches for a global one). Without a meter every instrument
 * is a no-op, so tests and benchmarks need no telemetry set-up.
 */
import { createNoopMeter, type Attributes, type Meter } from '@opentelemetry/api';

export interface QueueDepthSource {
  readonly name: string;
  depth(): number;
}

export class LeaderMetrics {
  readonly #reconciles;
  readonly #duration;
  readonly #aviWrites;
  readonly #ingested;
  readonly #queues: QueueDepthSource[] = [];

  constructor(meter: Meter = createNoopMeter()) {
    this.#reconciles = meter.createCounter('amko_gslb_reconciles_total', {
      description: 'GslbService reconcile passes by result',
    });
    this.#duration = meter.createHistogram('amko_gslb_reconcile_duration_seconds', {
      description: 'Duration of one GslbService reconcile pass',
      unit: 's',
    });
    this.#aviWrites = meter.createCounter('amko_avi_writes_total', {
      description: 'Writes to the Avi Controller by object type and operation',
    });
    this.#ingested = meter.createCounter('amko_member_objects_processed_total', {
      description: 'Member cluster object keys processed by kind',
    });
    meter
      .createObservableGauge('amko_queue_depth', { description: 'Keys waiting per work queue' })
      .addCallback((result) => {
        for (const q of this.#queues) result.observe(q.depth(), { queue: q.name });
      });
  }

  /** Registers a queue whose depth the gauge reports. */
  watchQueue(source: QueueDepthSource): void {
    this.#queues.push(source);
  }

  reconcile(result: string, seconds: number, attrs: Attributes = {}): void {
    this.#reconciles.add(1, { result, ...attrs });
    this.#duration.record(seconds, { result });
  }

  aviWrite(type: string, op: string): void {
    this.#aviWrites.add(1, { type, op });
  }

  ingested(kind: string): void {
    this.#ingested.add(1, { kind });
  }
}
