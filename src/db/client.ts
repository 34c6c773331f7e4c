import path from 'node:path';
import { mkdirSync } from 'node:fs';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import * as schema from './schema';
import type { Env } from '../config/env';

/** Drizzle database over either driver: postgres.js (servers) or PGlite (embedded dev database). */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  driver: 'postgres' | 'pglite';
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = path.resolve(__dirname, '../../drizzle');

export interface PostgresOptions {
  max?: number;
  /** Opening a connection fails after this long (postgres.js counts whole seconds, rounded up). */
  connectTimeoutMs?: number;
  /** Postgres cancels any statement running longer (0 or unset: the server's default, usually none). */
  statementTimeoutMs?: number;
}

/** The pool settings an entry point reads from the environment. */
export function postgresOptionsFromEnv(env: Env): PostgresOptions {
  return {
    max: env.DATABASE_POOL_MAX,
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT,
  };
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const client = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // An unreachable server fails the query after this instead of postgres.js's default 30 s.
    connect_timeout: Math.max(1, Math.ceil((options.connectTimeoutMs ?? 5_000) / 1000)),
    ...(options.statementTimeoutMs ? { connection: { statement_timeout: options.statementTimeoutMs } } : {}),
  });
  return {
    db: drizzle(client, { schema }) as unknown as Db,
    driver: 'postgres',
    close: () => client.end({ timeout: 5 }),
  };
}

/** Embedded Postgres (PGlite) persisted under `dir`, for a newcomer's first `npm run dev`. */
export async function openPglite(dir: string): Promise<Database> {
  mkdirSync(dir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const client = new PGlite(dir);
  await client.waitReady;
  return {
    db: drizzle(client, { schema }) as unknown as Db,
    driver: 'pglite',
    close: () => client.close(),
  };
}

export async function migrateDatabase(database: Database): Promise<void> {
  if (database.driver === 'postgres') {
    const { migrate } = await import('drizzle-orm/postgres-js/migrator');
    await migrate(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
  } else {
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    await migrate(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
  }
}

/** Rows of a raw SQL statement, whichever driver runs it (postgres.js returns an array, PGlite `{ rows }`). */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
