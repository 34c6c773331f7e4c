import { openPostgres, postgresOptionsFromEnv } from '../db/client';
import { buildServices, loadEnvOrExit } from '../runtime/boot';
import { connectClient, temporalTargetFromEnv } from '../temporal/connection';
import { installTemporalRuntime, prepareWorker, sdkMetrics } from '../temporal/worker';
import { freePort } from '../temporal/dev-server';
import { createLogger } from '../observability/logger';
import { startMetricsServer } from '../observability/metrics-server';

/**
 * `npm run worker`: the Temporal worker. Registers our search attributes and the retention schedule
 * if missing, then polls the task queue until SIGINT/SIGTERM (the SDK drains in-flight work).
 */
async function main() {
  const env = loadEnvOrExit('worker');
  const logger = createLogger(env.LOG_LEVEL, { process: 'worker' });
  const sdkMetricsAddress = env.METRICS_PORT ? `127.0.0.1:${await freePort()}` : undefined;
  installTemporalRuntime({ logger, logLevel: 'warn', metricsBindAddress: sdkMetricsAddress });
  const database = await openPostgres(env.DATABASE_URL!, postgresOptionsFromEnv(env));
  const services = buildServices(env, database, logger);
  const metricsServer = env.METRICS_PORT
    ? startMetricsServer(env.METRICS_PORT, services.metrics, {
        extra: sdkMetrics(sdkMetricsAddress),
        token: env.METRICS_TOKEN,
      })
    : undefined;
  const target = temporalTargetFromEnv(env);
  const client = await connectClient(target);
  const { worker, connection } = await prepareWorker({
    services,
    client,
    target,
    bundlePath: env.WORKFLOW_BUNDLE_PATH,
  });
  services.logger.info(
    {
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      namespace: env.TEMPORAL_NAMESPACE,
      metricsPort: env.METRICS_PORT || undefined,
    },
    'worker running',
  );
  await worker.run();
  metricsServer?.close();
  await connection.close();
  await client.connection.close();
  await database.close();
}

main().catch((err) => {
  process.stderr.write(`worker failed: ${(err as Error).message}\n`);
  process.exit(1);
});
