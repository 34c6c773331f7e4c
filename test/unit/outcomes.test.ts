import { describe, expect, it } from 'vitest';
import {
  FAILURE_TYPES,
  NON_RETRYABLE_FAILURE_TYPES,
  parkedRow,
  rowBehaviourFor,
  toApplicationFailure,
  type CallFailure,
} from '../../src/outcomes';

const NOW = 1_800_000_000_000;
const policy = { retryWindowMs: 3_600_000, backoffMs: (attempts: number) => attempts * 1_000 };
const row = (overrides: { attempts?: number; ageMs?: number; parkedForMs?: number } = {}) => ({
  id: 7,
  attempts: overrides.attempts ?? 2,
  receivedAt: new Date(NOW - (overrides.ageMs ?? 1_000)),
  parkedSince: overrides.parkedForMs === undefined ? null : new Date(NOW - overrides.parkedForMs),
});

describe('rowBehaviourFor', () => {
  it("waits as long as the service asked, whatever the row's age", () => {
    const failure: CallFailure = { kind: 'retry_after', reason: 'rate_limited', delayMs: 7_000, message: 'm' };
    expect(rowBehaviourFor(row({ ageMs: 10 * 3_600_000 }), failure, policy, NOW)).toEqual({
      outcome: { id: 7, kind: 'later', delayMs: 7_000, reason: 'rate_limited', error: 'm' },
    });
  });

  it('backs off without a requested wait, then expires past the retry window', () => {
    const failure: CallFailure = { kind: 'retry_after', reason: 'intercom_unavailable', message: '503' };
    expect(rowBehaviourFor(row({ attempts: 3 }), failure, policy, NOW).outcome).toEqual({
      id: 7,
      kind: 'later',
      delayMs: 3_000,
      reason: 'intercom_unavailable',
      error: '503',
    });
    expect(rowBehaviourFor(row({ ageMs: 3_600_001 }), failure, policy, NOW).outcome).toEqual({
      id: 7,
      kind: 'expired',
      reason: 'delivery_failed',
      error: '503',
    });
  });

  it('skips a refused row with its reason, and an unexpected not-found as not_found', () => {
    expect(rowBehaviourFor(row(), { kind: 'rejected', reason: 'x_refused', message: 'no' }, policy, NOW)).toEqual({
      outcome: { id: 7, kind: 'skipped', reason: 'x_refused', error: 'no' },
    });
    expect(rowBehaviourFor(row(), { kind: 'not_found', message: '404' }, policy, NOW).outcome).toMatchObject({
      kind: 'skipped',
      reason: 'not_found',
    });
  });

  it('holds a row whose token was revoked, as a connection error', () => {
    expect(rowBehaviourFor(row(), { kind: 'auth_revoked', message: '401' }, policy, NOW)).toEqual({
      outcome: { id: 7, kind: 'later', delayMs: 60_000, reason: 'auth_revoked', error: '401' },
      connectionError: true,
    });
  });
});

describe('parkedRow', () => {
  const park = { scheduleMs: [60_000, 300_000, 900_000], maxAgeMs: 86_400_000 };

  it('follows the park schedule by attempt, repeating its last step', () => {
    expect(parkedRow(row({ attempts: 1 }), park, NOW)).toMatchObject({ kind: 'later', delayMs: 60_000, parked: true });
    expect(parkedRow(row({ attempts: 2, parkedForMs: 60_000 }), park, NOW)).toMatchObject({ delayMs: 300_000 });
    expect(parkedRow(row({ attempts: 9, parkedForMs: 3_600_000 }), park, NOW)).toMatchObject({ delayMs: 900_000 });
  });

  it('expires as contact_not_found once parked for the maximum age', () => {
    expect(parkedRow(row({ attempts: 30, parkedForMs: 86_400_000 }), park, NOW)).toEqual({
      id: 7,
      kind: 'expired',
      reason: 'contact_not_found',
    });
  });
});

describe('toApplicationFailure', () => {
  it('lets Temporal retry a retry-after, after the requested wait when there is one', () => {
    const paced = toApplicationFailure({
      kind: 'retry_after',
      reason: 'rate_limited',
      delayMs: 5_000,
      message: 'slow',
    });
    expect(paced).toMatchObject({ type: FAILURE_TYPES.retryAfter, nonRetryable: false, message: 'slow' });
    expect(paced.nextRetryDelay).toBe(5_000);
    const down = toApplicationFailure({ kind: 'retry_after', reason: 'intercom_unavailable', message: '503' });
    expect(down).toMatchObject({ type: FAILURE_TYPES.retryAfter, nonRetryable: false });
    expect(down.nextRetryDelay).toBeUndefined();
  });

  it('fails for good on a refusal, a revoked token or a missing object, with types the retry policies name', () => {
    const failures: CallFailure[] = [
      { kind: 'rejected', reason: 'intercom_rejected', message: '400' },
      { kind: 'auth_revoked', message: '401' },
      { kind: 'not_found', message: '404' },
    ];
    for (const failure of failures) {
      const converted = toApplicationFailure(failure);
      expect(converted.nonRetryable, failure.kind).toBe(true);
      expect(NON_RETRYABLE_FAILURE_TYPES).toContain(converted.type);
    }
    expect(NON_RETRYABLE_FAILURE_TYPES).not.toContain(FAILURE_TYPES.retryAfter);
  });
});
