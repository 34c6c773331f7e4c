import { describe, expect, it } from 'vitest';
import { performSendEvent } from '../../../../../src/destination/actions/send-event/perform';
import { deliverRow } from '../../../../../src/destination/deliver-row';
import { NOW, answered, failedWith, fakeDeliveryWorld, outboxRow } from '../../../../../testkit/fake-delivery-context';

const sendAll = { sendEvents: { enabled: true, eventFilter: { allEvents: true }, eventProperties: ['plan'] } };
const purchased = {
  event_type: 'Purchased',
  user_id: 'user-42',
  time: NOW - 60_000,
  event_properties: { plan: 'pro' },
};

describe('Send Events: perform', () => {
  it('sends the event of a contact that may exist, recording it for loop prevention before the send', async () => {
    const world = fakeDeliveryWorld(sendAll);
    world.answer('sendEvent', answered(undefined, 202));
    const row = outboxRow('event', purchased);
    const result = await performSendEvent(world.ctx, row);
    expect(result.outcome).toEqual({ id: row.id, kind: 'delivered' });
    expect(world.log).toEqual(['ledger', 'sendEvent']);
    expect(world.sentEvents).toEqual([
      {
        eventName: 'purchased',
        createdAt: Math.floor((NOW - 60_000) / 1000),
        user: { field: 'external_id', value: 'user-42' },
      },
    ]);
    expect(world.calls[0]!.args[1]).toEqual({
      event_name: 'Purchased',
      created_at: Math.floor((NOW - 60_000) / 1000),
      user_id: 'user-42',
      metadata: { plan: 'pro' },
    });
    expect(world.eventTypes.active.has('purchased')).toBe(true);
    expect(world.eventTypes.used).toEqual(['purchased']);
  });

  it('parks the event when Intercom has no such contact, giving back the slot it had just taken', async () => {
    const world = fakeDeliveryWorld(sendAll);
    world.answer('sendEvent', failedWith({ status: 404, code: 'not_found', message: 'User Not Found' }));
    world.identifyHashes.set('external_id:user-42', { hash: 'h', contactId: 'c1' });
    const row = outboxRow('event', purchased);
    const result = await performSendEvent(world.ctx, row);
    expect(result.outcome).toEqual({
      id: row.id,
      kind: 'later',
      delayMs: 60_000,
      reason: 'contact_not_found',
      parked: true,
    });
    expect(result.counters).toEqual({ parked: 1 });
    expect(world.eventTypes.released).toEqual(['purchased']);
    expect(world.identities.get('external_id:user-42')).toEqual({ state: 'missing' });
    expect(world.identifyHashes.size).toBe(0);
  });

  it('parks at once, without a call, a contact known to be missing; and expires it after the longest wait', async () => {
    const world = fakeDeliveryWorld(sendAll);
    world.identities.set('external_id:user-42', { state: 'missing' });
    const waiting = outboxRow('event', purchased, { attempts: 5, parkedSince: new Date(NOW - 3_600_000) });
    expect((await performSendEvent(world.ctx, waiting)).outcome).toMatchObject({ kind: 'later', delayMs: 300_000 });
    const tooOld = outboxRow('event', purchased, { attempts: 9, parkedSince: new Date(NOW - 25 * 3_600_000) });
    expect((await performSendEvent(world.ctx, tooOld)).outcome).toEqual({
      id: tooOld.id,
      kind: 'expired',
      reason: 'contact_not_found',
    });
    expect(world.calls).toEqual([]);
  });

  it('finds the contact by email and sends by its id (one email can match a lead and a user)', async () => {
    const world = fakeDeliveryWorld({
      ...sendAll,
      mapping: { intercomUser: 'email', from: { kind: 'user_property', name: 'email' } },
    });
    world.answer(
      'searchContacts',
      answered({
        type: 'list',
        data: [
          { type: 'contact', id: 'lead-1', role: 'lead' },
          { type: 'contact', id: 'user-1', role: 'user' },
        ],
      }),
    );
    world.answer('sendEvent', answered(undefined, 202));
    const row = outboxRow('event', { ...purchased, user_properties: { email: 'Ada@Example.com' } });
    expect((await performSendEvent(world.ctx, row)).outcome.kind).toBe('delivered');
    expect(world.calls[0]!.args[1]).toEqual({ field: 'email', operator: '=', value: 'ada@example.com' });
    expect(world.calls[1]!.args[1]).toMatchObject({ id: 'user-1' });
    expect(world.calls[1]!.args[1]).not.toHaveProperty('email');
  });

  it("skips events past the workspace's event-name cap, and remembers a name Intercom refused", async () => {
    const world = fakeDeliveryWorld(sendAll);
    world.answer(
      'sendEvent',
      failedWith({ status: 422, code: '422', message: 'Cannot have more than 120 active event names' }),
    );
    const row = outboxRow('event', purchased);
    expect((await performSendEvent(world.ctx, row)).outcome).toEqual({
      id: row.id,
      kind: 'skipped',
      reason: 'event_type_limit',
    });
    expect(world.eventTypes.rejected.has('purchased')).toBe(true);
    expect((await performSendEvent(world.ctx, outboxRow('event', purchased))).outcome).toMatchObject({
      kind: 'skipped',
      reason: 'event_type_limit',
    });
    expect(world.calls).toHaveLength(1);
  });

  it('skips what the settings leave out, with the reason', async () => {
    const world = fakeDeliveryWorld({ sendEvents: { enabled: true, eventFilter: { eventTypes: ['Signed Up'] } } });
    expect((await performSendEvent(world.ctx, outboxRow('event', purchased))).outcome).toMatchObject({
      kind: 'skipped',
      reason: 'filtered_out',
    });
  });
});

