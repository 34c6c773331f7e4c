import pino, { type Logger } from 'pino';
import { SECRET_VARIABLES } from '../config/env';

/**
 * Field names whose values are secrets wherever they appear in a log object: ours, and the environment's
 * secret settings (SECRET_VARIABLES, src/config/env.ts), so logging a parsed env, or a part of it, shows none.
 */
const SECRET_KEYS = [
  ...SECRET_VARIABLES,
  'token',
  'accessToken',
  'access_token',
  'apiKey',
  'api_key',
  'ingestKey',
  'clientSecret',
  'client_secret',
  'authorization',
  'Authorization',
  'code',
  'state',
  'password',
  'sealed',
];

export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers["x-hub-signature"]',
];

/** Structured JSON logs; secrets are censored by key name, and callers never pass secret values in messages. */
export function createLogger(
  level: string,
  base: Record<string, unknown> = {},
  destination?: pino.DestinationStream,
): Logger {
  const options = {
    level,
    base: { service: 'intercom-amplitude', ...base },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
