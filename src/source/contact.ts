import { personFrom, type PersonRef } from './identity';
import { booleanAt, field, listEntries, numberAt, objectAt, textAt, type JsonObject } from './item-fields';
import { intercomTimeToIso } from './time';

/**
 * Contact-like items: 2.x `contact` (with `role`), 1.x `user` and `contact` (= lead), and the
 * minimal `{type, id, external_id|user_id, email?, deleted?}` that `*.deleted` topics send.
 * Used for the contact, user and visitor groups.
 */
export function contactPerson(item: JsonObject): PersonRef | undefined {
  return personFrom(item);
}

/** 1.x has no `role`: its `user` objects are users and its `contact` objects are leads. */
export function contactRole(obj: JsonObject | undefined): string | undefined {
  const role = textAt(obj, 'role');
  if (role) return role;
  const type = textAt(obj, 'type');
  if (type === 'contact' || type === 'lead') return 'lead';
  return type === 'user' ? 'user' : undefined;
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

/**
 * Profile fields to set on the Amplitude user. `email` and `name` keep their common names; role
 * and id are prefixed so they cannot clobber a customer's own `role`. Missing values are omitted,
 * never sent as null, so a sparse payload cannot erase what Amplitude already knows.
 */
export function contactUserProperties(item: JsonObject): Record<string, unknown> {
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
