import type { IntercomNotification } from '../../../src/intercom/webhook-envelope';

/**
 * Compact Intercom payloads modelled on captured webhooks (zulip's intercom fixtures) and the
 * shapes in Intercom's webhook models (https://developers.intercom.com/docs/references/webhooks/webhook-models). Only fields the transforms read, plus a
 * few realistic neighbours, are kept. Builders take overrides so each test states what matters.
 */

type Item = Record<string, unknown>;

export const APP_ID = 'abc123def';
/** 2026-01-10T04:39:55Z, a plausible notification time. */
export const NOTIFIED_AT = 1768019995;

export function notification(
  topic: string,
  item: Item,
  envelope: Partial<Pick<IntercomNotification, 'id' | 'created_at' | 'app_id' | 'delivery_attempts'>> = {},
): IntercomNotification {
  return {
    type: 'notification_event',
    app_id: envelope.app_id ?? APP_ID,
    id: envelope.id === undefined ? 'notif_3a00d3fc-6fb0-400c-b089-ab44f0c9c28a' : envelope.id,
    topic,
    created_at: envelope.created_at ?? NOTIFIED_AT,
    delivery_attempts: envelope.delivery_attempts ?? 1,
    first_sent_at: envelope.created_at ?? NOTIFIED_AT,
    data: { type: 'notification_event_data', item },
  };
}

/** The raw JSON body Intercom posts (extra fields included), for envelope parsing tests. */
export function rawNotification(
  topic: string,
  item: Item,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: 'notification_event',
    app_id: APP_ID,
    data: { type: 'notification_event_data', item },
    links: {},
    id: 'notif_c47f7aeb-bdeb-4d35-8fc7-eb945334fdad',
    topic,
    delivery_status: 'pending',
    delivery_attempts: 1,
    delivered_at: 0,
    first_sent_at: NOTIFIED_AT,
    created_at: NOTIFIED_AT,
    self: null,
    ...overrides,
  };
}

// ------------------------------------------------------------------------------------------
// People

/** 2.x contact as webhooks send it: ISO timestamps, `external_id`, `role`, `location`. */
export function contactV2(overrides: Item = {}): Item {
  return {
    type: 'contact',
    id: '6961d43b372591e999b3ea56',
    workspace_id: APP_ID,
    external_id: 'u-1055',
    role: 'user',
    email: ' Ada.Lovelace@Example.com ',
    phone: null,
    name: 'Ada Lovelace',
    owner_id: null,
    has_hard_bounced: false,
    marked_email_as_spam: false,
    unsubscribed_from_emails: false,
    created_at: '2026-01-10T04:23:23.215+00:00',
    updated_at: '2026-01-10T04:39:55.465+00:00',
    signed_up_at: '2026-01-10T04:23:20.000+00:00',
    last_seen_at: null,
    browser: 'chrome',
    os: 'OS X',
    location: { type: 'location', country: 'United Kingdom', region: 'England', city: 'London', country_code: 'GBR' },
    custom_attributes: {},
    tags: {
      type: 'list',
      data: [{ id: '12934044', type: 'tag', url: '/tags/12934044' }],
      total_count: 1,
      has_more: false,
    },
    companies: {
      type: 'list',
      data: [{ id: '6961d37afb9d13c23f871b6d', type: 'company' }],
      total_count: 1,
      has_more: false,
    },
    utm_source: 'newsletter',
    utm_medium: null,
    utm_campaign: null,
    utm_content: null,
    utm_term: null,
    referrer: null,
    ...overrides,
  };
}

/** The same contact as `GET /contacts/{id}` returns it: Unix-second timestamps. */
export function contactRest(overrides: Item = {}): Item {
  return contactV2({
    created_at: 1768019003,
    updated_at: 1768019995,
    signed_up_at: 1768019000,
    ...overrides,
  });
}

