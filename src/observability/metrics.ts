import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Our own Prometheus metrics. Each process (api, worker, dev) has one registry;
 * the Temporal SDK's metrics come from its Runtime exporter and are appended at /metrics.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly webhooks = new Counter({
    name: 'intercom_webhooks_total',
    help: 'Intercom webhook requests by outcome (accepted, duplicate, ping, unsigned, malformed, unknown_app, …)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly ingest = new Counter({
    name: 'amplitude_ingest_events_total',
    help: 'Events and identifies received on the Amplitude-compatible ingestion endpoints, by outcome',
    labelNames: ['endpoint', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly delivered = new Counter({
    name: 'connector_events_delivered_total',
    help: 'Events delivered downstream, by direction',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });

  readonly dropped = new Counter({
    name: 'connector_events_dropped_total',
    help: 'Events dropped, skipped or expired, by direction and reason',
    labelNames: ['direction', 'reason'] as const,
    registers: [this.registry],
  });

  readonly sourceIdentity = new Counter({
    name: 'connector_source_identity_total',
    help: 'Source events delivered, by how their Amplitude user id was found (payload, memory, lookup, fallback)',
    labelNames: ['how'] as const,
    registers: [this.registry],
  });

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
  readonly intercomRequests = new Counter({
    name: 'intercom_api_requests_total',
    help: "Intercom REST calls spent from a workspace's rate budget, by workspace and HTTP status",
    labelNames: ['workspace', 'status'] as const,
    registers: [this.registry],
  });

  /** Intercom's X-RateLimit-Limit for the workspace: with intercom_api_requests_total, the share of the budget in use. */
  readonly intercomRateLimit = new Gauge({
    name: 'intercom_rate_budget_limit_per_minute',
    help: "Intercom's rate limit for the workspace (X-RateLimit-Limit, requests per minute)",
    labelNames: ['workspace'] as const,
    registers: [this.registry],
  });

  readonly intercomRateBudgetWait = new Counter({
    name: 'intercom_rate_budget_wait_seconds_total',
    help: "Time spent waiting for a workspace's Intercom rate budget to refill, by workspace",
    labelNames: ['workspace'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }
}
