import path from 'node:path';
import { loadEnv } from '../config/env';
import { migrateDatabase, openPglite, openPostgres, postgresOptionsFromEnv, type Database } from '../db/client';
import { createApp } from '../http/app';
import { createLogger } from '../observability/logger';
import { buildServices, devEncryptionKey, loadEnvOrExit } from '../runtime/boot';
import { connectClient, waitForNamespace } from '../temporal/connection';
import { findTemporalCli, freePort, startDevServer, type DevServer } from '../temporal/dev-server';
import { installTemporalRuntime, prepareWorker, sdkMetrics } from '../temporal/worker';
import { createIntercomSimulator } from '../../testkit/simulators/intercom';
import { createAmplitudeSimulator } from '../../testkit/simulators/amplitude';
import { simulatorEnv } from '../../testkit/simulators/service-env';
import { randomToken } from '../crypto/secrets';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

/**
 * `npm run dev`: the whole service in one process tree for a first run. Whatever is not
 * configured is provided: a Temporal dev server with its UI (persisted under .data/), embedded
 * Postgres (PGlite, under .data/), an encryption key (under .data/), and simulators of Intercom
 * and Amplitude. Set TEMPORAL_ADDRESS, DATABASE_URL, INTERCOM_CLIENT_ID/SECRET or
 * AMPLITUDE_API_URL to use the real thing instead.
 */
async function main() {
  const base = loadEnvOrExit('dev');
  const dataDir = path.resolve(base.DATA_DIR);
  const log = createLogger(base.LOG_LEVEL, { process: 'dev' });
  const overrides: Record<string, string> = {};
  const lines: string[] = [];

  if (!base.ENCRYPTION_KEY) overrides.ENCRYPTION_KEY = devEncryptionKey(dataDir);
  if (!base.ADMIN_TOKEN) overrides.ADMIN_TOKEN = `dev-${randomToken(18)}`;
  const publicUrl = base.PUBLIC_URL ?? `http://localhost:${base.PORT}`;

  const stops: (() => Promise<void>)[] = [];
  if (!base.INTERCOM_CLIENT_ID) {
    const intercom = createIntercomSimulator({
      uninstallUrl: `${publicUrl}/intercom/uninstall`,
      webhookUrl: `${publicUrl}/intercom/webhooks`,
    });
    const url = await intercom.listen(Number(process.env.DEV_INTERCOM_SIMULATOR_PORT ?? 4010));
    const workspace = intercom.addWorkspace({ name: 'Dev workspace' });
    intercom.setOAuthWorkspace(workspace.appId);
    Object.assign(overrides, simulatorEnv({ intercom, intercomUrl: url }));
    stops.push(() => intercom.close());
    lines.push(
      `Intercom simulator:  ${url}  (workspace ${workspace.appId}, private-app token ${workspace.accessToken})`,
    );
  }
  if (!base.AMPLITUDE_API_URL) {
    const amplitude = createAmplitudeSimulator();
    const url = await amplitude.listen(Number(process.env.DEV_AMPLITUDE_SIMULATOR_PORT ?? 4020));
    overrides.AMPLITUDE_API_URL = url;
    stops.push(() => amplitude.close());
    lines.push(`Amplitude simulator: ${url}`);
  }

  let devServer: DevServer | undefined;
  if (!base.TEMPORAL_ADDRESS) {
    const cli = findTemporalCli(base.TEMPORAL_CLI_PATH);
    if (cli) {
      devServer = await startDevServer({
        cliPath: cli,
        port: base.TEMPORAL_DEV_PORT,
        uiPort: base.TEMPORAL_UI_PORT,
        dbFile: path.join(dataDir, 'temporal.db'),
        log: (line) => log.debug({ temporal: line.trim() }, 'temporal dev server'),
      });
      overrides.TEMPORAL_ADDRESS = devServer.address;
      stops.push(() => devServer!.stop());
    } else {
      // No CLI on this machine: let the SDK download the dev server (needs internet access).
      const { TestWorkflowEnvironment } = await import('@temporalio/testing');
      const environment = await TestWorkflowEnvironment.createLocal({
        server: {
          port: base.TEMPORAL_DEV_PORT,
          uiPort: base.TEMPORAL_UI_PORT,
          dbFilename: path.join(dataDir, 'temporal.db'),
          searchAttributes: ALL_SEARCH_ATTRIBUTES,
        },
      });
      overrides.TEMPORAL_ADDRESS = environment.address;
      stops.push(() => environment.teardown());
    }
    lines.push(`Temporal UI:         http://localhost:${base.TEMPORAL_UI_PORT}`);
  }

  const env = loadEnv({ ...process.env, ...overrides }, 'dev');
  let database: Database;
  if (env.DATABASE_URL) {
    database = await openPostgres(env.DATABASE_URL, postgresOptionsFromEnv(env));
  } else {
    database = await openPglite(path.join(dataDir, 'pglite'));
    lines.push(`Database:            embedded PGlite in ${path.join(dataDir, 'pglite')}`);
  }
  await migrateDatabase(database);

  const sdkMetricsAddress = `127.0.0.1:${await freePort()}`;
  installTemporalRuntime({ logger: log, logLevel: 'warn', metricsBindAddress: sdkMetricsAddress });
  const services = buildServices(env, database, log);
  const target = { address: env.TEMPORAL_ADDRESS!, namespace: env.TEMPORAL_NAMESPACE };
  const client = await connectClient(target);
  await waitForNamespace(client);
  const { worker, connection } = await prepareWorker({
    services,
    client,
    target,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    retentionDays: env.RETENTION_DAYS,
  });
  const running = worker.run();

  const api = createApp({
    services,
    temporal: client,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    extraMetrics: sdkMetrics(sdkMetricsAddress),
  });
  const server = await api.listen(env.PORT);

  process.stdout.write(
    [
      '',
      'Intercom ⇄ Amplitude connector (dev)',
      `API:                 ${publicUrl}`,
      `Admin API token:     ${env.ADMIN_TOKEN}   (Authorization: Bearer …)`,
      ...lines,
      '',
      'Ctrl-C stops everything; state persists under .data/.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    api.stopSignalRetries();
    await api.doorbell.flush();
    worker.shutdown();
    await running.catch(() => {});
    await connection.close();
    await client.connection.close();
    await database.close();
    for (const s of stops.reverse()) await s().catch(() => {});
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  process.stderr.write(`dev failed to start: ${(err as Error).stack ?? (err as Error).message}\n`);
  process.exit(1);
});
