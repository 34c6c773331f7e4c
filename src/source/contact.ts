import { contactRole, personFrom, type PersonRef } from './identity';
import { booleanAt, field, listEntries, numberAt, objectAt, textAt, type JsonObject } from './item-fields';
import { joinKey, secondsText } from './key-parts';
import { intercomTimeToIso, parseIntercomTimeSeconds } from './time';

/**
 * Contact-like items: 2.x `contact` (with `role`), 1.x `user` and `contact` (= lead), and the
 * minimal `{type, id, external_id|user_id, email?, deleted?}` that `*.deleted` topics send.
 * Used for the contact, user and visitor groups.
 */
export function contactPerson(item: JsonObject): PersonRef | undefined {
  return personFrom(item);
}

/** Profile facts useful for segmentation; names, emails and phones stay out of event properties. */
export function contactProperties(item: JsonObject): Record<string, unknown> {
  // 2.x: location{country, region, city, country_code}; 1.x: location_data{country_name, …}.
  const location = objectAt(item, 'location');
  const legacyLocation = objectAt(item, 'location_data');
  return {
    contact_id: textAt(item, 'id'),
    contact_role: contactRole(item),
    contact_deleted: booleanAt(item, 'deleted'),
    contact_created_at: intercomTimeToIso(field(item, 'created_at')),
    contact_updated_at: intercomTimeToIso(field(item, 'updated_at')),
    signed_up_at: intercomTimeToIso(field(item, 'signed_up_at')),
    last_seen_at: intercomTimeToIso(field(item, 'last_seen_at') ?? field(item, 'last_request_at')),
    location_country: textAt(location, 'country') ?? textAt(legacyLocation, 'country_name'),
    location_country_code: textAt(location, 'country_code') ?? textAt(legacyLocation, 'country_code'),
    location_region: textAt(location, 'region') ?? textAt(legacyLocation, 'region_name'),
    location_city: textAt(location, 'city') ?? textAt(legacyLocation, 'city_name'),
    tag_ids: idsOf(field(item, 'tags'), 'tags'),
    tags: namesOf(field(item, 'tags'), 'tags'),
    company_ids: idsOf(field(item, 'companies'), 'companies'),
    owner_id: textAt(item, 'owner_id'),
    unsubscribed_from_emails: booleanAt(item, 'unsubscribed_from_emails'),
    has_hard_bounced: booleanAt(item, 'has_hard_bounced'),
    marked_email_as_spam: booleanAt(item, 'marked_email_as_spam'),
    session_count: numberAt(item, 'session_count'),
    browser: textAt(item, 'browser'),
    os: textAt(item, 'os'),
    utm_source: textAt(item, 'utm_source'),
    utm_medium: textAt(item, 'utm_medium'),
    utm_campaign: textAt(item, 'utm_campaign'),
    utm_content: textAt(item, 'utm_content'),
    utm_term: textAt(item, 'utm_term'),
  };
}

/** Topics whose payload is a state change with identifiers only (`{type, id, external_id, deleted|archived}`). */
const STATE_CHANGE_TOPICS = new Set(['contact.deleted', 'contact.archived']);

/**
 * Profile fields to set on the Amplitude user. `email` and `name` keep their common names; role
 * and id are prefixed so they cannot clobber a customer's own `role`. Missing values are omitted,
 * never sent as null, so a sparse payload cannot erase what Amplitude already knows. A deletion or
 * archival is not a profile update: it sets none.
 */
export function contactUserProperties(item: JsonObject, topic: string): Record<string, unknown> | undefined {
  if (STATE_CHANGE_TOPICS.has(topic)) return undefined;
  const person = personFrom(item);
  return {
    email: person?.email,
    name: textAt(item, 'name'),
    intercom_role: contactRole(item),
    intercom_contact_id: person?.intercomId,
  };
}

function idsOf(list: unknown, legacyKey: string): string[] {
  return listEntries(list, legacyKey)
    .map((o) => textAt(o, 'id'))
    .filter((id): id is string => id !== undefined);
}

function namesOf(list: unknown, legacyKey: string): string[] {
  return listEntries(list, legacyKey)
    .map((o) => textAt(o, 'name'))
    .filter((name): name is string => name !== undefined);
}

const ONE_SHOT_CONTACT_TOPIC = /\.(created|signed_up)$/;

/**
 * `T:<item.id>` for facts that happen once to a contact (created, signed up, deleted);
 * `T:<item.id>:<updated_at>` for the rest (updated, email, merged, archived, …), which recur.
 */
export function contactDedupeKey(topic: string, item: JsonObject): string | null {
  const id = textAt(item, 'id');
  if (ONE_SHOT_CONTACT_TOPIC.test(topic) || topic === 'contact.deleted') return joinKey(topic, id);
  return joinKey(topic, id, secondsText(item.updated_at));
}

/** created_at for `*.created`, signed_up_at for `*.signed_up`, else updated_at. */
export function contactFactTime(topic: string, item: JsonObject): number | null {
  if (topic.endsWith('.created')) return parseIntercomTimeSeconds(item.created_at);
  if (topic.endsWith('.signed_up')) return parseIntercomTimeSeconds(item.signed_up_at ?? item.updated_at);
  return parseIntercomTimeSeconds(item.updated_at);
}
