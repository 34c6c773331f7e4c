import path from 'node:path';
import { loadEnv } from '../config/env';
import { migrateDatabase, openPglite, openPostgres, postgresOptionsFromEnv, type Database } from '../db/client';
import { createApp } from '../http/app';
import { createLogger } from '../observability/logger';
import { buildServices, devEncryptionKey, loadEnvOrExit } from '../runtime/boot';
import { DEV_FILES, readJsonFile, writeJsonFile, type DevApiFile } from '../runtime/dev-state';
import { connectClient, waitForNamespace } from '../temporal/connection';
import { findTemporalCli, freePort, provisionTemporalCli, startDevServer } from '../temporal/dev-server';
import { installTemporalRuntime, prepareWorker, sdkMetrics } from '../temporal/worker';
import {
  createIntercomSimulator,
  type IntercomSimulator,
  type IntercomSimulatorState,
} from '../../testkit/simulators/intercom';
import { createAmplitudeSimulator } from '../../testkit/simulators/amplitude';
import { simulatorEnv } from '../../testkit/simulators/service-env';
import { randomToken } from '../crypto/secrets';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

/**
 * `npm run dev`: the whole service in one process tree for a first run. Whatever is not
 * configured is provided: a Temporal dev server with its UI, embedded Postgres (PGlite), an
 * encryption key, an admin token, and simulators of Intercom and Amplitude. Everything that a
 * restart needs is kept under DATA_DIR (.data/), so a restart continues where it stopped. Set
 * TEMPORAL_ADDRESS, DATABASE_URL, INTERCOM_CLIENT_ID/SECRET or AMPLITUDE_API_URL to use the real thing.
 */

/** What was started so far, stopped in reverse order on Ctrl-C and when a start fails half-way. */
const started: { name: string; stop: () => Promise<void> }[] = [];

async function stopStarted(): Promise<void> {
  while (started.length > 0) {
    const { stop } = started.pop()!;
    await stop().catch(() => {});
  }
}

/**
 * The simulated Intercom, continuing from its saved state when there is one: the same workspace,
 * client secret (webhook signatures), tokens and contacts. Saved every few seconds and at stop.
 */
function devIntercom(dataDir: string, publicUrl: string): { intercom: IntercomSimulator; save: () => void } {
  const saved = readJsonFile<IntercomSimulatorState>(dataDir, DEV_FILES.intercom);
  const intercom = createIntercomSimulator({
    uninstallUrl: `${publicUrl}/intercom/uninstall`,
    webhookUrl: `${publicUrl}/intercom/webhooks`,
    clientId: saved?.clientId ?? 'dev-client-id',
    clientSecret: saved?.clientSecret ?? `dev-${randomToken(18)}`,
  });
  if (saved) intercom.importState(saved);
  else intercom.setOAuthWorkspace(intercom.addWorkspace({ name: 'Dev workspace' }).appId);
  let last = '';
  const save = () => {
    const state = intercom.exportState();
    const text = JSON.stringify(state);
    if (text === last) return;
    writeJsonFile(dataDir, DEV_FILES.intercom, state);
    last = text;
  };
  save();
  return { intercom, save };
}

/** The dev workspace's private-app token: the saved one while it works, else a new one. */
function privateAppToken(intercom: IntercomSimulator): { appId: string; token: string } {
  const appId = intercom.consentWorkspace().appId;
  const live = intercom.tokens
    .snapshot()
    .find((t) => t.appId === appId && t.kind === 'access_token' && t.revokedAt === null);
  return { appId, token: live?.token ?? intercom.tokens.issue(appId, 'access_token') };
}

let stopping = false;
/** Ctrl-C (at any point, even mid-start): stop what was started, quietly, and exit. */
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write('Stopping…\n');
  await stopStarted();
  process.exit(0);
}

