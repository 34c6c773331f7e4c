import { openPostgres, postgresOptionsFromEnv } from '../db/client';
import { createApp } from '../http/app';
import { buildServices, loadEnvOrExit, onShutdown } from '../runtime/boot';
import { lazyClient, temporalTargetFromEnv } from '../temporal/connection';

/** `npm run api`: the HTTP API (webhooks, OAuth, ingestion, admin) against DATABASE_URL and TEMPORAL_ADDRESS. */
async function main() {
  const env = loadEnvOrExit('api');
  const database = await openPostgres(env.DATABASE_URL!, postgresOptionsFromEnv(env));
  const services = buildServices(env, database);
  // Lazy: Temporal being down must not stop the api from storing and acknowledging webhooks.
  const temporal = lazyClient(temporalTargetFromEnv(env));
  const api = createApp({ services, temporal, taskQueue: env.TEMPORAL_TASK_QUEUE });
  const server = await api.listen(env.PORT);
  services.logger.info({ port: env.PORT }, 'api listening');
  onShutdown(services.logger, async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    api.stopSignalRetries();
    await api.doorbell.flush();
    await temporal.connection.close();
    await database.close();
  });
}

main().catch((err) => {
  process.stderr.write(`api failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