/** 1.x `user` object: `user_id` is the customer's id, `location_data` instead of `location`. */
export function userV1(overrides: Item = {}): Item {
  return {
    type: 'user',
    id: '5c9ab3e78cd7330140ce5033',
    user_id: '25',
    anonymous: false,
    email: 'aaron@zulip.com',
    phone: '2345570987',
    name: 'Aaron Smith',
    app_id: 'i6wc9ipe',
    companies: {
      type: 'company.list',
      companies: [{ type: 'company', company_id: '366', id: '5c9ab3e78cd7330140ce5034', name: 'Zulip' }],
    },
    location_data: {
      type: 'location_data',
      city_name: "St. John's",
      country_name: 'Canada',
      region_name: 'Newfoundland and Labrador',
      country_code: 'CAN',
    },
    last_request_at: null,
    created_at: '2019-03-26T23:21:11.907+00:00',
    remote_created_at: '2014-02-18T13:48:51.000+00:00',
    signed_up_at: '2014-02-18T13:48:51.000+00:00',
    updated_at: '2019-03-26T23:21:11.904+00:00',
    session_count: 3,
    unsubscribed_from_emails: false,
    marked_email_as_spam: false,
    has_hard_bounced: false,
    tags: { type: 'tag.list', tags: [{ type: 'tag', id: '2525085', name: 'developer' }] },
    segments: { type: 'segment.list', segments: [] },
    custom_attributes: {},
    ...overrides,
  };
}

/** 1.x lead (`type: 'contact'`): `user_id` is an Intercom-generated UUID. */
export function leadV1(overrides: Item = {}): Item {
  return userV1({
    type: 'contact',
    id: '5c96b122177026171b401e20',
    user_id: '8f9ef493-c5f9-4817-895d-874c3704ea49',
    anonymous: true,
    email: 'aaron@zulip.com',
    name: null,
    signed_up_at: null,
    remote_created_at: null,
    created_at: '2019-03-23T22:20:18.253+00:00',
    updated_at: '2019-03-23T22:20:52.000Z',
    ...overrides,
  });
}

// ------------------------------------------------------------------------------------------
// Tags

export const TAG = { type: 'tag', id: '12934044', name: 'Feature Request' };

export function contactTagV2(contact: Item = contactV2({ role: 'lead' }), tag: Item = TAG): Item {
  return { type: 'contact_tag', tag, contact };
}

export function contactTagV1(contact: Item = leadV1(), tag: Item = TAG): Item {
  return { type: 'contact_tag', created_at: 1553291522, tag, contact };
}

export function userTagV1(user: Item = userV1(), tag: Item = TAG): Item {
  return { type: 'user_tag', user, tag, created_at: 1553640416, admin: { type: 'admin', id: '1957471' } };
}

// ------------------------------------------------------------------------------------------
// Conversations

export function part(overrides: Item = {}): Item {
  return {
    type: 'conversation_part',
    id: '2824391734',
    part_type: 'comment',
    body: '<p>Well, I need some help getting access to a developer account.</p>',
    created_at: 1553291307,
    updated_at: 1553291307,
    notified_at: 1553291307,
    assigned_to: null,
    author: { type: 'user', id: '5c9553cb27e377f24eed49f7', name: 'Eeshan Garg', email: 'jerryguitarist@gmail.com' },
    attachments: [],
    external_id: null,
    ...overrides,
  };
}

export const ADMIN_AUTHOR = { type: 'admin', id: '1957471', name: 'Cordelia Lear', email: 'cordelia@zulip.com' };

