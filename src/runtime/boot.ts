import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Env } from '../config/env';
import { ConfigError, loadEnv, type Role } from '../config/env';
import { SecretBox, generateKeyBase64 } from '../crypto/secrets';
import type { Database } from '../db/client';
import { createLogger, type Logger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { externalUrlsFromEnv, type Services } from './services';

/** Loads the environment for a role, or prints the configuration problems and exits. */
export function loadEnvOrExit(role: Role): Env {
  try {
    return loadEnv(process.env, role);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n\nSee the configuration table in README.md.\n`);
      process.exit(2);
    }
    throw err;
  }
}

export function buildServices(env: Env, database: Database, logger: Logger = createLogger(env.LOG_LEVEL)): Services {
  if (!env.ENCRYPTION_KEY) throw new Error('ENCRYPTION_KEY is not set');
  return {
    env,
    db: database.db,
    secrets: new SecretBox(env.ENCRYPTION_KEY, env.ENCRYPTION_KEYS),
    logger,
    metrics: new Metrics(),
    urls: externalUrlsFromEnv(env),
  };
}

/** Dev only: a persistent random key under the data folder, so sealed secrets survive restarts. */
export function devEncryptionKey(dataDir: string): string {
  const file = path.join(dataDir, 'encryption.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = generateKeyBase64();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/** Runs `stop` once on SIGINT/SIGTERM, then exits. */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop()
      .catch((err) => logger.error({ err: { message: (err as Error).message } }, 'shutdown failed'))
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
