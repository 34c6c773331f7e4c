import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Our own Prometheus metrics. Each process (api, worker, dev) has one registry;
 * the Temporal SDK's metrics come from its Runtime exporter and are appended at /metrics.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly webhooks = this.counter(
    'intercom_webhooks_total',
    'Intercom webhook requests by outcome (accepted, duplicate, ping, unsigned, malformed, unknown_app, …)',
    ['outcome'],
  );

  readonly ingest = this.counter(
    'amplitude_ingest_events_total',
    'Events and identifies received on the Amplitude-compatible ingestion endpoints, by outcome',
    ['endpoint', 'outcome'],
  );

  readonly delivered = this.counter('connector_events_delivered_total', 'Events delivered downstream, by direction', [
    'direction',
  ]);

  readonly dropped = this.counter(
    'connector_events_dropped_total',
    'Events dropped, skipped or expired, by direction and reason',
    ['direction', 'reason'],
  );

  readonly sourceIdentity = this.counter(
    'connector_source_identity_total',
    'Source events delivered, by how their Amplitude user id was found (payload, memory, lookup, fallback)',
    ['how'],
  );

  readonly deliveryLatency = new Histogram({
    name: 'connector_delivery_latency_seconds',
    help: 'Time from acceptance (webhook or ingest) to delivery downstream',
    labelNames: ['direction'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status class',
    labelNames: ['route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });

  /** Calls to Intercom's REST API that went through a workspace's rate budget, by HTTP status (429s included). */
  readonly intercomRequests = this.counter(
    'intercom_api_requests_total',
    "Intercom REST calls spent from a workspace's rate budget, by workspace and HTTP status",
    ['workspace', 'status'],
  );

  /** Intercom's X-RateLimit-Limit for the workspace: with intercom_api_requests_total, the share of the budget in use. */
  readonly intercomRateLimit = new Gauge({
    name: 'intercom_rate_budget_limit_per_minute',
    help: "Intercom's rate limit for the workspace (X-RateLimit-Limit, requests per minute)",
    labelNames: ['workspace'] as const,
    registers: [this.registry],
  });

  readonly intercomRateBudgetWait = this.counter(
    'intercom_rate_budget_wait_seconds_total',
    "Time spent waiting for a workspace's Intercom rate budget to refill, by workspace",
    ['workspace'],
  );

  /** Connections by kind and status, read at each scrape from `countConnectionsWith`'s source (the api's). */
  private connectionCounts?: () => Promise<{ kind: string; status: string; count: number }[]>;

  readonly connections = new Gauge({
    name: 'connector_connections',
    help: 'Connections by kind and status (Connected, Error, Paused, …); alert on status="Error"',
    labelNames: ['kind', 'status'] as const,
    registers: [this.registry],
    collect: async () => {
      if (!this.connectionCounts) return;
      const counts = await this.connectionCounts().catch(() => undefined);
      if (!counts) return; // the database cannot say: keep the last values rather than fail the scrape
      this.connections.reset();
      for (const { kind, status, count } of counts) this.connections.set({ kind, status }, count);
    },
  });

  /** Makes /metrics show `connector_connections` (one process per deployment should: the api). */
  countConnectionsWith(read: () => Promise<{ kind: string; status: string; count: number }[]>): void {
    this.connectionCounts = read;
  }

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** A counter in this registry (the fields above are initialised in order, after `registry`). */
  private counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
}
