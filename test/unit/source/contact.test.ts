import { describe, expect, it } from 'vitest';
import type { AmplitudeEvent } from '../../../src/amplitude/protocol/event';
import { toAmplitudeEvent } from '../../../src/source/transform';
import { type EventNaming } from '../../../src/source/connection-settings';
import { type IdentityMapping } from '../../../src/source/identity';
import { NOTIFIED_AT, contactV2, leadV1, notification, userV1 } from './fixtures';

function transformed(
  topic: string,
  item: Record<string, unknown>,
  identityMapping: IdentityMapping = 'user_id',
  eventNaming: EventNaming = 'as_sent',
) {
  const result = toAmplitudeEvent(notification(topic, item), { identityMapping, eventNaming });
  if (result.kind !== 'event') throw new Error(`expected an event, got dropped: ${result.reason}`);
  return result;
}

describe('user topics', () => {
  it('contact.user.created (2.x): external_id is the user id; ISO timestamps become ISO UTC properties', () => {
    const { event, identity } = transformed('contact.user.created', contactV2());
    expect(identity).toEqual({ userId: 'u-1055', source: 'user_id' });
    expect(event).toMatchObject({
      event_type: '[Intercom] contact.user.created',
      user_id: 'u-1055',
      time: NOTIFIED_AT * 1000,
    });
    expect(event).not.toHaveProperty('device_id');
    expect(event.event_properties).toEqual({
      intercom_topic: 'contact.user.created',
      intercom_app_id: 'abc123def',
      intercom_notification_id: 'notif_3a00d3fc-6fb0-400c-b089-ab44f0c9c28a',
      intercom_item_id: '6961d43b372591e999b3ea56',
      intercom_item_type: 'contact',
      intercom_contact_id: '6961d43b372591e999b3ea56',
      contact_id: '6961d43b372591e999b3ea56',
      contact_role: 'user',
      contact_created_at: '2026-01-10T04:23:23.215Z',
      contact_updated_at: '2026-01-10T04:39:55.465Z',
      signed_up_at: '2026-01-10T04:23:20.000Z',
      location_country: 'United Kingdom',
      location_country_code: 'GBR',
      location_region: 'England',
      location_city: 'London',
      tag_ids: ['12934044'],
      company_ids: ['6961d37afb9d13c23f871b6d'],
      unsubscribed_from_emails: false,
      has_hard_bounced: false,
      marked_email_as_spam: false,
      browser: 'chrome',
      os: 'OS X',
      utm_source: 'newsletter',
    });
    expect(event.user_properties).toEqual({
      email: 'Ada.Lovelace@Example.com',
      name: 'Ada Lovelace',
      intercom_role: 'user',
      intercom_contact_id: '6961d43b372591e999b3ea56',
    });
    const general: AmplitudeEvent = event; // what the delivery side sends
    expect(general.insert_id).toMatch(/^intercom-[0-9a-f]{32}$/);
  });

  it('user.created (1.x) keeps its name and is read from the legacy shape', () => {
    const { event } = transformed('user.created', userV1());
    expect(event.event_type).toBe('[Intercom] user.created');
    expect(transformed('user.created', userV1(), 'user_id', 'normalized').event.event_type).toBe(
      '[Intercom] contact.user.created',
    );
    expect(event.user_id).toBe('25');
    expect(event.event_properties).toMatchObject({
      intercom_topic: 'user.created',
      contact_role: 'user',
      location_country: 'Canada',
      location_city: "St. John's",
      location_country_code: 'CAN',
      tags: ['developer'],
      tag_ids: ['2525085'],
      company_ids: ['5c9ab3e78cd7330140ce5034'],
      session_count: 3,
      signed_up_at: '2014-02-18T13:48:51.000Z',
    });
    expect(event.event_properties).not.toHaveProperty('last_seen_at');
  });

  it('contact.user.updated (2.x) uses the email mapping when asked', () => {
    const { event, identity } = transformed('contact.user.updated', contactV2(), 'email');
    expect(event.event_type).toBe('[Intercom] contact.user.updated');
    expect(identity).toEqual({ userId: 'Ada.Lovelace@Example.com', source: 'email' });
  });

  it('keeps phone numbers and names out of event properties', () => {
    const serialized = JSON.stringify(transformed('user.created', userV1()).event.event_properties);
    expect(serialized).not.toContain('2345570987');
    expect(serialized).not.toContain('Aaron Smith');
  });
});

