import { createServer, type RequestListener, type Server } from 'node:http';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import type { Services } from '../runtime/services';
import { ConnectionsService } from '../connections/service';
import { renderMetrics } from '../observability/metrics-server';
import { Doorbell } from '../temporal/doorbell';
import { signalShard } from '../temporal/shard-signal';
import { createWebhookReceiver, intercomUninstallRoutes, WEBHOOK_PATH } from './routes/intercom-webhooks';
import { oauthRoutes } from './routes/oauth';
import { adminRoutes } from './routes/admin';
import { amplitudeIngestRoutes } from './routes/amplitude-ingest';
import { cohortWebhookRoutes } from './routes/cohort-webhook';
import { setupRoutes } from './routes/setup';
import { BodyBudget } from './request-body';
import { StorageQuota } from '../delivery/quota';
import { connectionsByStatus, claimableAmong } from '../connections/repository';
import { limitPerIp, publicRateLimits, trustProxySetting } from './rate-limits';
import { sharedRead } from '../util/shared-read';
import { requireMetricsToken } from './admin-auth';

/** How long an answer of /readyz, or the connection counts of /metrics, serves everyone who asks. */
const PUBLIC_READ_MAX_AGE_MS = 1_000;

export interface AppDependencies {
  services: Services;
  temporal: Client;
  taskQueue: string;
  /** Extra text appended to /metrics (the Temporal SDK's own Prometheus exporter, when in-process). */
  extraMetrics?: () => Promise<string>;
}

/** Times every request into the http_request_duration_seconds histogram, labelled by route pattern. */
function timing(services: Services): RequestHandler {
  return (req, res, next) => {
    const end = services.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      end({ route: `${req.baseUrl}${route}`, status: `${Math.floor(res.statusCode / 100)}xx` });
    });
    next();
  };
}

export interface Api {
  app: Express;
  /** The HTTP handler to serve: Intercom's webhooks first (no framework on the hottest path), then Express. */
  handler: RequestListener;
  listen(port: number, host?: string): Promise<Server>;
  doorbell: Doorbell;
  connections: ConnectionsService;
  /** The connections over their storage quota, as the webhook and ingestion endpoints see them. */
  quota: StorageQuota;
  /** Ends the doorbell's retries (shutdown): call before `doorbell.flush()`. */
  stopSignalRetries(): void;
}

export function createApp(deps: AppDependencies): Api {
  const { services } = deps;
  const connections = new ConnectionsService(services, deps.temporal, deps.taskQueue);
  // Stored rows ring their delivery shard (signal-with-start), as rarely as a lingering drain allows. A ring
  // Temporal cannot take now (down, restarting) is retried until it can: the API stores and acknowledges
  // meanwhile, and the rows stored are announced once Temporal is back.
  const doorbell = new Doorbell(
    (lane, shard) => signalShard(deps.temporal, deps.taskQueue, lane, shard),
    {
      claimableNow: (ids) =>
        claimableAmong(services.db, ids).catch((err) => {
          services.logger.warn(
            { err: { message: (err as Error).message?.split('\n')[0] } },
            'could not read whether held connections deliver now; ringing their shards',
          );
          throw err;
        }),
    },
    (lane, shard, err) =>
      services.logger.warn(
        { lane, shard, err: { message: (err as Error).message } },
        'could not ring the delivery shard; retrying until Temporal takes it',
      ),
  );
  const limits = publicRateLimits(services.env);
  const bodyBudget = new BodyBudget(services.env.INGEST_MAX_BUFFERED_BYTES);
  const quota = new StorageQuota(services.db, {
    maxPendingRows: services.env.CONNECTION_MAX_PENDING_ROWS,
    checkEveryMs: services.env.CONNECTION_QUOTA_CHECK_INTERVAL,
    onError: (err) =>
      services.logger.warn({ err: { message: (err as Error).message?.split('\n')[0] } }, 'could not count quotas'),
  });
  // Connections by kind and status (an Error is an alert), counted from Postgres when /metrics is read: at most
  // once per PUBLIC_READ_MAX_AGE_MS, however often /metrics is asked for (it is open to whoever reaches the api).
  services.metrics.countConnectionsWith(
    sharedRead(() => connectionsByStatus(services.db), { maxAgeMs: PUBLIC_READ_MAX_AGE_MS }),
  );
  const app = express();
  app.disable('x-powered-by');
  // Who may tell us the client's address (per-IP limits): nobody unless TRUST_PROXY says so.
  app.set('trust proxy', trustProxySetting(services.env.TRUST_PROXY));
  app.use(timing(services));

  // The setup page is the front door for a person opening the service's URL.
  app.get('/', (_req, res) => {
    res.redirect(302, '/setup');
  });

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });

  // Probes and scrapes are open to anyone and come before the per-IP budget (a crowd behind one proxy must not make
  // the api look unready): what they read is shared, so a flood costs Postgres and Temporal one read per interval.
  const readiness = sharedRead(
    async () => {
      const checks: Record<string, string> = {};
      try {
        await services.db.execute(sql`SELECT 1`);
        checks.database = 'ok';
      } catch {
        checks.database = 'unavailable';
      }
      try {
        await deps.temporal.workflowService.getSystemInfo({});
        checks.temporal = 'ok';
      } catch {
        checks.temporal = 'unavailable';
      }
      return { ok: Object.values(checks).every((v) => v === 'ok'), checks };
    },
    { maxAgeMs: PUBLIC_READ_MAX_AGE_MS },
  );
  app.get('/readyz', async (_req, res) => {
    const { ok, checks } = await readiness();
    res.status(ok ? 200 : 503).json({ ok, checks });
  });

  const metricsPage = sharedRead(() => renderMetrics(services.metrics, deps.extraMetrics), { maxAgeMs: 0 });
  app.get('/metrics', requireMetricsToken(services.env.METRICS_TOKEN), async (_req, res) => {
    res.type(services.metrics.registry.contentType).send(await metricsPage());
  });

  // Ingestion answers its own 429s in Amplitude's format; every other public route shares this per-IP budget.
  app.use(amplitudeIngestRoutes({ services, connections, doorbell, limits, bodyBudget, quota }));
  app.use(cohortWebhookRoutes({ services, connections, doorbell, limits, bodyBudget, quota }));
  app.use(limitPerIp(limits.perIp));
  app.use(intercomUninstallRoutes({ connections }));
  app.use(oauthRoutes(connections));
  app.use(
    adminRoutes(connections, services.env.ADMIN_TOKEN, { checkResponses: services.env.NODE_ENV !== 'production' }),
  );
  app.use(setupRoutes());

  const errors: ErrorRequestHandler = (err, req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 600 ? err.status : 500;
    if (status >= 500)
      services.logger.error({ err: { name: err?.name, message: err?.message }, path: req.path }, 'request failed');
    if (res.headersSent) return;
    res.status(status).json({ error: status >= 500 ? 'internal error' : err?.expose ? err.message : 'bad request' });
  };
  app.use(errors);
  const webhooks = createWebhookReceiver({ services, doorbell, quota });
  const handler: RequestListener = (req, res) => {
    const path = req.url?.split('?')[0];
    if (path === WEBHOOK_PATH && (req.method === 'POST' || req.method === 'HEAD')) webhooks.handle(req, res);
    else app(req, res);
  };
  const listen = (port: number, host?: string) =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer(handler);
      // A client that trickles its body holds a socket and a share of the body budget: not for long.
      server.requestTimeout = 60_000;
      server.once('error', reject);
      server.listen(port, host, () => resolve(server));
    });
  return { app, handler, listen, doorbell, connections, quota, stopSignalRetries: () => doorbell.stop() };
}
