/**
 * A real OpenTelemetry Collector (built by `make tools` from tools/otelcol): an OTLP/HTTP receiver
 * on a free loopback port and the file exporter, which writes each batch it receives as one line
 * of OTLP/JSON. `spans()` reads that file back as flat spans with their resource attributes.
 * Fails (never skips) when the binary is missing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from './eventually.js';
import { freePort, ManagedProcess } from './managed-process.js';
import { toolPath } from './tools.js';

export type AttrValue = string | number | boolean;

/** One exported span, flattened. */
export interface CollectedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP span kind (1 internal, 2 server, 3 client, 4 producer, 5 consumer). */
  readonly kind: number;
  /** OTLP status code (0 unset, 1 ok, 2 error). */
  readonly status: number;
  readonly attributes: Readonly<Record<string, AttrValue>>;
  readonly resource: Readonly<Record<string, AttrValue>>;
}

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  status?: { code?: number };
  attributes?: OtlpKeyValue[];
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}

function valueOf(v: OtlpAnyValue | undefined): AttrValue {
  if (v?.stringValue !== undefined) return v.stringValue;
  if (v?.intValue !== undefined) return Number(v.intValue);
  if (v?.doubleValue !== undefined) return v.doubleValue;
  if (v?.boolValue !== undefined) return v.boolValue;
  return '';
}

function attrs(list: readonly OtlpKeyValue[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of list ?? []) out[kv.key] = valueOf(kv.value);
  return out;
}

/** Flattens the OTLP/JSON lines the file exporter wrote. */
export function parseSpans(text: string): CollectedSpan[] {
  const out: CollectedSpan[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const batch = JSON.parse(line) as OtlpExport;
    for (const rs of batch.resourceSpans ?? []) {
      const resource = attrs(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          out.push({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            kind: s.kind ?? 0,
            status: s.status?.code ?? 0,
            attributes: attrs(s.attributes),
            resource,
          });
        }
      }
    }
  }
  return out;
}

export class OtelCollector {
  readonly #process: ManagedProcess;

  private constructor(
    readonly endpoint: string,
    readonly dir: string,
    process: ManagedProcess,
  ) {
    this.#process = process;
  }

  /** Starts the collector and waits until it accepts OTLP. */
  static async start(): Promise<OtelCollector> {
    const binary = toolPath('otelcol');
    const dir = mkdtempSync(path.join(tmpdir(), 'amko-otelcol-'));
    const port = await freePort();
    const config = path.join(dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'receivers:',
        '  otlp:',
        '    protocols:',
        '      http:',
        `        endpoint: 127.0.0.1:${port}`,
        'exporters:',
        '  file:',
        `    path: ${path.join(dir, 'spans.jsonl')}`,
        '    flush_interval: 100ms',
        'service:',
        '  telemetry:',
        '    metrics:',
        '      level: none',
        '  pipelines:',
        '    traces:',
        '      receivers: [otlp]',
        '      exporters: [file]',
        '',
      ].join('\n'),
    );
    const proc = new ManagedProcess({
      name: 'otelcol',
      command: binary,
      args: ['--config', config],
      logFile: path.join(dir, 'otelcol.log'),
      pgidFile: path.join(dir, 'pgids'),
    });
    const c = new OtelCollector(`http://127.0.0.1:${port}`, dir, proc);
    proc.start();
    try {
      const ready = await eventually(
        () => (proc.running ? c.log().includes('Everything is ready') && 'ready' : 'exited'),
        { timeoutMs: 60_000, intervalMs: 100, what: 'otelcol ready' },
      );
      if (ready === 'exited') throw new Error(`otelcol exited:\n${c.log()}`);
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  log(): string {
    const file = path.join(this.dir, 'otelcol.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** Every span received so far. */
  spans(): CollectedSpan[] {
    const file = path.join(this.dir, 'spans.jsonl');
    return existsSync(file) ? parseSpans(readFileSync(file, 'utf8')) : [];
  }

  async stop(): Promise<void> {
    await this.#process.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
