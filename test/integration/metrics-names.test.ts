/**
 * The alerts (PrometheusRule) and the Grafana dashboard use only metrics amko really exports.
 * The chart is rendered by the real helm binary; the metric names are read from what the real
 * Prometheus endpoint (`--metrics-listen`: our listener and the OpenTelemetry Prometheus exporter,
 * with its name handling) serves once every instrument has a value: the leader's instruments and
 * the federation gauges seen as a leader, a follower and a fenced leader.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { registerFederationMetrics } from '../../src/roles/federation-metrics.js';
import { startMetricsEndpoint, type MetricsEndpoint } from '../../src/roles/metrics-endpoint.js';
import type { RoleView } from '../../src/roles/role-status.js';
import { createLogger } from '../../src/shared/telemetry/logger.js';
import { LeaderMetrics } from '../../src/shared/telemetry/metrics.js';
import { repoRoot, toolPath } from '../support/tools.js';

const CHART = path.join(repoRoot(), 'charts', 'amko');
/** Labels Prometheus adds to every scraped series (target labels). */
const TARGET_LABELS = new Set(['namespace', 'pod', 'job', 'instance', 'service', 'container']);

interface Doc {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { groups: { name: string; rules: { alert: string; expr: string }[] }[] };
  data?: Record<string, string>;
}

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
}

function helmTemplate(home: string, args: readonly string[]): Promise<Doc[]> {
  const env = {
    ...process.env,
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data'),
  };
  const all = ['template', 'amko', CHART, '--namespace', 'avi-system', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(toolPath('helm'), all, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`helm template exited ${code}: ${err}`));
      else
        resolve(
          parseAllDocuments(out)
            .map((d) => d.toJS() as Doc | null)
            .filter((d): d is Doc => d !== null),
        );
    });
  });
}

/** Series name → label names, from Prometheus text. */
function seriesOf(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s/.exec(line);
    if (!m?.[1]) continue;
    const labels = out.get(m[1]) ?? new Set<string>();
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(l[1] ?? '');
    out.set(m[1], labels);
  }
  return out;
}

const FOLLOWER: RoleView = {
  phase: 'follower',
  follower: {
    highest: { epoch: 2, leader: 'cluster1' },
    applied: { leader: 'cluster1', epoch: 2, logId: 'log', revision: 7 },
    connected: { epoch: 2, leader: 'cluster1' },
    contact: {
      state: 'reachable',
      leader: 'cluster1',
      lastContact: 1_780_000_000_000,
      since: 1_779_999_990_000,
      timeoutMs: 30_000,
    },
  },
};
const LEADER: RoleView = {
  phase: 'leader',
  claim: { epoch: 2, leader: 'cluster1' },
  replication: {
    logId: 'log',
    revision: 9,
    members: [{ cluster: 'cluster2', appliedRevision: 7, lag: 2, connected: true, heard: true }],
  },
  unheard: ['cluster3'],
};
const FENCED: RoleView = {
  phase: 'fenced',
  claim: { epoch: 2, leader: 'cluster1' },
  by: { epoch: 3, leader: 'cluster2' },
  reason: 'superseded',
};

/** Every series the endpoint serves, as a leader, a follower and a fenced leader in turn. */
async function exportedSeries(endpoint: MetricsEndpoint): Promise<Map<string, Set<string>>> {
  const metrics = new LeaderMetrics(endpoint.meter);
  metrics.reconcile('updated', 0.2);
  metrics.reconcile('error', 0.1);
  metrics.aviWrite({ type: 'gslbservice', op: 'update' });
  metrics.ingested('INGRESS');
  metrics.aviRequest({ method: 'PUT', seconds: 0.05, errorClass: undefined });
  metrics.aviRequest({ method: 'GET', seconds: 0.01, errorClass: 'server' });
  metrics.watchQueue({ name: 'gslb', depth: () => 4 });
  let view: RoleView = LEADER;
  registerFederationMetrics(endpoint.meter, () => view);
  const all = new Map<string, Set<string>>();
  for (const v of [LEADER, FOLLOWER, FENCED]) {
    view = v;
    const res = await fetch(`http://127.0.0.1:${endpoint.port}/metrics`);
    assert.equal(res.status, 200);
    for (const [name, labels] of seriesOf(await res.text())) {
      const known = all.get(name) ?? new Set<string>();
      for (const l of labels) known.add(l);
      all.set(name, known);
    }
  }
  return all;
}