describe('contact topics', () => {
  it('contact.created (1.x lead): role lead; its anonymous user_id never becomes the user id', () => {
    expect(toAmplitudeEvent(notification('contact.created', leadV1()), { identityMapping: 'user_id' })).toEqual({
      kind: 'dropped',
      reason: 'no_identity',
    });
    const { event } = transformed('contact.created', leadV1(), 'email');
    expect(event.event_type).toBe('[Intercom] contact.created');
    expect(transformed('contact.created', leadV1(), 'email', 'normalized').event.event_type).toBe(
      '[Intercom] contact.lead.created',
    );
    expect(event.user_id).toBe('aaron@zulip.com');
    expect(event.event_properties).toMatchObject({
      contact_role: 'lead',
      contact_updated_at: '2019-03-23T22:20:52.000Z',
    });
    expect(event.user_properties).toMatchObject({ intercom_role: 'lead', email: 'aaron@zulip.com' });
    expect(event.user_properties).not.toHaveProperty('name');
  });

  it('contact.lead.created (2.x) reads role from the item', () => {
    const { event } = transformed('contact.lead.created', contactV2({ role: 'lead', external_id: null }), 'email');
    expect(event.event_type).toBe('[Intercom] contact.lead.created');
    expect(event.user_id).toBe('Ada.Lovelace@Example.com');
    expect(event.event_properties.contact_role).toBe('lead');
  });

  it('contact.signed_up (1.x) without a user id is dropped under the user_id mapping and kept under email', () => {
    const item = userV1({ user_id: null, email: 'iago@zulip.com' });
    expect(toAmplitudeEvent(notification('contact.signed_up', item), { identityMapping: 'user_id' })).toEqual({
      kind: 'dropped',
      reason: 'no_identity',
    });
    const { event } = transformed('contact.signed_up', item, 'email', 'normalized');
    expect(event.event_type).toBe('[Intercom] contact.lead.signed_up');
    expect(event.user_id).toBe('iago@zulip.com');
  });

  it('user.email.updated (1.x) becomes contact.email.updated when normalising', () => {
    expect(transformed('user.email.updated', userV1(), 'user_id', 'normalized').event.event_type).toBe(
      '[Intercom] contact.email.updated',
    );
  });

  it('user.deleted (1.x minimal payload) means archived: contact.archived when normalising, no user properties', () => {
    const item = {
      type: 'user',
      id: '5c9553cb27e377f24eed49f7',
      user_id: '75067020-1204-495c-8edc-abb7d88bdd43',
      email: 'jerryguitarist@gmail.com',
    };
    const { event } = transformed('user.deleted', item, 'user_id', 'normalized');
    expect(event.event_type).toBe('[Intercom] contact.archived');
    expect(event.event_properties.intercom_topic).toBe('user.deleted');
    expect(event.user_id).toBe('75067020-1204-495c-8edc-abb7d88bdd43');
    expect(event).not.toHaveProperty('user_properties');
  });

  it('contact.deleted (2.x minimal payload) reports the deletion and sets no user properties', () => {
    const item = { id: '696122fb2591e0cadd20073a', external_id: '1', type: 'contact', deleted: true };
    const { event } = transformed('contact.deleted', item);
    expect(event.user_id).toBe('1');
    expect(event.event_properties).toMatchObject({ contact_id: '696122fb2591e0cadd20073a', contact_deleted: true });
    // A 2.x minimal payload says neither role nor type of person: nothing is made up.
    expect(event.event_properties).not.toHaveProperty('contact_role');
    expect(event).not.toHaveProperty('user_properties');
  });

  it('contact.archived (2.x minimal payload) sets no user properties either', () => {
    const item = { id: '696122fb2591e0cadd20073a', external_id: '1', type: 'contact', archived: true };
    const { event } = transformed('contact.archived', item);
    expect(event.user_id).toBe('1');
    expect(event).not.toHaveProperty('user_properties');
  });
});

describe('visitor topics', () => {
  it('visitor.signed_up reads the signed-up user', () => {
    const item = userV1({
      id: '6961e6de046e053d93e4da0b',
      user_id: 'fixture-user-1',
      email: 'fixture_user_1@example.com',
    });
    const { event } = transformed('visitor.signed_up', item);
    expect(event.event_type).toBe('[Intercom] visitor.signed_up');
    expect(event.user_id).toBe('fixture-user-1');
    expect(event.event_properties).toMatchObject({
      intercom_topic: 'visitor.signed_up',
      contact_id: '6961e6de046e053d93e4da0b',
    });
  });
});
