import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv } from '../../../src/config/env';

const KEY = Buffer.alloc(32, 7).toString('base64');
const complete = {
  DATABASE_URL: 'postgres://user:hunter2@db:5432/app',
  TEMPORAL_ADDRESS: 'temporal:7233',
  ENCRYPTION_KEY: KEY,
  INTERCOM_CLIENT_ID: 'client',
  INTERCOM_CLIENT_SECRET: 'very-secret-client-secret',
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadEnv', () => {
  it('accepts a complete api configuration and applies defaults', () => {
    const env = loadEnv(complete, 'api');
    expect(env.PORT).toBe(3000);
    expect(env.TEMPORAL_NAMESPACE).toBe('default');
    expect(env.INTERCOM_METADATA_KEY_LIMIT).toBe(10);
    expect(env.SOURCE_LOOP_PREVENTION).toBe(true);
  });

  it('names every missing variable the role requires', () => {
    const problems = problemsOf(() => loadEnv({}, 'api'));
    expect(problems).toEqual([
      'DATABASE_URL: required for `api`',
      'TEMPORAL_ADDRESS: required for `api`',
      'ENCRYPTION_KEY: required for `api`',
      'INTERCOM_CLIENT_ID: required for `api`',
      'INTERCOM_CLIENT_SECRET: required for `api`',
    ]);
  });

  it('lets dev run with nothing set (embedded defaults)', () => {
    expect(() => loadEnv({}, 'dev')).not.toThrow();
  });

  it('reports each malformed variable by name with what was expected', () => {
    const problems = problemsOf(() =>
      loadEnv(
        {
          ...complete,
          PORT: 'eighty',
          TEMPORAL_ADDRESS: 'no-port',
          ENCRYPTION_KEY: 'c2hvcnQ=',
          SOURCE_LOOP_PREVENTION: 'maybe',
        },
        'worker',
      ),
    );
    expect(problems.some((p) => p.startsWith('PORT:'))).toBe(true);
    expect(problems).toContain('TEMPORAL_ADDRESS: expected host:port');
    expect(problems).toContain('ENCRYPTION_KEY: expected 32 bytes encoded as base64');
    expect(problems).toContain('SOURCE_LOOP_PREVENTION: expected true or false');
  });

  it('never prints the values of secrets, even when they are malformed', () => {
    const badSecret = 'postgres-but-not-a-url-hunter2';
    let message = '';
    try {
      loadEnv({ ...complete, DATABASE_URL: badSecret, ADMIN_TOKEN: 'short-secret', INTERCOM_API_URL: 'nope' }, 'api');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('ADMIN_TOKEN');
    expect(message).not.toContain(badSecret);
    expect(message).not.toContain('short-secret');
    expect(message).not.toContain('hunter2');
  });

  it('requires the TLS key and certificate together', () => {
    const problems = problemsOf(() => loadEnv({ ...complete, TEMPORAL_TLS_CERT_PATH: '/tls/client.pem' }, 'worker'));
    expect(problems).toEqual(['TEMPORAL_TLS_KEY_PATH: required when TEMPORAL_TLS_CERT_PATH is set']);
  });

  it('treats empty strings as unset', () => {
    const problems = problemsOf(() => loadEnv({ ...complete, DATABASE_URL: '' }, 'worker'));
    expect(problems).toEqual(['DATABASE_URL: required for `worker`']);
  });

  it('reads the limits and timeouts of the edge, with their defaults', () => {
    const defaults = loadEnv(complete, 'api');
    expect(defaults).toMatchObject({
      DATABASE_CONNECT_TIMEOUT: 5_000,
      DATABASE_STATEMENT_TIMEOUT: 30_000,
      WEBHOOK_STORE_TIMEOUT: 4_000,
      INGEST_STORE_TIMEOUT: 4_000,
      WEBHOOK_QUEUE_LIMIT: 5_000,
      RATE_LIMIT_PER_IP: 200,
      RATE_LIMIT_PER_INGEST_KEY: 1_000,
      TRUST_PROXY: 'false',
    });
    expect(defaults.WEBHOOK_MAX_AGE).toBeUndefined(); // the retention window
    const set = loadEnv(
      { ...complete, DATABASE_STATEMENT_TIMEOUT: '0', WEBHOOK_MAX_AGE: '7d', RATE_LIMIT_PER_IP: '0' },
      'api',
    );
    expect(set).toMatchObject({ DATABASE_STATEMENT_TIMEOUT: 0, WEBHOOK_MAX_AGE: 7 * 86_400_000, RATE_LIMIT_PER_IP: 0 });
  });

  it('takes earlier encryption keys as a list, and never prints them', () => {
    const old = Buffer.alloc(32, 1).toString('base64');
    expect(loadEnv({ ...complete, ENCRYPTION_KEYS: `${old}, ${KEY}` }, 'api').ENCRYPTION_KEYS).toEqual([old, KEY]);
    const problems = problemsOf(() => loadEnv({ ...complete, ENCRYPTION_KEYS: `${old},c2hvcnQ=` }, 'api'));
    expect(problems).toEqual(['ENCRYPTION_KEYS: expected 32-byte base64 keys separated by commas']);
    expect(problems.join()).not.toContain(old);
  });

  it('needs only the database and the key to rotate keys (no Temporal)', () => {
    expect(problemsOf(() => loadEnv({}, 'maintenance'))).toEqual([
      'DATABASE_URL: required for `maintenance`',
      'ENCRYPTION_KEY: required for `maintenance`',
    ]);
  });
});
