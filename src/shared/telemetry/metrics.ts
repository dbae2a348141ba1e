/**
 * The leader's instruments, created from an injected OpenTelemetry `Meter` (main.ts registers
 * the provider; library code never reaches for a global one). Without a meter every instrument
 * is a no-op, so tests and benchmarks need no telemetry set-up.
 */
import { createNoopMeter, type Attributes, type Meter } from '@opentelemetry/api';
import type { AviRequestOutcome } from '../avi/request-outcome.js';

/** Buckets of the Avi request duration histogram, in seconds. */
const AVI_SECONDS_BUCKETS = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
]);

/** Labels of one write to the Avi Controller. */
export interface AviWriteLabels {
  readonly type: 'gslbservice' | 'healthmonitor';
  readonly op: 'create' | 'update' | 'delete';
}

/** Result label of one GslbService pass. */
export type ReconcileLabel =
  'unchanged' | 'created' | 'updated' | 'deleted' | 'read-only' | 'fenced' | 'rejected' | 'error';

/** Kind label of one member cluster object key. */
export type MemberKindLabel = 'INGRESS' | 'ROUTE' | 'LBSVC' | 'NAMESPACE' | 'HOSTRULE';

export interface QueueDepthSource {
  readonly name: string;
  depth(): number;
}

export class LeaderMetrics {
  readonly #reconciles;
  readonly #duration;
  readonly #aviWrites;
  readonly #ingested;
  readonly #aviSeconds;
  readonly #aviErrors;
  readonly #viewTaken;
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
    this.#aviSeconds = meter.createHistogram('amko_avi_request_duration_seconds', {
      description: 'Duration of one exchange with the Avi Controller (logins included)',
      unit: 's',
      advice: { explicitBucketBoundaries: [...AVI_SECONDS_BUCKETS] },
    });
    this.#aviErrors = meter.createCounter('amko_avi_request_errors_total', {
      description:
        'Failed exchanges with the Avi Controller by class: server, session, login, conflict, ' +
        'precondition, not_found, rejected, network, timeout',
    });
    this.#viewTaken = meter.createCounter('amko_controller_view_objects_total', {
      description:
        'On a hot standby: controller objects its leader wrote, taken into its controller view ' +
        '(result: taken, or kept when its view already held that version or a newer one)',
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

  reconcile(result: ReconcileLabel, seconds: number, attrs: Attributes = {}): void {
    this.#reconciles.add(1, { result, ...attrs });
    this.#duration.record(seconds, { result });
  }

  aviWrite(labels: AviWriteLabels): void {
    this.#aviWrites.add(1, { type: labels.type, op: labels.op });
  }

  /** One exchange with the Avi Controller (see AviClientOptions.observer). */
  aviRequest(o: AviRequestOutcome): void {
    this.#aviSeconds.record(o.seconds, { method: o.method });
    if (o.errorClass !== undefined) this.#aviErrors.add(1, { class: o.errorClass });
  }

  /** A hot standby took `taken` of the objects its leader wrote and already held `kept`. */
  viewTaken(taken: number, kept: number): void {
    if (taken > 0) this.#viewTaken.add(taken, { result: 'taken' });
    if (kept > 0) this.#viewTaken.add(kept, { result: 'kept' });
  }

  ingested(kind: MemberKindLabel): void {
    this.#ingested.add(1, { kind });
  }
}
