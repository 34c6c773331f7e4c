import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { requireTemporalCli, startDevServer, type DevServer } from '../src/temporal/dev-server';
import { migrateDatabase, openPostgres } from '../src/db/client';

/**
 * One real Temporal dev server and one freshly migrated Postgres database for the whole
 * integration run. The database is unique per run so parallel runs on one machine don't collide.
 */
const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let server: DevServer | undefined;
let databaseName: string | undefined;

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
  }
}

function databaseUrlFor(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function setup(project: TestProject): Promise<void> {
  const cli = requireTemporalCli();
  databaseName = `connector_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = await openPostgres(ADMIN_URL, { max: 1 });
  try {
    await admin.db.execute(sql.raw(`CREATE DATABASE ${databaseName}`));
  } finally {
    await admin.close();
  }
  const databaseUrl = databaseUrlFor(databaseName);
  const database = await openPostgres(databaseUrl, { max: 1 });
  try {
    await migrateDatabase(database);
  } finally {
    await database.close();
  }

  server = await startDevServer({
    cliPath: cli,
    // Small histories in tests so continue-as-new is exercised, not just written.
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 400 },
  });
  project.provide('temporalAddress', server.address);
  project.provide('databaseUrl', databaseUrl);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (databaseName && !process.env.KEEP_TEST_DATABASE) {
    const admin = await openPostgres(ADMIN_URL, { max: 1 });
    try {
      await admin.db.execute(sql.raw(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`));
    } finally {
      await admin.close();
    }
  }
}
