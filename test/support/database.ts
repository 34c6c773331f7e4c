import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, inject } from 'vitest';
import { openPostgres, type Database, type Db } from '../../src/db/client';

/**
 * A database of its own for one test file, copied from the run's migrated template (test/global-setup.ts).
 * Each harness owns its data: delivery shards drain every connection in their database, so two test files
 * sharing one would deliver each other's rows.
 */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const template = new URL(inject('databaseUrl'));
  const templateName = template.pathname.slice(1);
  const name = `${templateName}_${randomBytes(4).toString('hex')}`;
  const adminUrl = new URL(template);
  adminUrl.pathname = '/postgres';
  const admin = await openPostgres(adminUrl.toString(), { max: 1 });
  try {
    // Copies fail while another copy of the same template is being made: try again shortly.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await admin.db.execute(sql.raw(`CREATE DATABASE ${name} TEMPLATE ${templateName}`));
        break;
      } catch (err) {
        if (attempt >= 50 || !/being accessed by other users/.test(String((err as Error).cause ?? err))) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.close();
  }
  const url = new URL(template);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      if (process.env.KEEP_TEST_DATABASE) return;
      const cleanup: Database = await openPostgres(adminUrl.toString(), { max: 1 });
      try {
        await cleanup.db.execute(sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      } finally {
        await cleanup.close();
      }
    },
  };
}

/**
 * For a test file that talks to Postgres directly: its own database, opened before its tests and dropped after.
 * `db` is usable inside tests (and hooks registered after this call).
 */
export function usePrivateDatabase(options: { max: number }): { readonly db: Db } {
  let testDatabase: TestDatabase | undefined;
  let database: Database | undefined;
  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    database = await openPostgres(testDatabase.url, { max: options.max });
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });
  return {
    get db() {
      if (!database) throw new Error('the private database opens in beforeAll');
      return database.db;
    },
  };
}
