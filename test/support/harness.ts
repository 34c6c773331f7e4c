import { adminClient, type ApiDriver } from '../../testkit/api-driver';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { loadEnv, type Env } from '../../src/config/env';
import { openPostgres, type Database } from '../../src/db/client';
import { SecretBox, generateKeyBase64 } from '../../src/crypto/secrets';
import { createLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import { externalUrlsFromEnv, type Services } from '../../src/runtime/services';
import { connectClient, connectNative } from '../../src/temporal/connection';
import { createWorker, installTemporalRuntime, sdkMetrics } from '../../src/temporal/worker';
import { freePort } from '../../src/temporal/dev-server';
import { createApp, type Api } from '../../src/http/app';
import { createIntercomSimulator, type IntercomSimulator } from '../../testkit/simulators/intercom';
import { simulatorEnv } from '../../testkit/simulators/service-env';
import { createAmplitudeSimulator, type AmplitudeSimulator } from '../../testkit/simulators/amplitude';
import type { Server } from 'node:http';
import { createTestDatabase } from './database';

/**
 * A real stack for one test file: the run's Postgres database and Temporal dev server
 * (test/global-setup.ts), and a worker on a task queue of its own.
 */
export interface Harness extends ApiDriver {
  env: Env;
  /** The variables `env` was loaded from, for processes the test starts (a worker process). */
  rawEnv: Record<string, string>;
  /** Our API (webhooks, OAuth, ingestion, admin) on a real port. */
  apiUrl: string;
  api: Api;
  adminToken: string;
  intercom: IntercomSimulator;
  intercomUrl: string;
  amplitude: AmplitudeSimulator;
  amplitudeUrl: string;
  /** fetch against our API with the admin bearer token. */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  database: Database;
  services: Services;
  client: Client;
  taskQueue: string;
  /** Every log line the api and worker wrote, at debug level, when started with `captureLogs`. */
  logs: string[];
  /** Stops the in-process worker gracefully and starts a new one (see WorkerProcess for a crash). */
  restartWorker(): Promise<void>;
  stop(): Promise<void>;
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  /** Run no worker in the test process (the test starts worker processes itself). */
  noInProcessWorker?: boolean;
  intercom?: Parameters<typeof createIntercomSimulator>[0];
  amplitude?: Parameters<typeof createAmplitudeSimulator>[0];
  /**
   * Keep every log line (debug level and up; the Temporal SDK's from info) in `logs`, for tests that search
   * them (secret scans). The SDK's runtime is one per process: only the process's first harness can capture it.
   */
  captureLogs?: boolean;
}

/** One SDK runtime per test process, its metrics exporter on a free port so /metrics can show them. */
let sdkMetricsAddress: string | undefined;

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const logs: string[] = [];
  const captured = options.captureLogs
    ? createLogger('debug', {}, { write: (line: string) => void logs.push(line) })
    : undefined;
  // The port is free when we look, but test files run in parallel: another may take it first.
  for (let attempt = 1; !sdkMetricsAddress; attempt += 1) {
    const address = `127.0.0.1:${await freePort()}`;
    try {
      // A capturing harness gets the SDK's own log lines too (activity failures and their messages).
      installTemporalRuntime({
        logLevel: captured ? 'info' : (process.env.TEST_TEMPORAL_LOG_LEVEL ?? 'error'),
        logger: captured,
        metricsBindAddress: address,
      });
      sdkMetricsAddress = address;
    } catch (err) {
      if (attempt >= 5 || !/Address already in use/.test((err as Error).message)) throw err;
    }
  }
  const taskQueue = uniqueId('test-queue');
  const testDatabase = await createTestDatabase();
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const adminToken = `admin-${uniqueId('token')}-${uniqueId('x')}`;
  const intercom = createIntercomSimulator({
    uninstallUrl: `${apiUrl}/intercom/uninstall`,
    webhookUrl: `${apiUrl}/intercom/webhooks`,
    ...options.intercom,
  });
  const intercomUrl = await intercom.listen();
  const amplitude = createAmplitudeSimulator(options.amplitude);
  const amplitudeUrl = await amplitude.listen();
  const rawEnv: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: testDatabase.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    ENCRYPTION_KEY: generateKeyBase64(),
    PORT: String(apiPort),
    PUBLIC_URL: apiUrl,
    ADMIN_TOKEN: adminToken,
    ...simulatorEnv({ intercom, intercomUrl, amplitudeUrl }),
    ...options.env,
  };
  const env = loadEnv(rawEnv, 'test');
  const logger = captured ?? createLogger(env.LOG_LEVEL);
  const database = await openPostgres(env.DATABASE_URL!, { max: 5 });
  const services: Services = {
    env,
    db: database.db,
    secrets: new SecretBox(env.ENCRYPTION_KEY!),
    logger,
    metrics: new Metrics({ defaultMetrics: false }),
    urls: externalUrlsFromEnv(env),
  };
  const target = { address: env.TEMPORAL_ADDRESS!, namespace: env.TEMPORAL_NAMESPACE };
  const client = await connectClient(target);
  const nativeConnection: NativeConnection = await connectNative(target);
  const spawnWorker = async () => {
    const worker = await createWorker({
      services,
      connection: nativeConnection,
      namespace: target.namespace,
      taskQueue,
    });
    const running = worker.run();
    return { worker, running };
  };
  let current = options.noInProcessWorker ? undefined : await spawnWorker();
  const api = createApp({ services, temporal: client, taskQueue, extraMetrics: sdkMetrics(sdkMetricsAddress) });
  const server: Server = await api.listen(apiPort, '127.0.0.1');

  const harness: Harness = {
    env,
    rawEnv,
    apiUrl,
    api,
    adminToken,
    intercom,
    intercomUrl,
    amplitude,
    amplitudeUrl,
    admin: adminClient(apiUrl, adminToken),
    database,
    services,
    client,
    taskQueue,
    logs,
    async restartWorker() {
      if (current) {
        current.worker.shutdown();
        await current.running;
      }
      current = await spawnWorker();
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      api.stopSignalRetries();
      await api.doorbell.flush();
      if (current?.worker.getState() === 'RUNNING') current.worker.shutdown();
      await current?.running.catch(() => {});
      await nativeConnection.close();
      await database.close();
      await intercom.close();
      await amplitude.close();
      await terminateWorkflowsOf(client, taskQueue);
      await client.connection.close();
      await testDatabase.drop();
    },
  };
  return harness;
}

/**
 * Ends the workflows a test file left running on its task queue (connection workflows, delivery shards), so
 * they don't keep the shared dev server busy with timers nobody will ever serve.
 */
async function terminateWorkflowsOf(client: Client, taskQueue: string): Promise<void> {
  try {
    for await (const execution of client.workflow.list({
      query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
    })) {
      await client.workflow
        .getHandle(execution.workflowId, execution.runId)
        .terminate('test finished')
        .catch(() => undefined);
    }
  } catch {
    // Best effort: the dev server goes away at the end of the run anyway.
  }
}