async function main() {
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop); // the terminal closed: Temporal, in its own process group, does not hear it
  // `npm run dev` runs us under `sh -c`, and a SIGTERM to npm ends that shell without passing the signal on: when
  // our parent goes, stop as on Ctrl-C rather than run on as an orphan holding the ports and Temporal.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop();
  }, 500).unref();
  const base = loadEnvOrExit('dev');
  const dataDir = path.resolve(base.DATA_DIR);
  const log = createLogger(base.LOG_LEVEL, { process: 'dev' });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const overrides: Record<string, string> = {};
  const lines: string[] = [];
  const tryIt: string[] = [];

  if (!base.ENCRYPTION_KEY) overrides.ENCRYPTION_KEY = devEncryptionKey(dataDir);
  const savedApi = readJsonFile<DevApiFile>(dataDir, DEV_FILES.api);
  if (!base.ADMIN_TOKEN) overrides.ADMIN_TOKEN = savedApi?.adminToken ?? `dev-${randomToken(18)}`;
  const publicUrl = base.PUBLIC_URL ?? `http://localhost:${base.PORT}`;

  if (!base.INTERCOM_CLIENT_ID) {
    const { intercom, save } = devIntercom(dataDir, publicUrl);
    const url = await intercom.listen(Number(process.env.DEV_INTERCOM_SIMULATOR_PORT ?? 4010));
    const { appId, token } = privateAppToken(intercom);
    save();
    const timer = setInterval(save, 5_000);
    timer.unref();
    started.push({
      name: 'Intercom simulator',
      stop: async () => {
        clearInterval(timer);
        await intercom.flush();
        save();
        await intercom.close();
      },
    });
    Object.assign(overrides, simulatorEnv({ intercom, intercomUrl: url }));
    lines.push(
      `Intercom simulator:  ${url}  workspace ${appId}, private-app token ${token}`,
      `                     what it holds: ${url}/_inspect/contacts  ${url}/_inspect/events`,
    );
    tryIt.push(
      'Connect a source on the setup page (any Amplitude project id and API key, e.g. 123456 / dev-key; the simulated',
      'Intercom consents at once), then make Intercom fire a webhook by creating a user in the simulated workspace:',
      `  curl -sS -X POST ${url}/contacts -H "authorization: Bearer ${token}" -H 'content-type: application/json' -d "{\\"role\\":\\"user\\",\\"external_id\\":\\"user-$(date +%s)\\"}"`,
      `A destination sync takes the private-app token above as its Intercom access token.`,
    );
  }
  if (!base.AMPLITUDE_API_URL) {
    const amplitude = createAmplitudeSimulator();
    const url = await amplitude.listen(Number(process.env.DEV_AMPLITUDE_SIMULATOR_PORT ?? 4020));
    overrides.AMPLITUDE_API_URL = url;
    started.push({ name: 'Amplitude simulator', stop: () => amplitude.close() });
    lines.push(`Amplitude simulator: ${url}  what it received: ${url}/_inspect/events`);
  }

  if (!base.TEMPORAL_ADDRESS) {
    const cli = findTemporalCli(base.TEMPORAL_CLI_PATH) ?? (await provisionTemporalCli({ log: say }));
    if (cli) {
      const devServer = await startDevServer({
        cliPath: cli,
        port: base.TEMPORAL_DEV_PORT,
        uiPort: base.TEMPORAL_UI_PORT,
        dbFile: path.join(dataDir, 'temporal.db'),
        // Ctrl-C reaches only us: the worker finishes its activities before Temporal is stopped (last).
        ownProcessGroup: true,
        log: (line) => log.debug({ temporal: line.trim() }, 'temporal dev server'),
      });
      started.push({ name: 'Temporal dev server', stop: () => devServer.stop() });
      overrides.TEMPORAL_ADDRESS = devServer.address;
    } else {
      say('Falling back to the Temporal SDK, which downloads the dev server (needs internet access)…');
      const { TestWorkflowEnvironment } = await import('@temporalio/testing');
      const environment = await TestWorkflowEnvironment.createLocal({
        server: {
          port: base.TEMPORAL_DEV_PORT,
          uiPort: base.TEMPORAL_UI_PORT,
          dbFilename: path.join(dataDir, 'temporal.db'),
          searchAttributes: ALL_SEARCH_ATTRIBUTES,
        },
      });
      started.push({ name: 'Temporal dev server', stop: () => environment.teardown() });
      overrides.TEMPORAL_ADDRESS = environment.address;
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
  started.push({ name: 'database', stop: () => database.close() });
  await migrateDatabase(database);

  const sdkMetricsAddress = `127.0.0.1:${await freePort()}`;
  installTemporalRuntime({ logger: log, logLevel: 'warn', metricsBindAddress: sdkMetricsAddress });
  const services = buildServices(env, database, log);
  const target = { address: env.TEMPORAL_ADDRESS!, namespace: env.TEMPORAL_NAMESPACE };
  const client = await connectClient(target);
  started.push({ name: 'Temporal client', stop: () => client.connection.close() });
  await waitForNamespace(client);
  // As the worker entry point prepares it (src/entrypoints/worker.ts), with workflows bundled from source.
  const { worker, connection } = await prepareWorker({
    services,
    client,
    target,
  });
  started.push({ name: 'worker connection', stop: () => connection.close() });
  const running = worker.run();
  started.push({
    name: 'worker',
    stop: async () => {
      // The SDK's runtime drains workers on SIGINT/SIGTERM by itself; shutting down twice throws.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => {});
    },
  });

  const api = createApp({
    services,
    temporal: client,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    extraMetrics: sdkMetrics(sdkMetricsAddress),
  });
  const server = await api.listen(env.PORT).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'EADDRINUSE'
      ? new Error(`port ${env.PORT} is in use: stop what uses it or set PORT to another port`)
      : err;
  });
  started.push({
    name: 'API',
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      api.stopSignalRetries();
      await api.doorbell.flush();
    },
  });
  // The operator CLI reads this to find the dev API and its token (`npx connector list`).
  writeJsonFile(dataDir, DEV_FILES.api, {
    apiUrl: `http://localhost:${env.PORT}`, // local, even when PUBLIC_URL is a tunnel
    adminToken: env.ADMIN_TOKEN!,
  } satisfies DevApiFile);

  process.stdout.write(
    [
      '',
      'Intercom ⇄ Amplitude connector (dev)',
      `Setup page:          ${publicUrl}/setup   (asks for the admin token)`,
      `Admin API token:     ${env.ADMIN_TOKEN}   (Authorization: Bearer …; \`npx connector list\` finds it)`,
      `API:                 ${publicUrl}   (described at ${publicUrl}/api/openapi.json)`,
      ...lines,
      '',
      ...tryIt,
      `An Amplitude SDK (or curl) sends a sync events with the ingest key it shows:`,
      `  curl -sS -X POST ${publicUrl}/2/httpapi -H 'content-type: application/json' -d '{"api_key":"<ingest key>","events":[{"event_type":"Purchased","user_id":"<external_id>"}]}'`,
      '',
      `Ctrl-C stops everything; state is kept in ${dataDir}, so the next \`npm run dev\` continues from it.`,
      '',
    ].join('\n'),
  );
}

main().catch(async (err: Error) => {
  if (stopping) return; // a start interrupted by Ctrl-C is not a failure
  stopping = true;
  process.stderr.write(`dev failed to start: ${err.message}\n`);
  if (started.length > 0) process.stderr.write(`stopping what was started: ${started.map((s) => s.name).join(', ')}\n`);
  await stopStarted();
  process.exit(1);
});
