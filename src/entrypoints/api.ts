import { openPostgres } from '../db/client';
import { createApp } from '../http/app';
import { buildServices, loadEnvOrExit, onShutdown } from '../runtime/boot';
import { connectClient, temporalTargetFromEnv } from '../temporal/connection';

/** `npm run api`: the HTTP API (webhooks, OAuth, ingestion, admin) against DATABASE_URL and TEMPORAL_ADDRESS. */
async function main() {
  const env = loadEnvOrExit('api');
  const database = await openPostgres(env.DATABASE_URL!, { max: env.DATABASE_POOL_MAX });
  const services = buildServices(env, database);
  const temporal = await connectClient(temporalTargetFromEnv(env));
  const api = createApp({ services, temporal, taskQueue: env.TEMPORAL_TASK_QUEUE });
  const server = await api.listen(env.PORT);
  services.logger.info({ port: env.PORT }, 'api listening');
  onShutdown(services.logger, async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await api.doorbell.flush();
    await temporal.connection.close();
    await database.close();
  });
}

main().catch((err) => {
  process.stderr.write(`api failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
