import { migrateDatabase, openPostgres } from '../db/client';

/** `npm run migrate`: applies drizzle migrations to DATABASE_URL. */
async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('Invalid configuration:\n  - DATABASE_URL: required for `migrate`\n');
    process.exit(2);
  }
  const database = await openPostgres(url, { max: 1 });
  try {
    await migrateDatabase(database);
    process.stdout.write('migrations applied\n');
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  process.stderr.write(`migration failed: ${(err as Error).message}\n`);
  process.exit(1);
});