/** The `amko_*` series an expression reads, with the labels its selectors and `by` clauses use. */
function uses(expr: string): { series: string[]; labels: string[] } {
  const series = [...expr.matchAll(/\bamko_[a-zA-Z0-9_:]*/g)].map((m) => m[0]);
  const labels: string[] = [];
  for (const sel of expr.matchAll(/\{([^}]*)\}/g)) {
    for (const l of (sel[1] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g))
      labels.push(l[1] ?? '');
  }
  for (const by of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    for (const l of (by[1] ?? '').split(',')) if (l.trim()) labels.push(l.trim());
  }
  return { series, labels };
}

describe('alerts and dashboard: metric names', function () {
  this.timeout(120_000);
  let home: string;
  let endpoint: MetricsEndpoint;
  let exported: Map<string, Set<string>>;
  let exprs: { where: string; expr: string }[];
  let rendered: Doc[];

  before(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'amko-metrics-names-'));
    endpoint = await startMetricsEndpoint({
      listen: '127.0.0.1:0',
      log: createLogger({ level: 'error', name: 'test' }),
    });
    exported = await exportedSeries(endpoint);
    rendered = await helmTemplate(home, [
      '--set',
      'metrics.prometheusRule.enabled=true',
      '--set',
      'metrics.grafanaDashboard.enabled=true',
    ]);
    const rule = rendered.find((d) => d.kind === 'PrometheusRule');
    assert.ok(rule?.spec, 'a PrometheusRule is rendered when metrics.prometheusRule.enabled');
    const cm = rendered.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'amko-dashboard');
    const json = cm?.data?.['amko.json'];
    assert.ok(json, 'the dashboard ConfigMap carries amko.json');
    const dashboard = JSON.parse(json) as Dashboard;
    exprs = [
      ...rule.spec.groups.flatMap((g) =>
        g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
      ),
      ...dashboard.panels.flatMap((p) =>
        p.targets.map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })),
      ),
    ];
  });

  after(async () => {
    await endpoint?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('renders neither the rule nor the dashboard unless enabled', async () => {
    const plain = await helmTemplate(home, []);
    assert.deepEqual(
      plain.filter((d) => d.kind === 'PrometheusRule' || d.metadata.name === 'amko-dashboard'),
      [],
    );
  });

  it('labels the dashboard ConfigMap for the Grafana sidecar, with the file of the chart', () => {
    const cm = rendered.find((d) => d.metadata.name === 'amko-dashboard');
    assert.equal(cm?.metadata.labels?.['grafana_dashboard'], '1');
    const file = readFileSync(path.join(CHART, 'dashboards', 'amko.json'), 'utf8');
    assert.deepEqual(JSON.parse(cm?.data?.['amko.json'] ?? ''), JSON.parse(file));
  });

  it('has the alerts the operators need', () => {
    const alerts = exprs.filter((e) => e.where.startsWith('alert ')).map((e) => e.where.slice(6));
    assert.deepEqual(alerts.sort(), [
      'AmkoAviRequestsFailing',
      'AmkoEpochUnverified',
      'AmkoFencedLeaderRunning',
      'AmkoLeaderNotHeard',
      'AmkoReconcileFailing',
      'AmkoReplicaLagHigh',
    ]);
  });

  it('uses in every expression only series and labels that the /metrics endpoint serves', () => {
    assert.ok(exprs.length >= 10, `expressions found: ${exprs.length}`);
    for (const { where, expr } of exprs) {
      const { series, labels } = uses(expr);
      assert.ok(series.length > 0, `${where} reads an amko metric: ${expr}`);
      const available = new Set(TARGET_LABELS);
      for (const s of series) {
        const have = exported.get(s);
        assert.ok(
          have,
          `${where}: ${s} is not exported (exported: ${[...exported.keys()].join(', ')})`,
        );
        for (const l of have) available.add(l);
      }
      for (const l of labels) assert.ok(available.has(l), `${where}: label ${l} of ${expr}`);
    }
  });

  it('finds a wrong name: the check itself is not vacuous', () => {
    assert.equal(exported.has('amko_federation_member_lag'), true);
    assert.equal(exported.has('amko_gslb_reconciles_total_total'), false);
    assert.equal(exported.has('amko_avi_request_duration_seconds_bucket'), true);
    assert.equal(
      exported.has('amko_avi_request_duration_seconds'),
      false,
      'a histogram has no bare series',
    );
    assert.deepEqual(uses('sum by (class) (rate(amko_x_total{class=~"a|b"}[5m]))'), {
      series: ['amko_x_total'],
      labels: ['class', 'class'],
    });
  });
});
