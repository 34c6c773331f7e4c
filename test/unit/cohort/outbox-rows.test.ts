import { describe, expect, it } from 'vitest';
import { membershipInsertId, outboxRowsForMemberships } from '../../../src/cohort/outbox-rows';
import { parseCohortPayload, type ParsedCohortPayload } from '../../../src/cohort/webhook-payload';
import { outboxRowsForEvents } from '../../../src/destination/ingest';

const receivedAt = new Date('2026-01-14T12:00:00Z');

function parsed(body: unknown): ParsedCohortPayload {
  const result = parseCohortPayload(body);
  if (!result.ok) throw new Error(result.error);
  return result;
}

const batch = (changes: Record<string, unknown> = {}) =>
  parsed({
    cohort_name: 'Power users',
    cohort_id: '7khm89cz',
    in_cohort: true,
    computed_time: '1692206763',
    message_id: '9baaa88f-9d46-4ee5-a946-be0c6aea0046::enter::0',
    users: [{ user_id: 'u1', user_properties: { email: 'ann@acme.io' } }, { user_id: 'u2' }],
    ...changes,
  });

const insertIds = (payload: ParsedCohortPayload, requestId = 'req-1') =>
  outboxRowsForMemberships('sync-1', payload, { receivedAt, requestId }).map((r) => r.insertId);

describe('cohort membership outbox rows', () => {
  it('one row per change: kind membership, the user’s key, computed time as event time, the change as payload', () => {
    const rows = outboxRowsForMemberships('sync-1', batch(), { receivedAt, requestId: 'req-1' });
    expect(rows).toEqual([
      {
        connectionId: 'sync-1',
        insertId: expect.stringMatching(/^membership-[0-9a-f]{64}$/),
        kind: 'membership',
        payload: {
          cohortId: '7khm89cz',
          cohortName: 'Power users',
          userId: 'u1',
          inCohort: true,
          messageId: '9baaa88f-9d46-4ee5-a946-be0c6aea0046::enter::0',
          computedTime: 1692206763,
          userProperties: { email: 'ann@acme.io' },
        },
        userKey: 'user:u1',
        eventTime: new Date(1692206763 * 1000),
      },
      expect.objectContaining({ userKey: 'user:u2', payload: expect.objectContaining({ userId: 'u2' }) }),
    ]);
    // The payload column is JSON: the null-prototype properties survive the round trip.
    expect(JSON.parse(JSON.stringify(rows[0]!.payload)).userProperties).toEqual({ email: 'ann@acme.io' });
  });

  it('a retried batch (same message_id) gets the same insert ids, whatever request it came in', () => {
    expect(insertIds(batch(), 'req-1')).toEqual(insertIds(batch(), 'req-2'));
  });

  it('the insert id changes with the message, the user, the direction and the cohort', () => {
    const [u1] = insertIds(batch());
    const variants = [
      insertIds(batch({ message_id: '9baaa88f-9d46-4ee5-a946-be0c6aea0046::enter::1' }))[0],
      insertIds(batch({ users: [{ user_id: 'u3' }] }))[0],
      insertIds(batch({ in_cohort: false }))[0],
      insertIds(batch({ cohort_id: 'gs72ns' }))[0],
    ];
    expect(new Set([u1, ...variants]).size).toBe(5);
  });

  it('ids cannot be confused by separators inside the values', () => {
    // Joined with a separator these two would be the same text: 7khm89cz|message:m|a|b|true.
    const change = { cohortId: '7khm89cz', cohortName: 'n', inCohort: true, computedTime: 1 };
    const a = membershipInsertId({ ...change, messageId: 'm', userId: 'a|b' }, 'r');
    const b = membershipInsertId({ ...change, messageId: 'm|a', userId: 'b' }, 'r');
    expect(a).not.toBe(b);
  });

  it('uses the same user key as the destination’s event rows, so an identify releases the user’s parked changes', () => {
    const [membership] = outboxRowsForMemberships('sync-1', batch(), { receivedAt, requestId: 'req-1' });
    const [event] = outboxRowsForEvents('sync-1', [{ event_type: 'Signed up', user_id: 'u1' }], receivedAt);
    expect(membership!.userKey).toBe(event!.userKey);
  });

  it('property-based payloads have no message id: each request is its own, stamped with the time it arrived', () => {
    const identify = parsed({ type: 'identify', userId: 'u1', traits: { '[Amplitude] Power users: 7khm89cz': false } });
    const first = outboxRowsForMemberships('sync-1', identify, { receivedAt, requestId: 'req-1' });
    const second = outboxRowsForMemberships('sync-1', identify, { receivedAt, requestId: 'req-2' });
    expect(first[0]).toMatchObject({
      kind: 'membership',
      userKey: 'user:u1',
      eventTime: receivedAt,
      payload: { cohortId: '7khm89cz', inCohort: false, messageId: null, computedTime: null },
    });
    expect(first[0]!.insertId).not.toBe(second[0]!.insertId);
    expect(outboxRowsForMemberships('sync-1', identify, { receivedAt, requestId: 'req-1' })[0]!.insertId).toBe(
      first[0]!.insertId,
    );
  });
});
