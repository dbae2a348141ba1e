import assert from 'node:assert/strict';
import { OperatorError } from '../errors.js';
import {
  batchDelayMs,
  contextOf,
  inSpan,
  otlpTracesEndpoint,
  startSpan,
  startTracing,
  tracingOn,
} from './tracing.js';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';

function configInvalid(re: RegExp): (err: unknown) => boolean {
  return (err) =>
    err instanceof OperatorError && err.code === 'CONFIG_INVALID' && re.test(err.message);
}

describe('tracing: settings', () => {
  it('takes the traces endpoint first, then the general one, and nothing when neither is set', () => {
    assert.equal(otlpTracesEndpoint({}), undefined);
    assert.equal(otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }), undefined);
    assert.equal(
      otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318' }),
      'http://otel:4318',
    );
    assert.equal(
      otlpTracesEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces:4318/v1/traces',
      }),
      'https://traces:4318/v1/traces',
    );
  });

  it('refuses an endpoint that is not an http(s) URL, naming the variable', () => {
    assert.throws(
      () => otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'otel:4318' }),
      configInvalid(/OTEL_EXPORTER_OTLP_ENDPOINT=otel:4318: the OTLP\/HTTP exporter needs/),
    );
    assert.throws(
      () => otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' }),
      configInvalid(/OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=not a url is not a URL/),
    );
  });

  it('reads the batch delay in milliseconds and refuses anything else', () => {
    assert.equal(batchDelayMs({}), 5_000);
    assert.equal(batchDelayMs({ OTEL_BSP_SCHEDULE_DELAY: '200' }), 200);
    for (const bad of ['-1', '1.5', 'soon']) {
      assert.throws(
        () => batchDelayMs({ OTEL_BSP_SCHEDULE_DELAY: bad }),
        configInvalid(/OTEL_BSP_SCHEDULE_DELAY/),
      );
    }
  });
});

describe('tracing: off', () => {
  it('starts nothing without an endpoint, and spans cost nothing', async () => {
    const tracing = await startTracing({ cluster: 'c1', version: 'v', env: {} });
    assert.equal(tracing.enabled, false);
    assert.equal(tracingOn(), false);
    assert.equal(startSpan('x', {}), undefined);
    assert.equal(await inSpan('x', {}, (span) => Promise.resolve(span.isRecording())), false);
    await tracing.shutdown();
  });

  it('reads a remote traceparent into a context, and an empty one as the root', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    assert.equal(contextOf(''), ROOT_CONTEXT);
    assert.equal(contextOf(undefined), ROOT_CONTEXT);
    // Without a registered propagator (tracing off) nothing is extracted.
    assert.equal(trace.getSpanContext(contextOf(tp)), undefined);
  });
});
