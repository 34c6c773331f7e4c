import { describe, expect, it } from 'vitest';
import { toIntercomEvent } from '../../../../../src/destination/actions/send-event/to-intercom-event';
import type { IngestedEvent } from '../../../../../src/destination/ingested-event';
import { destinationSettingsSchema, type DestinationSettingsInput } from '../../../../../src/destination/settings';

const options = { metadataKeyLimit: 10, receivedAtMs: 1_700_000_999_999 };

const settings = (input: DestinationSettingsInput = {}) =>
  destinationSettingsSchema.parse({
    sendEvents: { enabled: true, eventFilter: { eventTypes: ['Order.Completed'] }, eventProperties: ['plan', 'price'] },
    status: 'enabled',
    ...input,
  });

const event: IngestedEvent = {
  event_type: 'Order.Completed',
  user_id: 'user-42',
  time: 1_700_000_000_789,
  event_properties: { plan: 'pro', price: { amount: 4900, currency: 'usd' }, internal: 'x' },
  user_properties: { email: 'Ada@Example.com' },
};

describe('toIntercomEvent', () => {
  it('builds an Intercom data event for a selected event', () => {
    expect(toIntercomEvent(event, settings(), options)).toEqual({
      ok: true,
      body: {
        event_name: 'Order.Completed',
        created_at: 1_700_000_000,
        user_id: 'user-42',
        metadata: { plan: 'pro', price: { amount: 4900, currency: 'usd' } },
      },
      user: { field: 'external_id', value: 'user-42' },
      eventTypeKey: 'order-completed',
      cutKeys: [],
      droppedKeys: [],
    });
  });

  it('addresses the contact by email when mapped to email', () => {
    const result = toIntercomEvent(
      event,
      settings({ mapping: { intercomUser: 'email', from: { kind: 'user_property', name: 'email' } } }),
      options,
    );
    expect(result.ok && result.body).toMatchObject({ email: 'ada@example.com' });
    expect(result.ok && 'user_id' in result.body).toBe(false);
  });

  it('falls back to the receive time when the event has none, in whole seconds', () => {
    const result = toIntercomEvent({ ...event, time: undefined }, settings(), options);
    expect(result.ok && result.body.created_at).toBe(1_700_000_999);
  });

  it('omits metadata when no selected property is present', () => {
    const result = toIntercomEvent({ ...event, event_properties: { internal: 'x' } }, settings(), options);
    expect(result.ok && result.body).toEqual({
      event_name: 'Order.Completed',
      created_at: 1_700_000_000,
      user_id: 'user-42',
    });
  });

  it('reports metadata keys cut by the limit', () => {
    const result = toIntercomEvent(event, settings(), { ...options, metadataKeyLimit: 1 });
    expect(result.ok && result.body.metadata).toEqual({ plan: 'pro' });
    expect(result.ok && result.cutKeys).toEqual(['price']);
  });

  it.each(['$identify', '$groupidentify', '_all', '_identify'])('never sends %s as an event', (eventType) => {
    const all = settings({ sendEvents: { enabled: true, eventFilter: { allEvents: true } } });
    expect(toIntercomEvent({ ...event, event_type: eventType }, all, options)).toEqual({
      ok: false,
      reason: 'reserved_event_type',
    });
  });

  it('sends nothing while Send Events is off', () => {
    expect(
      toIntercomEvent(event, settings({ sendEvents: { enabled: false, eventFilter: { allEvents: true } } }), options),
    ).toEqual({
      ok: false,
      reason: 'send_events_disabled',
    });
  });

  it('sends nothing when no event type is selected', () => {
    expect(toIntercomEvent(event, settings({ sendEvents: { enabled: true } }), options)).toEqual({
      ok: false,
      reason: 'filtered_out',
    });
  });

  it('filters out events failing a property condition', () => {
    const filtered = settings({
      sendEvents: {
        enabled: true,
        eventFilter: {
          eventTypes: ['Order.Completed'],
          conditions: [{ property: 'plan', scope: 'event', operator: 'is', values: ['basic'] }],
        },
      },
    });
    expect(toIntercomEvent(event, filtered, options)).toEqual({ ok: false, reason: 'filtered_out' });
  });

  it('skips anonymous events and events with an unusable email', () => {
    expect(toIntercomEvent({ ...event, user_id: undefined, device_id: 'd-1' }, settings(), options)).toEqual({
      ok: false,
      reason: 'missing_identity',
    });
    expect(toIntercomEvent(event, settings({ mapping: { intercomUser: 'email' } }), options)).toEqual({
      ok: false,
      reason: 'invalid_email',
    });
  });
});
