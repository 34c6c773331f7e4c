import { openPostgres, postgresOptionsFromEnv } from '../db/client';
import { rotateCredentials } from '../crypto/rotate-keys';
import { SecretBox } from '../crypto/secrets';
import { loadEnvOrExit } from '../runtime/boot';

/**
 * `npm run rotate-keys` (or `npm run cli -- keys rotate`): re-seals every stored credential under
 * ENCRYPTION_KEY, reading old values with the keys in ENCRYPTION_KEYS. Needs DATABASE_URL and the keys
 * only (no Temporal). Exits 1 if some credential opens under none of the configured keys.
 */
export async function rotateKeys(): Promise<number> {
  const env = loadEnvOrExit('maintenance');
  const database = await openPostgres(env.DATABASE_URL!, { ...postgresOptionsFromEnv(env), max: 1 });
  try {
    const secrets = new SecretBox(env.ENCRYPTION_KEY!, env.ENCRYPTION_KEYS);
    const result = await rotateCredentials(database.db, secrets);
    process.stdout.write(
      `re-sealed ${result.resealed} credential(s) under key ${secrets.currentKeyId}; ${result.current} already current\n`,
    );
    for (const { connectionId, kind } of result.unreadable) {
      process.stderr.write(`cannot open ${kind} of ${connectionId}: add the key that sealed it to ENCRYPTION_KEYS\n`);
    }
    return result.unreadable.length === 0 ? 0 : 1;
  } finally {
    await database.close();
  }
}

if (require.main === module) {
  rotateKeys().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`rotate-keys failed: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
