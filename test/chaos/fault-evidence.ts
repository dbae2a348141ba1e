/**
 * Where each kind of controller fault shows in amko: the log lines that name it and the
 * /metrics samples that count it. One row per kind: `{fault, injected, seenInLog, seenInMetrics}`
 * (counts: log lines and metric values).
 */
import type { AmkoProcess } from '../support/leader-fixture.js';
import type { ResultRow } from './experiment.js';
import { logLines, scrape, sumOf, type Sample } from './leader-workload.js';

export type FaultKind = '503' | 'latency' | 'session-expiry' | 'controller-down' | '409-on-create';

type Line = Record<string, unknown>;

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

const ERRORS = 'amko_avi_request_errors_total';
const SECONDS = 'amko_avi_request_duration_seconds';
const NO_REPLY = /ECONNREFUSED|ECONNRESET|socket hang up|other side closed|EPIPE/;

const LOG: Record<FaultKind, (l: Line) => boolean> = {
  '503': (l) => l['status'] === 503,
  latency: (l) => l['msg'] === 'Avi call' && Number(l['ms']) >= 500,
  'session-expiry': (l) => l['msg'] === 'Avi session rejected, logging in again',
  'controller-down': (l) =>
    l['component'] === 'avi-client' &&
    l['status'] === undefined &&
    NO_REPLY.test(text(l['detail'])),
  '409-on-create': (l) =>
    (l['status'] === 409 && l['method'] === 'POST') || /already existed/.test(text(l['err'])),
};

/** Requests slower than 0.5 s: count minus the 0.5 s bucket, over every method. */
function slowRequests(samples: readonly Sample[]): number {
  return sumOf(samples, `${SECONDS}_count`) - sumOf(samples, `${SECONDS}_bucket`, { le: '0.5' });
}

const METRIC: Record<FaultKind, (s: readonly Sample[]) => number> = {
  '503': (s) => sumOf(s, ERRORS, { class: 'server' }),
  latency: slowRequests,
  'session-expiry': (s) => sumOf(s, ERRORS, { class: 'session' }),
  'controller-down': (s) => sumOf(s, ERRORS, { class: 'network' }),
  '409-on-create': (s) => sumOf(s, ERRORS, { class: 'conflict' }),
};

/** One row per fault kind, from amko's log and a scrape of its /metrics. */
export async function faultsSeen(
  amko: AmkoProcess,
  metricsPort: number,
  injected: Readonly<Record<FaultKind, number>>,
): Promise<ResultRow[]> {
  const lines = logLines(amko);
  const samples = await scrape(metricsPort);
  return (Object.keys(LOG) as FaultKind[]).map((fault) => ({
    fault,
    injected: injected[fault],
    seenInLog: lines.filter(LOG[fault]).length,
    seenInMetrics: METRIC[fault](samples),
  }));
}
