/**
 * The Prometheus endpoint (`--metrics-listen`): an OpenTelemetry MeterProvider whose only reader
 * is the Prometheus exporter, served by our own HTTP listener on `/metrics` (so port 0 works and
 * the port obtained is known).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../shared/telemetry/logger.js';

export interface MetricsEndpoint {
  readonly meter: Meter;
  readonly port: number;
  stop(): Promise<void>;
}

function splitHostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Starts the meter provider and the `/metrics` listener. */
export async function startMetricsEndpoint(deps: {
  listen: string;
  log: Logger;
}): Promise<MetricsEndpoint> {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const server = createServer((req, res) => {
    if (req.url?.split('?')[0] === '/metrics') {
      exporter.getMetricsRequestHandler(req, res);
      return;
    }
    res.statusCode = 404;
    res.end('not found\n');
  });
  const { host, port: wanted } = splitHostPort(deps.listen);
  const port = await listen(server, host, wanted);
  deps.log.info({ port, host }, 'metrics listening on /metrics');
  return {
    meter: provider.getMeter('amko'),
    port,
    stop: async (): Promise<void> => {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
      await provider.shutdown();
    },
  };
}