/** 1.x conversation: customer in `user`, `assignee` object, `conversation_message`. */
export function conversationV1(parts: Item[] = [], overrides: Item = {}): Item {
  return {
    type: 'conversation',
    id: '21322009097',
    created_at: 1553290933,
    updated_at: 1553291307,
    user: {
      type: 'lead',
      id: '5c9553cb27e377f24eed49f7',
      user_id: '75067020-1204-495c-8edc-abb7d88bdd43',
      name: 'Eeshan Garg',
      email: 'jerryguitarist@gmail.com',
      do_not_track: null,
    },
    assignee: { type: 'admin', id: '1957471', name: 'Cordelia Lear', email: 'cordelia@zulip.com' },
    conversation_message: {
      type: 'conversation_message',
      id: '331499307',
      subject: '',
      body: '<p>Hello</p>',
      author: { type: 'user', id: '5c9553cb27e377f24eed49f7' },
      attachments: [],
    },
    conversation_parts: { type: 'conversation_part.list', conversation_parts: parts, total_count: parts.length },
    open: true,
    state: 'open',
    snoozed_until: null,
    read: true,
    tags: { type: 'tag.list', tags: [] },
    tags_added: { type: 'tag.list', tags: [] },
    ...overrides,
  };
}

/** 2.x conversation: `source.author` (no external_id), `contacts` list (with external_id). */
export function conversationV2(parts: Item[] = [], overrides: Item = {}): Item {
  return {
    type: 'conversation',
    id: '215472621202693',
    created_at: 1768031789,
    updated_at: 1768032534,
    waiting_since: 1768032450,
    snoozed_until: null,
    source: {
      type: 'conversation',
      id: '3381828792',
      delivered_as: 'customer_initiated',
      subject: '',
      body: '<p>hello</p>',
      author: { type: 'lead', id: '696205460674dbb9050aa7fd', name: null, email: 'Visitor@Example.com' },
      attachments: [],
      redacted: false,
    },
    contacts: {
      type: 'contact.list',
      contacts: [
        { type: 'contact', id: '696205460674dbb9050aa7fd', external_id: '5e68ece4-0ec8-4792-baac-02deba39e7fe' },
      ],
    },
    admin_assignee_id: 9608799,
    team_assignee_id: null,
    open: true,
    state: 'open',
    read: true,
    tags: { type: 'tag.list', tags: [{ type: 'tag', id: '2525085', name: 'billing' }] },
    priority: 'priority',
    statistics: {
      type: 'conversation_statistics',
      time_to_admin_reply: 211,
      time_to_first_close: null,
      count_reopens: 0,
    },
    conversation_rating: null,
    title: 'Refund for order #1234',
    ai_agent_participated: false,
    conversation_parts: { type: 'conversation_part.list', conversation_parts: parts, total_count: parts.length },
    ...overrides,
  };
}

/** `conversation.contact.attached` wraps the conversation model and names the attached contact. */
export function contactAttachedItem(contact: Item = contactV2({ external_id: '22', email: 'user@example.com' })): Item {
  return {
    conversation: {
      parts: [
        {
          id: 37358461336,
          conversation_id: 215472621202693,
          body: '',
          created_at: '2026-01-10T08:10:14.000Z',
          updated_at: '2026-01-10T08:10:14.000Z',
          user_id: null,
        },
      ],
      model: {
        app_id: 3239765,
        id: 215472621202693,
        user_id: '696205460674dbb9050aa7fd',
        created_at: '2026-01-10T07:56:29.000Z',
        updated_at: '2026-01-10T08:10:14.000Z',
        read: false,
      },
    },
    contact,
  };
}

// ------------------------------------------------------------------------------------------
// Data events

export function dataEvent(overrides: Item = {}): Item {
  return {
    type: 'event',
    event_name: 'invited-friend',
    id: '84ca8d44-8f2e-11e3-bbc6-6d72c14baf72',
    intercom_user_id: '5c9aabdf2ddf20549a41453a',
    user_id: '12345',
    email: 'JerryGuitarist@Gmail.com',
    metadata: { invitee_email: 'pi@example.org', invite_code: 'ADDAFRIEND', order: { amount: 3450, currency: 'eur' } },
    created_at: 1391691571,
    ext_metadata: {},
    ...overrides,
  };
}
