import { describe, expect, it } from 'vitest';
import { SECRET_VARIABLES } from '../../../src/config/env';
import { createLogger } from '../../../src/observability/logger';

function capture() {
  const lines: string[] = [];
  const logger = createLogger('debug', { process: 'test' }, { write: (line: string) => lines.push(line) });
  return { logger, lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logger', () => {
  it('writes structured JSON with the connection id', () => {
    const { logger, lines } = capture();
    logger.info({ connectionId: 'source-123' }, 'delivered');
    expect(lines()[0]).toMatchObject({
      level: 30,
      service: 'intercom-amplitude',
      process: 'test',
      connectionId: 'source-123',
      msg: 'delivered',
    });
  });

  it('censors secrets by key name, at any of the usual depths', () => {
    const { logger, lines } = capture();
    logger.warn(
      {
        token: 'tok-1',
        apiKey: 'amp-2',
        client_secret: 'cs-3',
        request: { headers: { authorization: 'Bearer tok-4' }, access_token: 'tok-5' },
        connection: { ingestKey: 'ing-6' },
      },
      'oops',
    );
    const text = JSON.stringify(lines());
    for (const secret of ['tok-1', 'amp-2', 'cs-3', 'tok-4', 'tok-5', 'ing-6']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('censors every secret setting of the environment by name, at the top level and nested', () => {
    const { logger, lines } = capture();
    const values = Object.fromEntries(SECRET_VARIABLES.map((name, i) => [name, `secret-value-${i}`]));
    logger.info({ ...values, env: { ...values, PORT: 3000 } }, 'configuration');
    const text = JSON.stringify(lines());
    for (const value of Object.values(values)) expect(text).not.toContain(value);
    expect(lines()[0]).toMatchObject({ DATABASE_URL: '[redacted]', env: { ADMIN_TOKEN: '[redacted]', PORT: 3000 } });
  });
});
