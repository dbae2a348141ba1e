/**
 * Traces. `startTracing` (called by main.ts, the composition root) installs an OpenTelemetry
 * tracer provider only when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); the SDK, the OTLP/HTTP protobuf exporter, the
 * AsyncLocalStorage context manager and the W3C propagator are then loaded with a dynamic import,
 * so a process that does not trace never loads them. Spans carry the resource attributes
 * `service.name=amko` and `amko.cluster=<cluster context>`.
 *
 * Library code starts spans through `span` / `spanIn`, which check `tracingOn()` first: with
 * tracing off they call the work directly and allocate nothing for it (no span, no attributes).
 * The trace context of a span travels between clusters as a W3C `traceparent` string.
 */
import {
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { messageOf, OperatorError } from '../errors.js';

const TRACER_NAME = 'amko';

/**
 * The tracer of the provider `startTracing` registered, undefined while tracing is off. Like the
 * OpenTelemetry API's own registration it belongs to the process: only main.ts sets it.
 */
// eslint-disable-next-line no-restricted-syntax
let current: Tracer | undefined;

function activeTracer(): Tracer | undefined {
  return current;
}

export interface TracingOptions {
  /** This cluster's context name (resource attribute `amko.cluster`). */
  readonly cluster: string;
  /** The amko version (resource attribute `service.version`). */
  readonly version: string;
  /** The environment to read the `OTEL_*` settings from. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface Tracing {
  /** True when spans are recorded and exported. */
  readonly enabled: boolean;
  /** The OTLP endpoint spans go to (undefined when tracing is off). */
  readonly endpoint: string | undefined;
  /** Exports the spans still buffered and stops tracing. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = Object.freeze({
  enabled: false,
  endpoint: undefined,
  shutdown: () => Promise.resolve(),
});

/** True when this process records spans. */
export function tracingOn(): boolean {
  return activeTracer() !== undefined;
}

function configError(message: string): OperatorError {
  return new OperatorError('CONFIG_INVALID', 'never', message);
}

/** The configured endpoint, checked to be an http(s) URL; undefined when none is set. */
export function otlpTracesEndpoint(env: TracingOptions['env']): string | undefined {
  const name = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']
    ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
    : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  const value = env[name]?.trim();
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError(`${name}=${value} is not a URL (for example http://127.0.0.1:4318)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw configError(`${name}=${value}: the OTLP/HTTP exporter needs an http:// or https:// URL`);
  return value;
}

/** `OTEL_BSP_SCHEDULE_DELAY` in milliseconds (default 5000). */
export function batchDelayMs(env: TracingOptions['env']): number {
  const value = env['OTEL_BSP_SCHEDULE_DELAY']?.trim();
  if (!value) return 5_000;
  const ms = Number(value);
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw configError(`OTEL_BSP_SCHEDULE_DELAY=${value} is not a whole number of milliseconds`);
  return ms;
}

/** Installs the tracer provider when an OTLP endpoint is configured; otherwise does nothing. */
export async function startTracing(opts: TracingOptions): Promise<Tracing> {
  const endpoint = otlpTracesEndpoint(opts.env);
  if (endpoint === undefined) return OFF;
  const scheduledDelayMillis = batchDelayMs(opts.env);
  if (tracingOn()) throw new Error('tracing is already started in this process');
  const [sdk, otlp, resources, core, hooks] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-proto'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
    import('@opentelemetry/context-async-hooks'),
  ]);
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({
      'service.name': TRACER_NAME,
      'service.version': opts.version,
      'amko.cluster': opts.cluster,
    }),
    // The exporter reads its endpoint, headers and timeout from the OTEL_EXPORTER_OTLP_* variables.
    spanProcessors: [
      new sdk.BatchSpanProcessor({ exporter: new otlp.OTLPTraceExporter(), scheduledDelayMillis }),
    ],
  });
  const contextManager = new hooks.AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  current = provider.getTracer(TRACER_NAME, opts.version);
  return {
    enabled: true,
    endpoint,
    shutdown: async () => {
      current = undefined;
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
        propagation.disable();
        context.disable();
      }
    },
  };
}

/** The W3C `traceparent` of `span`, or '' when it carries no valid context. */
export function traceparentOf(span: Span): string {
  const carrier: { traceparent?: string } = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  return carrier.traceparent ?? '';
}

/** The context a remote `traceparent` names (the root context when it is empty or invalid). */
export function contextOf(traceparent: string | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/**
 * Starts a span (when tracing is on) that the caller ends. `parent`: the context to start it in
 * (default: the active one). Returns undefined when tracing is off.
 */
export function startSpan(
  name: string,
  attributes: Attributes,
  opts: { parent?: Context; kind?: SpanKind } = {},
): Span | undefined {
  const tracer = activeTracer();
  if (tracer === undefined) return undefined;
  return tracer.startSpan(
    name,
    { attributes, kind: opts.kind ?? SpanKind.INTERNAL },
    opts.parent ?? context.active(),
  );
}

/** Ends `span` as failed with `err`. */
export function failSpan(span: Span, err: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(err) });
  span.end();
}

/**
 * Runs `fn` inside a new active span, ended when `fn` settles (failed when it throws), so spans
 * started within it (Avi requests) are its children. The caller checks `tracingOn()` first.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  opts: { parent?: Context; kind?: SpanKind } = {},
): Promise<T> {
  const span = startSpan(name, attributes, opts);
  if (span === undefined) return fn(trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
  const parent = opts.parent ?? context.active();
  try {
    const result = await context.with(trace.setSpan(parent, span), () => fn(span));
    span.end();
    return result;
  } catch (err) {
    failSpan(span, err);
    throw err;
  }
}

export { SpanKind };
