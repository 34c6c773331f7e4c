import { describe, expect, it } from 'vitest';
import { toAmplitudeEvent } from '../../../src/source/transform';
import { type EventNaming } from '../../../src/source/connection-settings';
import { type IdentityMapping } from '../../../src/source/identity';
import { TAG, contactTagV1, contactTagV2, contactV2, notification, userTagV1, userV1 } from './fixtures';

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

describe('contact tag topics', () => {
  it('contact.lead.tag.created (2.x): the tagged contact is the user; tag id and name are properties', () => {
    const { event } = transformed('contact.lead.tag.created', contactTagV2(), 'email');
    expect(event.event_type).toBe('[Intercom] contact.lead.tag.created');
    expect(event.user_id).toBe('Ada.Lovelace@Example.com');
    expect(event.event_properties).toMatchObject({
      intercom_item_type: 'contact_tag',
      tag_id: '12934044',
      tag_name: 'Feature Request',
      contact_id: '6961d43b372591e999b3ea56',
      contact_role: 'lead',
    });
    expect(event.event_properties).not.toHaveProperty('tagged_at');
    expect(event).not.toHaveProperty('user_properties');
  });

  it("a tagged lead's id is never a user id (2.x external_id and 1.x user_id of leads alike)", () => {
    for (const [topic, item] of [
      ['contact.lead.tag.created', contactTagV2()],
      ['contact.tag.created', contactTagV1()],
    ] as const) {
      expect(toAmplitudeEvent(notification(topic, item), { identityMapping: 'user_id' })).toEqual({
        kind: 'dropped',
        reason: 'no_identity',
      });
    }
  });

  it('contact.tag.created (1.x) is renamed when normalising and reads the legacy lead', () => {
    expect(transformed('contact.tag.created', contactTagV1(), 'email').event.event_type).toBe(
      '[Intercom] contact.tag.created',
    );
    const { event } = transformed('contact.tag.created', contactTagV1(), 'email', 'normalized');
    expect(event.event_type).toBe('[Intercom] contact.lead.tag.created');
    expect(event.user_id).toBe('aaron@zulip.com');
    expect(event.event_properties).toMatchObject({
      intercom_topic: 'contact.tag.created',
      contact_role: 'lead',
      tagged_at: '2019-03-22T21:52:02.000Z',
    });
  });

  it('contact.tag.deleted (1.x) becomes contact.lead.tag.deleted when normalising', () => {
    expect(transformed('contact.tag.deleted', contactTagV1(), 'email', 'normalized').event.event_type).toBe(
      '[Intercom] contact.lead.tag.deleted',
    );
  });
});

describe('user tag topics', () => {
  it('user.tag.created (1.x user_tag item) keeps its name, or becomes contact.user.tag.created when normalising', () => {
    expect(transformed('user.tag.created', userTagV1()).event.event_type).toBe('[Intercom] user.tag.created');
    const { event } = transformed('user.tag.created', userTagV1(), 'user_id', 'normalized');
    expect(event.event_type).toBe('[Intercom] contact.user.tag.created');
    expect(event.user_id).toBe('25');
    expect(event.event_properties).toMatchObject({
      intercom_item_type: 'user_tag',
      tag_id: TAG.id,
      tag_name: TAG.name,
      contact_id: '5c9ab3e78cd7330140ce5033',
      contact_role: 'user',
      tagged_by_admin_id: '1957471',
      tagged_at: '2019-03-26T22:46:56.000Z',
    });
  });

  it('contact.user.tag.deleted (2.x contact_tag item)', () => {
    const { event } = transformed('contact.user.tag.deleted', contactTagV2(contactV2()), 'email');
    expect(event.event_type).toBe('[Intercom] contact.user.tag.deleted');
    expect(event.user_id).toBe('Ada.Lovelace@Example.com');
    expect(event.event_properties.contact_role).toBe('user');
  });

  it('a tag item whose person has neither id nor email is dropped', () => {
    const item = userTagV1(userV1({ user_id: 'null', email: null }));
    expect(toAmplitudeEvent(notification('user.tag.created', item), { identityMapping: 'email' })).toEqual({
      kind: 'dropped',
      reason: 'no_identity',
    });
  });
});
