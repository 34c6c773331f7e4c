import { describe, expect, it } from 'vitest';
import { toAmplitudeEvent } from '../../../src/source/transform';
import { NOTIFIED_AT, contactV2, dataEvent, notification } from './fixtures';

describe('event topics', () => {
  it('event.created: user_id is the customer id, not intercom_user_id; metadata is lifted one level', () => {
    const result = toAmplitudeEvent(notification('event.created', dataEvent()), { identityMapping: 'user_id' });
    expect(result.kind).toBe('event');
    if (result.kind !== 'event') return;
    const { event } = result;
    expect(event.event_type).toBe('[Intercom] event.created');
    expect(event.user_id).toBe('12345');
    expect(event.time).toBe(NOTIFIED_AT * 1000);
    expect(event.event_properties).toEqual({
      intercom_topic: 'event.created',
      intercom_app_id: 'abc123def',
      intercom_notification_id: 'notif_3a00d3fc-6fb0-400c-b089-ab44f0c9c28a',
      intercom_item_id: '84ca8d44-8f2e-11e3-bbc6-6d72c14baf72',
      intercom_item_type: 'event',
      intercom_contact_id: '5c9aabdf2ddf20549a41453a',
      event_name: 'invited-friend',
      intercom_event_id: '84ca8d44-8f2e-11e3-bbc6-6d72c14baf72',
      event_created_at: '2014-02-06T12:59:31.000Z',
      metadata_invitee_email: 'pi@example.org',
      metadata_invite_code: 'ADDAFRIEND',
      metadata_order: { amount: 3450, currency: 'eur' },
    });
    expect(event).not.toHaveProperty('user_properties');
  });

  it('event.created under the email mapping uses the email as sent, trimmed only', () => {
    const result = toAmplitudeEvent(notification('event.created', dataEvent({ email: ' JerryGuitarist@Gmail.com ' })), {
      identityMapping: 'email',
    });
    expect(result).toMatchObject({ kind: 'event', identity: { userId: 'JerryGuitarist@Gmail.com', source: 'email' } });
  });

  it('truncates long strings to 1024 characters, nested ones too', () => {
    const long = 'x'.repeat(5000);
    const item = dataEvent({ metadata: { note: long, link: { url: `https://example.com/${long}`, value: 'Docs' } } });
    const result = toAmplitudeEvent(notification('event.created', item), { identityMapping: 'user_id' });
    if (result.kind !== 'event') throw new Error('expected an event');
    expect(result.event.event_properties.metadata_note).toHaveLength(1024);
    expect((result.event.event_properties.metadata_link as { url: string }).url).toHaveLength(1024);
  });

  it('an event for a lead known only by intercom_user_id is dropped', () => {
    const item = dataEvent({ user_id: null, email: null });
    expect(toAmplitudeEvent(notification('event.created', item), { identityMapping: 'email' })).toEqual({
      kind: 'dropped',
      reason: 'no_identity',
    });
  });
});

describe('unsupported topics and ping', () => {
  it.each(['company.created', 'ticket.created', 'admin.logged_in', 'content_stat.email', 'job.completed'])(
    '%s is dropped as unsupported',
    (topic) => {
      expect(toAmplitudeEvent(notification(topic, contactV2()), { identityMapping: 'email' })).toEqual({
        kind: 'dropped',
        reason: 'unsupported_topic',
      });
    },
  );

  it('ping is dropped with its own reason', () => {
    const ping = notification('ping', { type: 'ping', message: 'something something interzen' }, { id: null });
    expect(toAmplitudeEvent(ping, { identityMapping: 'email' })).toEqual({ kind: 'dropped', reason: 'ping' });
  });
});
