import { describe, expect, it } from 'vitest';
import {
  classifyIntercomResponse,
  conflictContactId,
  isAuthRevoked,
  isEventTypeLimit,
  isUserNotFound,
  parseIntercomError,
  rateLimitFromHeaders,
} from '../../../src/intercom/errors';

const errorList = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'error.list', request_id: 'req-1', errors: [{ code, message, ...extra }] });

describe('parseIntercomError', () => {
  it('reads the first entry of an error.list with its request id and field', () => {
    expect(parseIntercomError(400, errorList('parameter_invalid', 'Email is invalid', { field: 'email' }))).toEqual({
      status: 400,
      code: 'parameter_invalid',
      message: 'Email is invalid',
      requestId: 'req-1',
      field: 'email',
    });
  });

  it('reads the bare {code, message} shape, with numeric-looking codes kept as strings', () => {
    expect(parseIntercomError(422, '{"code":"422","message":"Cannot have more than 120 active event names"}')).toEqual({
      status: 422,
      code: '422',
      message: 'Cannot have more than 120 active event names',
    });
    expect(parseIntercomError(422, '{"code":422,"message":"x"}').code).toBe('422');
  });

  it('tolerates empty, non-JSON and odd bodies', () => {
    expect(parseIntercomError(202, '')).toEqual({ status: 202 });
    expect(parseIntercomError(502, null)).toEqual({ status: 502 });
    expect(parseIntercomError(502, '<html>Bad Gateway</html>')).toEqual({
      status: 502,
      message: '<html>Bad Gateway</html>',
    });
    expect(parseIntercomError(500, '"oops"')).toEqual({ status: 500 });
    expect(parseIntercomError(500, '{"type":"error.list","errors":[]}')).toEqual({ status: 500 });
    expect(parseIntercomError(503, 'x'.repeat(2_000)).message).toHaveLength(500);
  });
});

describe('conflictContactId', () => {
  it('extracts the id of the contact that already exists', () => {
    expect(
      conflictContactId('A contact matching those details already exists with id=5f8a1b2c3d4e5f6a7b8c9d0e'),
    ).toEqual({
      id: '5f8a1b2c3d4e5f6a7b8c9d0e',
      archived: false,
    });
  });

  it('flags an archived match', () => {
    expect(conflictContactId('An archived contact matching those details already exists with id=abc123')).toEqual({
      id: 'abc123',
      archived: true,
    });
  });

  it('returns undefined for other messages', () => {
    expect(conflictContactId('Conflict')).toBeUndefined();
    expect(conflictContactId(undefined)).toBeUndefined();
  });
});

describe('predicates', () => {
  it('isEventTypeLimit recognises the active-event-name cap whatever the configured number', () => {
    expect(
      isEventTypeLimit({ status: 422, code: '422', message: 'Cannot have more than 120 active event names' }),
    ).toBe(true);
    expect(isEventTypeLimit({ status: 422, message: 'Cannot have more than 3 active event names' })).toBe(true);
    expect(isEventTypeLimit({ status: 422, message: 'Something else' })).toBe(false);
  });

  it('isUserNotFound needs a 404 about a user', () => {
    expect(isUserNotFound({ status: 404, code: 'not_found', message: 'User Not Found' })).toBe(true);
    expect(isUserNotFound({ status: 404, code: 'not_found', message: 'Resource Not Found' })).toBe(false);
    expect(isUserNotFound({ status: 400, message: 'User Not Found' })).toBe(false);
  });

  it('isAuthRevoked covers the 401 codes that mean the installation is gone', () => {
    for (const code of ['token_revoked', 'token_unauthorized', 'unauthorized', 'token_not_found', undefined]) {
      expect(isAuthRevoked({ status: 401, code }), String(code)).toBe(true);
    }
    expect(isAuthRevoked({ status: 401, code: 'intercom_version_invalid' })).toBe(false);
    expect(isAuthRevoked({ status: 403, code: 'unauthorized' })).toBe(false);
  });
});

describe('rateLimitFromHeaders', () => {
  it('reads fetch Headers and converts the reset to epoch milliseconds', () => {
    const headers = new Headers({
      'X-RateLimit-Limit': '10000',
      'X-RateLimit-Remaining': '1665',
      'X-RateLimit-Reset': '1768392010',
    });
    expect(rateLimitFromHeaders(headers)).toEqual({ limit: 10000, remaining: 1665, resetAt: 1768392010000 });
  });

  it('reads plain header objects in any case and skips missing or garbled values', () => {
    expect(
      rateLimitFromHeaders({ 'x-ratelimit-limit': ['60'], 'X-RATELIMIT-REMAINING': 0, 'x-ratelimit-reset': 'soon' }),
    ).toEqual({
      limit: 60,
      remaining: 0,
    });
    expect(rateLimitFromHeaders({})).toEqual({});
  });
});

describe('classifyIntercomResponse', () => {
  const unavailable = { kind: 'retry_after', reason: 'intercom_unavailable' };
  const refused = { kind: 'rejected', reason: 'intercom_rejected' };
  it.each([
    [200, undefined, { kind: 'ok' }],
    [202, undefined, { kind: 'ok' }],
    [0, undefined, unavailable],
    [408, undefined, unavailable],
    [500, undefined, unavailable],
    [503, undefined, unavailable],
    [429, undefined, { kind: 'retry_after', reason: 'rate_limited', delayMs: 10_000 }],
    [404, { status: 404, code: 'not_found', message: 'User Not Found' }, { kind: 'not_found' }],
    [410, { status: 410, code: 'contact_merged' }, { kind: 'not_found' }],
    [
      409,
      { status: 409, code: 'conflict', message: 'A contact matching those details already exists with id=1' },
      refused,
    ],
    [
      422,
      { status: 422, code: '422', message: 'Cannot have more than 120 active event names' },
      { kind: 'rejected', reason: 'event_type_limit' },
    ],
    [422, { status: 422, code: 'parameter_invalid', message: 'Bad' }, refused],
    [401, { status: 401, code: 'token_revoked' }, { kind: 'auth_revoked' }],
    [401, undefined, { kind: 'auth_revoked' }],
    [401, { status: 401, code: 'intercom_version_invalid' }, refused],
    [400, { status: 400, code: 'parameter_invalid' }, refused],
    [403, { status: 403, code: 'api_plan_restricted' }, refused],
  ] as const)('%i %o → %o', (status, error, outcome) => {
    expect(classifyIntercomResponse(status, error)).toMatchObject(outcome);
  });

  it('waits until the rate-limit window resets, at least a second', () => {
    const now = 1_768_392_000_000;
    expect(classifyIntercomResponse(429, undefined, { resetAt: now + 7_000 }, now)).toMatchObject({ delayMs: 7_000 });
    expect(classifyIntercomResponse(429, undefined, { resetAt: now - 5_000 }, now)).toMatchObject({ delayMs: 1_000 });
  });

  it('says what Intercom answered, or that it did not', () => {
    expect(classifyIntercomResponse(409, { status: 409, code: 'conflict', message: 'exists' })).toMatchObject({
      message: 'Intercom answered 409: conflict exists',
    });
    expect(classifyIntercomResponse(0, { status: 0, message: 'request timed out' })).toMatchObject({
      message: 'Intercom did not answer: request timed out',
    });
  });
});
