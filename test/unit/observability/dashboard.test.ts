import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/observability/metrics';

const root = path.resolve(__dirname, '../../..');
const dashboard = JSON.parse(readFileSync(path.join(root, 'deploy/grafana/dashboards/connector.json'), 'utf8'));

/**
 * The Temporal SDK's metrics the dashboard may use: the Core SDK metrics of the SDK metrics reference
 * (docs.temporal.io/references/sdk-metrics), as its Prometheus exporter names them (counters without
 * `_total`, histograms in milliseconds). All but the *_failed/_failure counters were read off a dev
 * worker's /metrics; those appear once something fails.
 */
const TEMPORAL_SDK_METRICS = {
  counter: [
    'temporal_request',
    'temporal_request_failure',
    'temporal_long_request',
    'temporal_long_request_failure',
    'temporal_activity_execution_failed',
    'temporal_activity_execution_cancelled',
    'temporal_activity_task_received',
    'temporal_workflow_completed',
    'temporal_workflow_failed',
    'temporal_workflow_continue_as_new',
    'temporal_workflow_task_execution_failed',
    'temporal_workflow_task_queue_poll_succeed',
    'temporal_workflow_task_queue_poll_empty',
    'temporal_sticky_cache_hit',
    'temporal_sticky_cache_miss',
    'temporal_worker_start',
  ],
  gauge: [
    'temporal_worker_task_slots_available',
    'temporal_worker_task_slots_used',
    'temporal_sticky_cache_size',
    'temporal_num_pollers',
  ],
  histogram: [
    'temporal_request_latency',
    'temporal_long_request_latency',
    'temporal_activity_execution_latency',
    'temporal_activity_schedule_to_start_latency',
    'temporal_activity_succeed_endtoend_latency',
    'temporal_workflow_endtoend_latency',
    'temporal_workflow_task_execution_latency',
    'temporal_workflow_task_replay_latency',
    'temporal_workflow_task_schedule_to_start_latency',
  ],
};

/** Every series name a registry exposes (histograms as _bucket, _sum, _count). */
async function exposedNames(): Promise<Set<string>> {
  const names = new Set<string>();
  const add = (name: string, type: string) => {
    if (type === 'histogram' || type === 'summary')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else names.add(name);
  };
  for (const metric of await new Metrics().registry.getMetricsAsJSON()) add(metric.name, String(metric.type));
  for (const [type, list] of Object.entries(TEMPORAL_SDK_METRICS)) for (const name of list) add(name, type);
  return names;
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
]);

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords, labels or strings. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // label lists
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\$\w+/g, ''); // Grafana variables
  const names = [...bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)]
    .filter((m) => !/^\s*\(/.test(bare.slice(m.index + m[0].length))) // functions are followed by (
    .map((m) => m[0]);
  return names.filter((n) => !PROMQL_WORDS.has(n) && !/^(inf|nan)$/i.test(n));
}

const expressions: string[] = dashboard.panels.flatMap((p: { targets?: { expr: string }[] }) =>
  (p.targets ?? []).map((t) => t.expr),
);

describe('Grafana dashboard (deploy/grafana/dashboards/connector.json)', () => {
  it('reads metric names out of PromQL', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, direction) (rate(connector_delivery_latency_seconds_bucket{reason="x{y}"}[$__rate_interval]))) / 1000',
      ),
    ).toEqual(['connector_delivery_latency_seconds_bucket']);
    expect(metricNames('sum by (workspace) (rate(a_total[5m])) * 60 / max by (workspace) (b_limit)')).toEqual([
      'a_total',
      'b_limit',
    ]);
  });

  it("queries only metrics that exist: ours (from the registry) or the Temporal SDK's documented ones", async () => {
    const exposed = await exposedNames();
    const used = [...new Set(expressions.flatMap(metricNames))];
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !exposed.has(name))).toEqual([]);
  });

  it('covers throughput, lag, drops by reason, errors and rate-budget use per workspace', () => {
    const all = expressions.join('\n');
    for (const wanted of [
      /connector_events_delivered_total/,
      /connector_delivery_latency_seconds_bucket/,
      /sum by \(direction, reason\) \(rate\(connector_events_dropped_total/,
      /status="5xx"/,
      /temporal_activity_execution_failed/,
      /sum by \(workspace\) \(rate\(intercom_api_requests_total.*intercom_rate_budget_limit_per_minute/,
    ])
      expect(all).toMatch(wanted);
  });

  it('is provisioned by the monitoring profile of docker-compose.yml, which docker-compose accepts', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, ENCRYPTION_KEY: 'x', POSTGRES_PASSWORD: 'x', CONNECTOR_DB_PASSWORD: 'y' };
    await run('docker-compose', ['config', '--quiet'], { cwd: root, env });
    const { stdout } = await run('docker-compose', ['--profile', 'monitoring', 'config'], { cwd: root, env });
    expect(stdout).toMatch(/^ {2}grafana:$/m);
    expect(stdout).toMatch(/^ {2}prometheus:$/m);
    expect(stdout).toContain(path.join(root, 'deploy/grafana/dashboards'));
    // Prometheus scrapes the api and the worker where the compose file serves their /metrics.
    const prometheus = readFileSync(path.join(root, 'deploy/prometheus/prometheus.yml'), 'utf8');
    expect(prometheus).toContain("'api:3000'");
    expect(prometheus).toContain("'worker:9464'");
    expect(stdout).toMatch(/METRICS_PORT: '9464'/);
  });
});