describe('Send Events: failed calls (src/outcomes.ts)', () => {
  it('waits out a rate limit as long as Intercom says, however old the row', async () => {
    const world = fakeDeliveryWorld(sendAll);
    world.answer('sendEvent', failedWith({ status: 429 }, { resetAt: NOW + 7_000 }));
    const old = outboxRow('event', purchased, { receivedAt: new Date(NOW - 10 * 3_600_000) });
    const result = await performSendEvent(world.ctx, old);
    expect(result.outcome).toMatchObject({ kind: 'later', delayMs: 7_000, reason: 'rate_limited' });
    expect(result.counters).toEqual({ retried: 1 });
  });

  it('backs off while Intercom fails, then expires the row once the retry window has passed', async () => {
    const world = fakeDeliveryWorld(sendAll);
    world.answer('sendEvent', failedWith({ status: 503 }), failedWith({ status: 503 }));
    const third = outboxRow('event', purchased, { attempts: 3 });
    expect((await performSendEvent(world.ctx, third)).outcome).toMatchObject({
      kind: 'later',
      delayMs: 20_000,
      reason: 'intercom_unavailable',
      error: 'Intercom answered 503:',
    });
    const old = outboxRow('event', purchased, { receivedAt: new Date(NOW - 5 * 3_600_000) });
    expect((await performSendEvent(world.ctx, old)).outcome).toMatchObject({
      kind: 'expired',
      reason: 'delivery_failed',
    });
  });

  it('skips a refused event with what Intercom said, and reports a revoked token as the sync error', async () => {
    const world = fakeDeliveryWorld(sendAll);
    world.answer(
      'sendEvent',
      failedWith({ status: 400, code: 'parameter_invalid', message: 'bad metadata' }),
      failedWith({ status: 401, code: 'token_revoked' }),
    );
    expect((await performSendEvent(world.ctx, outboxRow('event', purchased))).outcome).toMatchObject({
      kind: 'skipped',
      reason: 'intercom_rejected',
      error: 'Intercom answered 400: parameter_invalid bad metadata',
    });
    const revoked = await performSendEvent(world.ctx, outboxRow('event', purchased));
    expect(revoked.authRevoked).toBe(true);
    expect(revoked.outcome).toMatchObject({ kind: 'later', delayMs: 60_000, reason: 'auth_revoked' });
  });

  it('a failed contact search ends the row through deliverRow, as the failure says', async () => {
    const world = fakeDeliveryWorld({
      ...sendAll,
      mapping: { intercomUser: 'email', from: { kind: 'user_property', name: 'email' } },
    });
    world.answer('searchContacts', failedWith({ status: 502 }));
    const row = outboxRow('event', { ...purchased, user_properties: { email: 'ada@example.com' } });
    expect((await deliverRow(world.ctx, row)).outcome).toMatchObject({ kind: 'later', reason: 'intercom_unavailable' });
    expect(world.calls.map((c) => c.method)).toEqual(['searchContacts']);
  });
});
