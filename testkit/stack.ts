import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { sql } from 'drizzle-orm';
import { Client } from '@temporalio/client';
import { migrateDatabase, openPostgres, type Database } from '../src/db/client';
import { generateKeyBase64 } from '../src/crypto/secrets';
import { connectClient, waitForNamespace } from '../src/temporal/connection';
import { freePort, requireTemporalCli, startDevServer, type DevServer } from '../src/temporal/dev-server';
import { createIntercomSimulator, type IntercomSimulator } from './simulators/intercom';
import { simulatorEnv } from './simulators/service-env';
import { createAmplitudeSimulator, type AmplitudeSimulator } from './simulators/amplitude';
import { adminClient, type ApiDriver } from './api-driver';
import { ServiceProcess } from './service-process';

/**
 * The whole service as separate processes, for benchmarks and fault scripts: a fresh database on the
 * machine's Postgres (or the URL given), a Temporal dev server, the api and the worker as their own
 * processes (killable, measurable), and the Intercom and Amplitude simulators in this process.
 */
export interface StackOptions {
  /** Postgres server to create the stack's database on. */
  adminDatabaseUrl?: string;
  /** Keep Temporal's state in a file so the dev server can be restarted mid-run. */
  temporalDbFile?: string;
  env?: Record<string, string>;
  /** The Intercom simulator fires webhooks at the api for what changes in it (a contact created, an event sent). */
  intercomWebhooks?: boolean;
  /** Extra node flags for the api and worker processes (profiling). */
  nodeArgs?: string[];
  intercom?: Parameters<typeof createIntercomSimulator>[0];
  amplitude?: Parameters<typeof createAmplitudeSimulator>[0];
}

export interface Stack extends ApiDriver {
  env: Record<string, string>;
  database: Database;
  databaseUrl: string;
  temporal: DevServer;
  client: Client;
  amplitude: AmplitudeSimulator;
  api: ServiceProcess;
  worker: ServiceProcess;
  /** Stops the Temporal dev server gracefully and starts it again on the same port (and state file). */
  restartTemporal(): Promise<void>;
  /**
   * Crashes the Temporal dev server (SIGKILL), leaves it down for `downMs`, starts it again on the same port
   * and state file. True when the kill landed. Needs `temporalDbFile`, or the restarted server starts empty.
   */
  crashTemporal(downMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const adminUrl =
    options.adminDatabaseUrl ?? process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `connector_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = await openPostgres(adminUrl, { max: 1 });
  await admin.db.execute(sql.raw(`CREATE DATABASE ${name}`));
  await admin.close();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const database = await openPostgres(databaseUrl, { max: 4 });
  await migrateDatabase(database);

  const cli = requireTemporalCli();
  const temporalPort = await freePort();
  const startTemporal = () => startDevServer({ cliPath: cli, port: temporalPort, dbFile: options.temporalDbFile });
  let temporal = await startTemporal();

  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const intercom = createIntercomSimulator({
    uninstallUrl: `${apiUrl}/intercom/uninstall`,
    ...(options.intercomWebhooks && { webhookUrl: `${apiUrl}/intercom/webhooks` }),
    ...options.intercom,
  });
  const intercomUrl = await intercom.listen();
  const amplitude = createAmplitudeSimulator(options.amplitude);
  const amplitudeUrl = await amplitude.listen();
  const adminToken = randomBytes(24).toString('base64url');
  // Production-like: the worker loads a prebuilt workflow bundle instead of running webpack at start-up.
  const bundlePath = path.join(os.tmpdir(), `connector-bench-bundle-${process.pid}.js`);
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../workflows/index.ts'),
    logger: { log: () => {}, info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, trace: () => {} },
  });
  writeFileSync(bundlePath, code);
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: `bench-${randomBytes(3).toString('hex')}`,
    ENCRYPTION_KEY: generateKeyBase64(),
    PORT: String(apiPort),
    PUBLIC_URL: apiUrl,
    METRICS_PORT: '0',
    WORKFLOW_BUNDLE_PATH: bundlePath,
    ADMIN_TOKEN: adminToken,
    ...simulatorEnv({ intercom, intercomUrl, amplitudeUrl }),
    ...options.env,
  };
  const api = new ServiceProcess('api', env, options.nodeArgs);
  const worker = new ServiceProcess('worker', env, options.nodeArgs);
  await Promise.all([api.start(), worker.start()]);
  let client = await connectClient({ address: temporal.address, namespace: 'default' });
  await waitForNamespace(client);
  const reconnectTemporal = async () => {
    temporal = await startTemporal();
    await client.connection.close().catch(() => undefined);
    client = await connectClient({ address: temporal.address, namespace: 'default' });
    await waitForNamespace(client);
  };

  return {
    env,
    apiUrl,
    intercom,
    amplitude,
    admin: adminClient(apiUrl, adminToken),
    database,
    databaseUrl,
    get temporal() {
      return temporal;
    },
    get client() {
      return client;
    },
    api,
    worker,
    async restartTemporal() {
      await temporal.stop();
      await reconnectTemporal();
    },
    async crashTemporal(downMs: number) {
      if (!options.temporalDbFile) throw new Error('crashTemporal needs temporalDbFile: state would be lost');
      const landed = await temporal.kill();
      await new Promise((r) => setTimeout(r, downMs));
      await reconnectTemporal();
      return landed;
    },
    async stop() {
      await Promise.all([api.stop(), worker.stop()]);
      await client.connection.close().catch(() => undefined);
      await temporal.stop();
      await intercom.close();
      await amplitude.close();
      await database.close();
      const cleanup = await openPostgres(adminUrl, { max: 1 });
      await cleanup.db.execute(sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      await cleanup.close();
    },
  };
}
