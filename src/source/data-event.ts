import { normalizeIntercomEventName } from '../intercom/event-names';
import { emailKey, sentEmail, validId, type PersonRef } from './identity';
import { asObject, field, textAt, type JsonObject } from './item-fields';
import { joinKey, secondsText } from './key-parts';
import { intercomTimeToIso, parseIntercomTimeSeconds } from './time';

/**
 * `event.created` items: {type:'event', id, event_name, user_id, email, intercom_user_id,
 * metadata, created_at (Unix), ext_metadata}. `user_id` is the customer's id for the person;
 * `intercom_user_id` is Intercom's internal contact id.
 */
export function dataEventPerson(item: JsonObject): PersonRef | undefined {
  const person: PersonRef = {
    intercomId: textAt(item, 'intercom_user_id'),
    userId: validId(field(item, 'user_id')),
    email: sentEmail(field(item, 'email')),
  };
  return person.intercomId || person.userId || person.email ? person : undefined;
}

export function dataEventProperties(item: JsonObject): Record<string, unknown> {
  return {
    event_name: textAt(item, 'event_name'),
    intercom_event_id: textAt(item, 'id'),
    event_created_at: intercomTimeToIso(field(item, 'created_at')),
    ...flattenedMetadata(asObject(field(item, 'metadata'))),
  };
}

/**
 * Lifts metadata one level (`metadata.plan` → `metadata_plan`) so keys are filterable in
 * Amplitude. Structured values (rich links, monetary amounts) stay objects under their key.
 */
function flattenedMetadata(metadata: JsonObject | undefined): Record<string, unknown> {
  if (!metadata) return {};
  return Object.fromEntries(Object.entries(metadata).map(([key, value]) => [`metadata_${key}`, value]));
}

/**
 * `T:<item.id>`, else `T:<event name>:<created_at>:<user key>`, the user key being the first of
 * `external_id:<user id>`, `email:<case-folded email>`, `contact:<intercom_user_id>` present.
 */
export function dataEventDedupeKey(topic: string, item: JsonObject): string | null {
  const id = textAt(item, 'id');
  if (id) return joinKey(topic, id);
  const name = textAt(item, 'event_name');
  const person = dataEventPerson(item);
  const user = person?.userId
    ? `external_id:${person.userId}`
    : person?.email
      ? `email:${emailKey(person.email)}`
      : person?.intercomId && `contact:${person.intercomId}`;
  return joinKey(topic, name && normalizeIntercomEventName(name), secondsText(item.created_at), user);
}

export function dataEventFactTime(_topic: string, item: JsonObject): number | null {
  return parseIntercomTimeSeconds(item.created_at);
}
